import type { GraphQLParams } from 'graphql-yoga';

/**
 * The operation a request names, read from its parameters without parsing the document (it
 * runs for cache hits too, which are never parsed): `operationName`, else the first
 * operation's declared name.
 */
export function describeOperation(params: GraphQLParams): { name: string | undefined; type: 'query' | 'mutation' | 'subscription' } {
  const declared = /^\s*(query|mutation|subscription)\b\s*([A-Za-z_]\w{0,63})?/.exec(params.query ?? '');
  const type = declared?.[1] === 'mutation' || declared?.[1] === 'subscription' ? declared[1] : 'query';
  return { name: params.operationName ?? declared?.[2], type };
}
