import type { IncomingMessage } from 'node:http';
import { complexityFromQuery } from '@pothos/plugin-complexity';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Viewer } from '../auth/viewer';
import type { Context } from '../context';
import type { RateLimiter, Verdict } from '../ops/rate-limit';

const rateLimited = (verdict: Extract<Verdict, { allowed: false }>) =>
  new GraphQLError(`rate limit exceeded: retry after ${verdict.retryAfterS} s`, {
    extensions: { code: 'RATE_LIMITED', retryAfter: verdict.retryAfterS, http: { status: 429, headers: { 'retry-after': String(verdict.retryAfterS) } } },
  });

/**
 * Charges each request to its client: 1 point on arrival (so cache hits and refused requests
 * count too), and the rest of the query's cost (the same cost the complexity limit uses,
 * `first` multiplying) when it executes. Over budget: HTTP 429, Retry-After, RATE_LIMITED.
 */
export function useRateLimit(limiter: RateLimiter, viewerOf: (request: Request) => Viewer | null): Plugin<Context> {
  const clients = new WeakMap<Request, string>();
  return {
    async onParams({ request, context }) {
      let userId: number | null = null;
      try {
        userId = viewerOf(request)?.userId ?? null;
      } catch {
        // A bad token is refused later with 401; meanwhile it is charged to its address.
      }
      const client = limiter.clientOf(request.headers.get('x-forwarded-for'), (context as { req?: IncomingMessage }).req, userId);
      clients.set(request, client);
      const verdict = await limiter.take(client, 1);
      if (!verdict.allowed) throw rateLimited(verdict);
    },
    async onExecute({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue as Context & { request: Request };
      const client = clients.get(ctx.request);
      if (!client) return;
      const { complexity } = complexityFromQuery(args.document, { schema: args.schema, ctx, variables: args.variableValues ?? {} });
      const verdict = await limiter.take(client, complexity - 1);
      if (!verdict.allowed) setResultAndStopExecution({ errors: [rateLimited(verdict)] });
    },
  };
}
