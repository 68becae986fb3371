import { getOperationAST, OperationTypeNode, type DocumentNode, type ExecutionArgs } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';

/** Executions of a document after which it is compiled: a document seen once is likely never seen again. */
const COMPILE_AFTER = 2;

/**
 * Runs queries that have been executed before with graphql-jit, which compiles an operation's
 * selection into one JavaScript function: on the uncached headline it cut the gateway's CPU per
 * request by about a quarter (docs/BENCHMARKS.md).
 * - Only documents seen `COMPILE_AFTER` times (Yoga keeps one parsed document per query text,
 *   so its identity is the text): compiling costs more than one interpreted run, and an
 *   attacker's stream of distinct documents would otherwise each pay it.
 * - Only queries: mutations run rarely and stay on the reference executor.
 * - Compiled per operation: a document may hold several (GraphiQL sends them).
 * - An answer with errors is run again by the reference executor (below): errors are rare, and
 *   clients then see exactly what the first run of the document showed them.
 * graphql-jit does not watch the abort signal; the request's database view does
 * (db/sql-stats.ts), so a cancelled execution still sends no further read. @envelop/graphql-jit does the same in general, but caches
 * by document alone (the wrong operation of a document with two) and compiles on first sight.
 */
export function useJit(): Plugin {
  const seen = new WeakMap<DocumentNode, number>();
  const compiled = new WeakMap<DocumentNode, Map<string, CompiledQuery | null>>();
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const { document, operationName, schema } = args as ExecutionArgs;
      const count = (seen.get(document) ?? 0) + 1;
      seen.set(document, count);
      if (count < COMPILE_AFTER || getOperationAST(document, operationName)?.operation !== OperationTypeNode.QUERY) return;
      let operations = compiled.get(document);
      if (!operations) compiled.set(document, (operations = new Map<string, CompiledQuery | null>()));
      const key = operationName ?? '';
      let query = operations.get(key);
      if (query === undefined) {
        const result = compileQuery(schema, document, operationName ?? undefined);
        // Not compilable (an invalid operation name, say): the reference executor says why.
        query = isCompiledQuery(result) ? result : null;
        operations.set(key, query);
      }
      if (!query) return;
      const compiledQuery = query;
      setExecuteFn(async (a: ExecutionArgs) => {
        const result = await compiledQuery.query(a.rootValue, a.contextValue, a.variableValues);
        // Its errors lack locations, and variables are refused in other words: an answer with
        // errors is the reference executor's, so that a client sees the same whichever ran.
        // eslint-disable-next-line @typescript-eslint/no-unsafe-return -- Envelop types the execute function's result as any
        return result.errors?.length ? executeFn(a) : result;
      });
    },
  };
}
