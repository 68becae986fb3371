import { GraphQLError } from 'graphql';
import type { DomainError, ErrorCode } from './domain/errors';

export type { ErrorCode } from './domain/errors';
// Where resolvers have always taken them from; they throw domain errors (mapped by asGraphQLError).
export { checkRange, INT4_MAX, isId, parseId, toId } from './domain/arguments';

/** A refusal as clients read it: the message and `extensions.code` (with `extra` beside it). */
export function userError(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra } });
}

/**
 * A domain error (domain/errors.ts) as clients read it: the GraphQL error a resolver used to
 * throw for it, so the code, message and HTTP status stay what they were. Only the gateway's
 * error plugin calls it (http/plugins/error-codes.ts), for every error an execution ends with.
 */
export const asGraphQLError = (err: DomainError): GraphQLError => userError(err.code, err.message, { ...err.details });

/**
 * A row a foreign key guarantees (a job's company, an application's job). Missing, the data is
 * broken: fail loudly (masked as an internal error) rather than null a non-null field.
 */
export async function required<T>(row: Promise<T | null>, what: string): Promise<T> {
  const value = await row;
  if (value == null) throw new GraphQLError(`${what} is missing`);
  return value;
}

export const badInput = (message: string, argument?: string) => userError('BAD_USER_INPUT', message, argument ? { argument } : {});
