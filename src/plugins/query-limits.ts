import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../config';

/**
 * Shape limits, checked while parsing and validating, so an abusive document is refused before
 * anything runs: depth, aliases, tokens, directives (graphql-armor). The cost limit, which
 * needs the arguments (`first` multiplies), is the Pothos complexity plugin's (schema/builder.ts).
 */
export function useQueryLimits(config: Pick<Config, 'QUERY_MAX_DEPTH' | 'QUERY_MAX_ALIASES' | 'QUERY_MAX_TOKENS' | 'QUERY_MAX_DIRECTIVES'>): Plugin[] {
  return [
    maxTokensPlugin({ n: config.QUERY_MAX_TOKENS }),
    maxDepthPlugin({ n: config.QUERY_MAX_DEPTH, flattenFragments: true, exposeLimits: true }),
    maxAliasesPlugin({ n: config.QUERY_MAX_ALIASES, exposeLimits: true }),
    maxDirectivesPlugin({ n: config.QUERY_MAX_DIRECTIVES, exposeLimits: true }),
  ] as Plugin[];
}
