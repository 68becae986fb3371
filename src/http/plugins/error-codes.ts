import { GraphQLError, locatedError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { DomainError } from '../../domain/errors';
import { asGraphQLError } from '../../errors';

/**
 * The one place errors get the `extensions.code` clients branch on, before anything reads the
 * result (the response cache, the request log, metrics, masking: all later):
 *
 * - a domain error (domain/errors.ts) that data/ or domain/ threw through a resolver becomes the
 *   GraphQL error it stands for (errors.ts `asGraphQLError`), at the same path and locations, as
 *   if the resolver had thrown that: same message, code and HTTP status. Left as it was, Yoga
 *   would mask it as "Unexpected error.";
 * - graphql-js reports variables that do not fit their types ("Int cannot represent…", an
 *   unknown enum value) as errors without a code, before any resolver runs: they get
 *   BAD_USER_INPUT like every other bad argument.
 */
export function useErrorCodes(): Plugin {
  return {
    onExecute: () => ({
      onExecuteDone({ result, setResult }) {
        if (Symbol.asyncIterator in result || !result.errors?.length) return;
        const errors = result.errors.map((e: GraphQLError) =>
          e.originalError instanceof DomainError
            ? locatedError(asGraphQLError(e.originalError), e.nodes, e.path)
            : result.data !== undefined || e.extensions?.code || e.path
              ? e
              : new GraphQLError(e.message, {
                  nodes: e.nodes,
                  source: e.source,
                  positions: e.positions,
                  originalError: e.originalError,
                  extensions: { ...e.extensions, code: 'BAD_USER_INPUT' },
                }),
        );
        if (errors.some((e, i) => e !== result.errors![i])) setResult({ ...result, errors });
      },
    }),
  };
}
