import type { GraphQLParams } from 'graphql-yoga';

/** A GraphQL name, of a length a log line, a metric label and a span name can carry. */
const NAME = /^[A-Za-z_]\w{0,127}$/;

/**
 * The operation a request names, read from its parameters without parsing the document (it
 * runs for cache hits too, which are never parsed): `operationName`, else the first
 * operation's declared name. An `operationName` that is no GraphQL name (a client's megabyte of
 * garbage: it could name no operation anyway) is `(invalid)`, so that it reaches no log line,
 * metric label or span whole.
 */
export function describeOperation(params: GraphQLParams): { name: string | undefined; type: 'query' | 'mutation' | 'subscription' } {
  const declared = /^\s*(query|mutation|subscription)\b\s*([A-Za-z_]\w{0,63})?/.exec(params.query ?? '');
  const type = declared?.[1] === 'mutation' || declared?.[1] === 'subscription' ? declared[1] : 'query';
  const given = params.operationName;
  return { name: given == null || given === '' ? declared?.[2] : typeof given === 'string' && NAME.test(given) ? given : '(invalid)', type };
}
