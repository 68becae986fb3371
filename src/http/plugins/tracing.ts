import { context, ROOT_CONTEXT, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { ExecutionResult } from 'graphql';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import type { RequestContext as Context } from '../context';
import { describeOperation } from '../../ops/operation';
import { inSpan, tracer } from '../../tracing';

/**
 * A span per GraphQL operation, child of the request's (http/edge.ts) and parent of its
 * DataLoader batches and SQL statements: parse, validation and execution run inside it. Named
 * as the semantic conventions ask (`query JobPage`), with the document id of a persisted
 * document and whether the response cache answered. Nothing at all while tracing is off.
 */
export function useTracing(): Plugin<Context> {
  if (!tracer()) return {};
  // The hooks below find their operation's span as the active one; never the request's by mistake.
  const operations = new WeakSet<Span>();
  const operationSpan = () => {
    const span = trace.getActiveSpan();
    return span && operations.has(span) ? span : undefined;
  };
  return {
    instrumentation: {
      // Named once its parameters are read (onParams, onExecute below), which happens inside it.
      operation: (_payload, wrapped) =>
        inSpan('graphql operation', {}, async (span) => {
          if (span) operations.add(span);
          await wrapped();
        }),
    },
    onParams({ params }) {
      // Before the documents plugins: a persisted document's id as the client sent it.
      const documentId =
        (params as { documentId?: string }).documentId ?? (params.extensions?.persistedQuery as { sha256Hash?: string } | undefined)?.sha256Hash;
      const span = operationSpan();
      if (span) name(span, params, documentId);
    },
    onSubscribe() {
      return {
        // Each event is resolved when the stream asks for it, which would be in the context of
        // the subscription's request: a stream open for hours would grow one trace (its
        // statements commented, so unnamed) without end. Events are resolved untraced instead.
        onSubscribeResult({ result, setResult }) {
          if (!(Symbol.asyncIterator in result)) return;
          const events = result[Symbol.asyncIterator]();
          setResult({
            [Symbol.asyncIterator]() {
              return this;
            },
            next: () => context.with(ROOT_CONTEXT, () => events.next()),
            return: () => events.return?.() ?? Promise.resolve({ done: true, value: undefined }),
            throw: (err: unknown) => events.throw?.(err) ?? Promise.reject(err instanceof Error ? err : new Error(String(err))),
          } as AsyncIterableIterator<ExecutionResult>);
        },
      };
    },
    onExecute({ args }) {
      const ctx = args.contextValue as unknown as Context & { params?: GraphQLParams };
      const stats = ctx.sqlStats;
      const span = operationSpan();
      if (span && ctx.params) name(span, ctx.params);
      return {
        onExecuteDone({ result }) {
          if (!span || Symbol.asyncIterator in result) return;
          const r = result as ExecutionResult;
          const cache = r.extensions?.responseCache as { hit?: boolean; coalesced?: boolean } | undefined;
          if (cache) span.setAttribute('graphql.cache', cache.hit ? 'hit' : cache.coalesced ? 'coalesced' : 'miss');
          if (stats) span.setAttributes({ 'chommie.sql.statements': stats.statements, 'chommie.sql.ms': Math.round(stats.ms * 100) / 100 });
          if (r.errors?.length) {
            span.setAttribute('graphql.error.codes', [...new Set(r.errors.map((e) => (e.extensions?.code as string | undefined) ?? 'INTERNAL_SERVER_ERROR'))]);
            span.setStatus({ code: SpanStatusCode.ERROR, message: r.errors[0].message.slice(0, 500) });
          }
        },
      };
    },
  };
}

/** `query JobPage`, as the semantic conventions name an operation's span. */
function name(span: Span, params: GraphQLParams, documentId?: string): void {
  const { name: operation, type } = describeOperation(params);
  span.updateName(operation ? `${type} ${operation}` : type);
  span.setAttributes({
    'graphql.operation.type': type,
    ...(operation ? { 'graphql.operation.name': operation } : {}),
    ...(documentId ? { 'graphql.document.id': String(documentId).slice(0, 128) } : {}),
  });
}
