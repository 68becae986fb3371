import type { IncomingMessage } from 'node:http';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Viewer } from '../../auth/viewer';
import type { RequestContext as Context } from '../context';
import type { Budget, RateLimiter, Verdict } from '../../ops/rate-limiter';
import { executionCost } from './query-limits';

/** On the server context of a CSV export's page: the rows it may return, its price. */
export const EXPORT_PAGE = Symbol('export page rows');

const rateLimited = (verdict: Extract<Verdict, { allowed: false }>) =>
  new GraphQLError(`rate limit exceeded: retry after ${verdict.retryAfterS} s`, {
    extensions: { code: 'RATE_LIMITED', retryAfter: verdict.retryAfterS, http: { status: 429, headers: { 'retry-after': String(verdict.retryAfterS) } } },
  });

/**
 * Charges each request to its client: 1 point on arrival, before anything can refuse it
 * (trusted documents, parsing, validation, the limits), so refused requests and cache hits
 * count too, and the rest of the query's cost (the same cost the complexity limit uses,
 * `first` multiplying) when it executes. A request refused before it executes costs only its
 * arrival point, and says why with its own code. Over budget: HTTP 429, Retry-After, RATE_LIMITED.
 * Every response to a charged request says what is left after its last charge (RateLimit and
 * RateLimit-Policy, see RateLimiter.headers), whatever its status.
 */
export function useRateLimit(limiter: RateLimiter, viewerOf: (request: Request) => Viewer | null, endpoint = '/graphql'): Plugin<Context> {
  const arrivals = new WeakMap<Request, { client: string; verdict: Promise<Verdict>; charged?: Budget | null; exportPage?: boolean }>();
  return {
    onRequest({ request, url, serverContext }) {
      if (url.pathname !== endpoint) return;
      // A CSV export's page (run by the gateway itself, see gateway.ts): priced by the rows it
      // asks for, from the client's export budget, and nothing more (see BudgetName).
      const exportRows = (serverContext as { [EXPORT_PAGE]?: number })[EXPORT_PAGE];
      let userId: number | null = null;
      try {
        userId = viewerOf(request)?.userId ?? null;
      } catch {
        // A bad token is refused later with 401; meanwhile it is charged to its address.
      }
      const client = limiter.clientOf(request.headers.get('x-forwarded-for'), (serverContext as { req?: IncomingMessage }).req, userId);
      // Never rejects (a store failure lets the request through): safe to leave unawaited.
      if (exportRows !== undefined) arrivals.set(request, { client, verdict: limiter.take(client, exportRows, 'export'), exportPage: true });
      else arrivals.set(request, { client, verdict: limiter.take(client, 1) });
    },
    async onParams({ request }) {
      const verdict = await arrivals.get(request)?.verdict;
      if (verdict && !verdict.allowed) throw rateLimited(verdict);
    },
    async onExecute({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue as Context & { request: Request };
      const arrival = arrivals.get(ctx.request);
      if (arrival?.exportPage) return;
      const client = arrival?.client;
      const cost = client && executionCost(args, ctx);
      if (!client || !cost) return;
      const verdict = await limiter.take(client, cost - 1);
      if (cost > 1) arrivals.get(ctx.request)!.charged = verdict.budget;
      if (!verdict.allowed) setResultAndStopExecution({ errors: [rateLimited(verdict)] });
    },
    async onResponse({ request, response }) {
      const arrival = arrivals.get(request);
      if (!arrival) return;
      // The later charge's count, when there was one (null if its store failed: then unknown).
      const budget = arrival.charged !== undefined ? arrival.charged : (await arrival.verdict).budget;
      for (const [name, value] of Object.entries(limiter.headers(budget))) response.headers.set(name, value);
    },
  };
}
