import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin, type MaxDepthOptions } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { complexityFromQuery } from '@pothos/plugin-complexity';
import { getOperationAST, GraphQLError, Kind, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../../config';
import type { RequestContext as Context } from '../context';

/**
 * graphql-armor's refusals carry only a message ("Syntax Error: …"). Clients branch on
 * `extensions.code`: give them the cost limit's QUERY_TOO_COMPLEX, naming the limit and its
 * maximum. Validation rules report the error (the document is refused with the others found);
 * the token limit has no validation context and throws it out of the parser instead.
 */
function refuse(limit: 'depth' | 'aliases' | 'directives' | 'tokens', max: number): Pick<MaxDepthOptions, 'onReject' | 'propagateOnRejection'> {
  return {
    propagateOnRejection: false,
    onReject: [
      (ctx, err) => {
        const error = new GraphQLError(err.message.replace(/^Syntax Error: /, ''), { extensions: { code: 'QUERY_TOO_COMPLEX', limit, max } });
        if (!ctx) throw error;
        ctx.reportError(error);
      },
    ],
  };
}

/**
 * Shape limits, checked while parsing and validating, so an abusive document is refused before
 * anything runs: depth, aliases, tokens, directives (graphql-armor). The cost limit, which
 * needs the arguments (`first` multiplies), is the Pothos complexity plugin's (schema/builder.ts).
 */
export function useQueryLimits(config: Pick<Config, 'QUERY_MAX_DEPTH' | 'QUERY_MAX_ALIASES' | 'QUERY_MAX_TOKENS' | 'QUERY_MAX_DIRECTIVES'>): Plugin[] {
  return [
    maxTokensPlugin({ n: config.QUERY_MAX_TOKENS, ...refuse('tokens', config.QUERY_MAX_TOKENS) }),
    maxDepthPlugin({ n: config.QUERY_MAX_DEPTH, flattenFragments: true, exposeLimits: true, ...refuse('depth', config.QUERY_MAX_DEPTH) }),
    // graphql-armor lets `__typename` be aliased without limit by default, and every alias is
    // a field the executor resolves and the cost limit charges: all of them count.
    maxAliasesPlugin({ n: config.QUERY_MAX_ALIASES, allowList: [], exposeLimits: true, ...refuse('aliases', config.QUERY_MAX_ALIASES) }),
    maxDirectivesPlugin({ n: config.QUERY_MAX_DIRECTIVES, exposeLimits: true, ...refuse('directives', config.QUERY_MAX_DIRECTIVES) }),
  ] as Plugin[];
}

/**
 * The cost the cost limit computes for the operation a request runs, or null when executing it
 * does no work: over the limit (each root field refuses it with QUERY_TOO_COMPLEX before its
 * resolver runs) or variables that do not fit their types (refused with BAD_USER_INPUT).
 */
export function executionCost(
  args: { document: DocumentNode; schema: GraphQLSchema; operationName?: string | null; variableValues?: Record<string, unknown> | null },
  ctx: Context,
): number | null {
  const operation = getOperationAST(args.document, args.operationName);
  if (!operation) return null;
  // Pothos costs a document's first operation: keep only the one that runs (and the fragments).
  const document = { ...args.document, definitions: args.document.definitions.filter((d) => d.kind !== Kind.OPERATION_DEFINITION || d === operation) };
  try {
    const { complexity } = complexityFromQuery(document, { schema: args.schema, ctx, variables: args.variableValues ?? {} });
    return complexity > ctx.limits.cost ? null : complexity;
  } catch {
    return null;
  }
}

/** The deepest nesting of a request's variables (and extensions): input types here nest 4 deep. */
export const VARIABLES_MAX_DEPTH = 16;
/** The most values they may hold: a full importJobs (1,000 postings of 50 skills) holds about 67,000. */
export const VARIABLES_MAX_VALUES = 200_000;

/**
 * Why a client's JSON value (variables, extensions) is too deep or too large, or null. Walked
 * without recursion and stopped at the limit: JSON.parse accepts any nesting, but everything
 * after it (the cache key's JSON.stringify, graphql-js's coercion) recurses, and 5,000 levels
 * overflow the stack.
 */
export function jsonShapeProblem(value: unknown): { limit: 'depth' | 'values'; max: number } | null {
  const stack: [unknown, number][] = [[value, 1]];
  let values = 0;
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (++values > VARIABLES_MAX_VALUES) return { limit: 'values', max: VARIABLES_MAX_VALUES };
    if (node === null || typeof node !== 'object') continue;
    if (depth > VARIABLES_MAX_DEPTH) return { limit: 'depth', max: VARIABLES_MAX_DEPTH };
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, depth + 1]);
  }
  return null;
}

/**
 * Variables and extensions over those bounds are refused with BAD_USER_INPUT before any other
 * plugin (the response cache's key, the documents lookup) or graphql-js reads them.
 */
export function useVariableLimits(): Plugin {
  return {
    onParams({ params }) {
      for (const [name, value] of [
        ['variables', params.variables],
        ['extensions', params.extensions],
      ] as const) {
        const problem = value == null ? null : jsonShapeProblem(value);
        if (!problem) continue;
        const what = problem.limit === 'depth' ? `nested more than ${problem.max} levels deep` : `more than ${problem.max} values`;
        throw new GraphQLError(`The request's ${name} are ${what}.`, {
          extensions: {
            code: 'BAD_USER_INPUT',
            argument: name,
            limit: problem.limit === 'depth' ? 'variablesDepth' : 'variablesValues',
            max: problem.max,
            http: { status: 400 },
          },
        });
      }
    },
  };
}
