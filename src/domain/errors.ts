/**
 * What the platform refuses, in its own terms. data/ and domain/ throw these, never GraphQL
 * errors: what a refusal looks like to a client (`errors[].extensions.code`, its HTTP status)
 * is decided in one place, the gateway's error plugin (http/plugins/error-codes.ts, through
 * `asGraphQLError` in errors.ts). `code` is the client-facing code each class stands for;
 * `details` go into the error's extensions beside it (`argument`, `constraint`).
 */

/** Error codes clients can branch on (`errors[].extensions.code`). */
export type ErrorCode = 'BAD_USER_INPUT' | 'NOT_FOUND' | 'FORBIDDEN' | 'UNAUTHENTICATED' | 'CONFLICT';

export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;

  constructor(
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** An argument the client sent is not acceptable (BAD_USER_INPUT); `argument` names it, as the client wrote it. */
export class InvalidInput extends DomainError {
  readonly code = 'BAD_USER_INPUT';

  constructor(message: string, argument?: string, details: Record<string, unknown> = {}) {
    super(message, argument ? { argument, ...details } : details);
  }
}

/** What the request names does not exist (NOT_FOUND). */
export class NotFound extends DomainError {
  readonly code = 'NOT_FOUND';
}

/** The request contradicts the data as it is now (CONFLICT): it changed meanwhile, or the rule forbids it. */
export class Conflict extends DomainError {
  readonly code = 'CONFLICT';
}
