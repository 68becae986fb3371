import {
  BREAK,
  getOperationAST,
  GraphQLError,
  Kind,
  OperationTypeNode,
  visit,
  type DocumentNode,
  type ExecutionArgs,
  type FieldNode,
  type SelectionSetNode,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';

/** Executions of a document after which it is compiled: a document seen once is likely never seen again. */
const COMPILE_AFTER = 2;

/**
 * Whether graphql-jit answers this document exactly as the reference executor does, and
 * safely. Not with @skip or @include: graphql-jit records their conditions on the parsed
 * document's nodes, which Yoga shares between requests, so a fragment spread twice would
 * share one condition. Not with a string literal holding graphql-jit's internal markers:
 * literals are written into the generated code, and a marker's content is not escaped there.
 */
function compilable(document: DocumentNode): boolean {
  let ok = true;
  visit(document, {
    Directive: (node) => {
      if (node.name.value === 'skip' || node.name.value === 'include') return ((ok = false), BREAK);
    },
    StringValue: (node) => {
      if (/__magic/i.test(node.value)) return ((ok = false), BREAK);
    },
  });
  return ok;
}

/** The field nodes a response path names (aliases, fragments), for an error's locations. */
function fieldsAt(document: DocumentNode, set: SelectionSetNode | undefined, path: readonly (string | number)[]): FieldNode[] {
  const [key, ...rest] = path.filter((p): p is string => typeof p === 'string');
  if (!set || key === undefined) return [];
  const found: FieldNode[] = [];
  const collect = (s: SelectionSetNode) => {
    for (const sel of s.selections) {
      if (sel.kind === Kind.FIELD) {
        if ((sel.alias ?? sel.name).value === key) found.push(sel);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) collect(sel.selectionSet);
      else {
        const fragment = document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === sel.name.value);
        if (fragment?.kind === Kind.FRAGMENT_DEFINITION) collect(fragment.selectionSet);
      }
    }
  };
  collect(set);
  return rest.length ? found.flatMap((f) => fieldsAt(document, f.selectionSet, rest)) : found;
}

/**
 * Runs queries that have been executed before with graphql-jit, which compiles an operation's
 * selection into one JavaScript function: on the uncached headline it cut the gateway's CPU per
 * request by about a quarter (docs/BENCHMARKS.md).
 * - Only documents seen `COMPILE_AFTER` times (Yoga keeps one parsed document per query text,
 *   so its identity is the text), and compiled when the execution runs: after admission and
 *   the rate limiter, so a shed or refused request never pays for a compilation.
 * - Only queries that `compilable` accepts: mutations run rarely and stay on the reference
 *   executor.
 * - Compiled per operation: a document may hold several (GraphiQL sends them).
 * - An answer without data (variables that do not fit their types, a failed root field) is
 *   the reference executor's: graphql-jit words variable errors differently. Field errors
 *   are rebuilt as graphql-js errors, with their locations.
 * graphql-jit does not watch the abort signal; the request's database view does
 * (db/sql-stats.ts), so a cancelled execution still sends no further read. @envelop/graphql-jit
 * does the same in general, but caches by document alone (the wrong operation of a document
 * with two) and compiles on first sight, before admission.
 */
export function useJit(): Plugin {
  const seen = new WeakMap<DocumentNode, number>();
  const compiled = new WeakMap<DocumentNode, Map<string, CompiledQuery | null>>();
  const compile = ({ schema, document, operationName }: ExecutionArgs): CompiledQuery | null => {
    let operations = compiled.get(document);
    if (!operations) compiled.set(document, (operations = new Map<string, CompiledQuery | null>()));
    const key = operationName ?? '';
    let query = operations.get(key);
    if (query === undefined) {
      const result = compilable(document) ? compileQuery(schema, document, operationName ?? undefined) : null;
      // Not compilable (an invalid operation name, say): the reference executor says why.
      query = result && isCompiledQuery(result) ? result : null;
      operations.set(key, query);
    }
    return query;
  };
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const { document, operationName } = args as ExecutionArgs;
      const count = (seen.get(document) ?? 0) + 1;
      seen.set(document, count);
      if (count < COMPILE_AFTER || getOperationAST(document, operationName)?.operation !== OperationTypeNode.QUERY) return;
      setExecuteFn(async (a: ExecutionArgs) => {
        const query = compile(a);
        if (!query) return executeFn(a) as unknown;
        const result = await query.query(a.rootValue, a.contextValue, a.variableValues);
        if (!result.errors?.length) return result;
        if (result.data == null) return executeFn(a) as unknown;
        const operation = getOperationAST(a.document, a.operationName);
        // graphql-jit's errors are of its own class, whose locations Yoga's serializer drops.
        const errors = result.errors.map((e) =>
          e.path
            ? new GraphQLError(e.message, {
                nodes: fieldsAt(a.document, operation?.selectionSet, e.path),
                path: e.path,
                originalError: e.originalError,
                extensions: e.extensions,
              })
            : e,
        );
        return { ...result, errors };
      });
    },
  };
}
