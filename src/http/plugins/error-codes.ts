import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * graphql-js reports variables that do not fit their types ("Int cannot represent…", an
 * unknown enum value) as errors without a code, before any resolver runs. Clients branch on
 * `extensions.code`, so give them BAD_USER_INPUT like every other bad argument.
 */
export function useErrorCodes(): Plugin {
  return {
    onExecute: () => ({
      onExecuteDone({ result, setResult }) {
        if (Symbol.asyncIterator in result || result.data !== undefined || !result.errors) return;
        setResult({
          ...result,
          errors: result.errors.map((e: GraphQLError) =>
            e.extensions?.code || e.path
              ? e
              : new GraphQLError(e.message, {
                  nodes: e.nodes,
                  source: e.source,
                  positions: e.positions,
                  originalError: e.originalError,
                  extensions: { ...e.extensions, code: 'BAD_USER_INPUT' },
                }),
          ),
        });
      },
    }),
  };
}
