import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { RequestContext as Context } from '../context';
import type { Edge } from '../edge';
import type { RateLimiter, Verdict } from '../../ops/rate-limiter';
import { executionCost } from './query-limits';

const rateLimited = (verdict: Extract<Verdict, { allowed: false }>) =>
  new GraphQLError(`rate limit exceeded: retry after ${verdict.retryAfterS} s`, {
    extensions: { code: 'RATE_LIMITED', retryAfter: verdict.retryAfterS, http: { status: 429, headers: { 'retry-after': String(verdict.retryAfterS) } } },
  });

/**
 * The rate limit's refusal and its second charge. The edge charged 1 point on arrival, before
 * anything could refuse the request (so refused requests and cache hits count too); here an
 * arrival over budget is refused (HTTP 429, Retry-After, RATE_LIMITED), and an execution is
 * charged the rest of its cost (the same cost the complexity limit uses, `first` multiplying).
 * A request refused before it executes costs only its arrival point, and says why with its own
 * code. Every answer says what is left after its last charge (the edge's headers).
 */
export function useRateLimit(limiter: RateLimiter, edge: Edge): Plugin<Context> {
  return {
    async onParams({ request }) {
      const verdict = await edge.of(request)?.charge;
      if (verdict && !verdict.allowed) throw rateLimited(verdict);
    },
    async onExecute({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue as Context & { request: Request };
      const arrival = edge.of(ctx.request);
      if (!arrival?.charge || arrival.exportPage) return;
      const cost = executionCost(args, ctx);
      if (!cost) return;
      const verdict = await limiter.take(arrival.client, cost - 1);
      if (cost > 1) arrival.charged = verdict.budget;
      if (!verdict.allowed) setResultAndStopExecution({ errors: [rateLimited(verdict)] });
    },
  };
}
