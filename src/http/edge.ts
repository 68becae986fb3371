import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { viewerFromHeader, type Viewer } from '../auth/viewer';
import type { Logger } from '../log';
import type { Budget, RateLimiter, Verdict } from '../ops/rate-limiter';
import type { Cors } from './cors';
import type { SqlStats } from '../db/sql-stats';
import { endRequestSpan, startRequestSpan, type RequestTrace } from '../tracing';
import { outcomeOf, type RequestOutcome } from '../ops/metrics';

/**
 * The request edge: what every request to the gateway gets once, whichever path answers it
 * (a refusal written before Yoga, a cache hit on the fast path, Yoga, a CSV export and the
 * pages it runs through Yoga). Each path asks the edge for the request's arrival instead of
 * working it out again, so the rules below hold by construction, not because four paths
 * were kept in step:
 * - the caller is identified once: a viewer, nobody, or the refusal of a bad token;
 * - the arrival is charged once, to one client key (the viewer, else the address), before
 *   anything can refuse the request, so refusals and cache hits count too;
 * - the answer carries the request id and what is left of the budget (CORS where the answer is
 *   written outside Yoga, whose `cors` option applies the same policy);
 * - one log line is written, in one format.
 */
export interface Arrival {
  /** The caller's X-Request-Id when it looks like one, else a new one; echoed in the answer. */
  readonly id: string;
  readonly at: number;
  readonly caller: { viewer: Viewer | null } | { refused: unknown };
  /** The rate limiter's key for the caller (see RateLimiter.clientOf). */
  readonly client: string;
  /** The arrival charge; null without a rate limiter. Never rejects. */
  readonly charge: Promise<Verdict> | null;
  /** A CSV export's page: priced by its rows from the export budget, and nothing more. */
  readonly exportPage: boolean;
  /**
   * A GraphQL request of its own, at /graphql: counted by outcome. Not /health or a stray path,
   * nor a CSV download or a query run on behalf of one (part of that download).
   */
  readonly counted: boolean;
  /** The budget after a later charge (the execution's cost), when one was made. */
  charged?: Budget | null;
  /** What the log line says of a GraphQL request; unset for other paths (GraphiQL's page, /health). */
  operation?: { name?: string; type: string };
  query?: string;
  sql?: SqlStats;
  cache?: 'hit' | 'miss' | 'coalesced';
  errors?: string[];
  /** Its server span, while traces are exported (tracing.ts); an export's pages share their download's. */
  readonly trace?: RequestTrace;
  /** Set by the first `finish`: later ones (the connection closing after the answer) change nothing. */
  finished?: boolean;
}

/** A caller's X-Request-Id is kept when it looks like one. */
export const REQUEST_ID = /^[\w.:-]{1,128}$/;

export interface EdgeOptions {
  jwtSecret: string;
  limiter: RateLimiter | null;
  cors: Cors;
  log?: Logger;
  slowMs: number;
  /** Each request once answered (or left): the metrics' count by outcome. */
  onDone?: (operation: string | undefined, outcome: RequestOutcome) => void;
}

/** Where a request's headers come from: Node's message (before Yoga) or the Fetch request (in Yoga). */
type Headed = { headers: IncomingMessage['headers']; method?: string } | { headers: Headers; method?: string };

const header = (from: Headed, name: string): string | null => {
  // Not `instanceof Headers`: Yoga's requests carry whatwg-node's own Headers class.
  if (typeof from.headers.get === 'function') return (from.headers as Headers).get(name);
  const value = (from.headers as IncomingMessage['headers'])[name];
  return Array.isArray(value) ? value.join(',') : (value ?? null);
};

/**
 * What an arrival is charged: the arrival point (a GraphQL request), nothing (other paths), or,
 * for a query a CSV export runs through Yoga, as its download's caller: a list page its rows
 * from the export budget, anything else its arrival point.
 */
export type Price = 'arrival' | ExportRun | null;
export type ExportRun = { outer: Arrival; rows?: number };

export type Edge = ReturnType<typeof createEdge>;

export function createEdge({ jwtSecret, limiter, cors, log, slowMs, onDone }: EdgeOptions) {
  const arrivals = new WeakMap<object, Arrival>();

  const make = (from: Headed, socket: IncomingMessage | undefined, price: Price, path = '/graphql'): Arrival => {
    const exportOf = price && typeof price === 'object' ? price : undefined;
    const outer = exportOf?.outer;
    let caller: Arrival['caller'];
    if (outer) caller = outer.caller;
    else
      try {
        caller = { viewer: viewerFromHeader(header(from, 'authorization'), jwtSecret) };
      } catch (refused) {
        caller = { refused };
      }
    const given = header(from, 'x-request-id');
    // A bad token is refused later with 401; meanwhile it is charged to its address.
    const userId = 'viewer' in caller ? (caller.viewer?.userId ?? null) : null;
    const client = outer?.client ?? limiter?.clientOf(header(from, 'x-forwarded-for'), socket, userId) ?? '';
    return {
      id: outer?.id ?? (given && REQUEST_ID.test(given) ? given : randomUUID()),
      at: performance.now(),
      caller,
      client,
      charge: !limiter || !price ? null : exportOf?.rows !== undefined ? limiter.take(client, exportOf.rows, 'export') : limiter.take(client, 1),
      exportPage: exportOf?.rows !== undefined,
      counted: price === 'arrival',
      // GraphQL requests and CSV downloads (whose pages run inside their span): /health and
      // /ready would bury them.
      trace: outer || (!price && !path.startsWith('/export/')) ? undefined : startRequestSpan(from.headers, from.method ?? 'POST', path),
    };
  };

  const edge = {
    /**
     * A request's arrival, made on first sight of Node's message: a GraphQL request's, charged;
     * a CSV download's (`price` null), so that its pages run inside its span.
     */
    arrive(req: IncomingMessage, price: 'arrival' | null = 'arrival', path = '/graphql'): Arrival {
      let arrival = arrivals.get(req);
      if (!arrival) arrivals.set(req, (arrival = make(req, req, price, path)));
      return arrival;
    },

    /**
     * In Yoga: the arrival the Node path made for its message, else (a request made with
     * `fetch`, an export's page run on behalf of its download, a path other than /graphql,
     * which is not charged) a new one.
     */
    arriveInYoga(request: Request, req: IncomingMessage | undefined, price: Price): Arrival {
      let arrival = arrivals.get(request) ?? (req && arrivals.get(req));
      if (!arrival) arrival = make(request, req, price, new URL(request.url).pathname);
      arrivals.set(request, arrival);
      return arrival;
    },

    of(request: Request | IncomingMessage): Arrival | undefined {
      return arrivals.get(request);
    },

    /** Who is asking; throws the refusal of a bad token (a 401 GraphQL error). */
    viewer(arrival: Arrival): Viewer | null {
      if ('refused' in arrival.caller) throw arrival.caller.refused;
      return arrival.caller.viewer;
    },

    /** The same, for a request Yoga holds (identified on first use if no path has yet). */
    viewerOf(request: Request): Viewer | null {
      return edge.viewer(arrivals.get(request) ?? edge.arriveInYoga(request, undefined, null));
    },

    /** The request id and what is left of the budget after the request's last charge. */
    async headers(arrival: Arrival): Promise<Record<string, string>> {
      return edge.settledHeaders(arrival, arrival.charge && (await arrival.charge));
    },

    /** The same, given the arrival charge's verdict (already awaited): no promise on a cache hit's path. */
    settledHeaders(arrival: Arrival, verdict: Verdict | null): Record<string, string> {
      // The trace id, so that a client's bug report leads to its trace.
      const ids: Record<string, string> = arrival.trace ? { 'x-request-id': arrival.id, 'x-trace-id': arrival.trace.traceId } : { 'x-request-id': arrival.id };
      if (!limiter || !verdict) return ids;
      // The later charge's count, when there was one (null if its store failed: then unknown).
      return { ...ids, ...limiter.headers(arrival.charged !== undefined ? arrival.charged : verdict.budget) };
    },

    /** Every answer varies by Origin (Yoga's `cors` option adds it only to some). */
    vary: (headers: Headers) => cors.vary(headers),

    /** `headers`, and the CORS headers Yoga would add, for an answer written outside Yoga. */
    answerHeaders(arrival: Arrival, req: IncomingMessage, verdict: Verdict | null): Record<string, string> {
      return { ...cors.headers(req.headers.origin), ...edge.settledHeaders(arrival, verdict) };
    },

    /**
     * The request's one log line, once it is answered: request id, operation, HTTP status,
     * duration, SQL statements and time, cache status, error codes. Requests slower than
     * SLOW_REQUEST_MS are logged at warn with their document (never their variables: they carry
     * user data) and their slowest SQL statement. Requests that were not GraphQL requests
     * (GraphiQL's page, /health) get no line. Every request, refusals included, is counted by
     * outcome and ends its span. Only the first call counts: the connection's close calls it
     * again for whatever path answered without it.
     */
    finish(arrival: Arrival, status: number, gone = false): void {
      if (arrival.finished) return;
      arrival.finished = true;
      const outcome = outcomeOf(status, arrival.errors);
      // A client that left got nothing, neither an answer nor a refusal: the shed counter has it.
      if (!gone && arrival.counted) onDone?.(arrival.operation?.name, outcome);
      if (arrival.trace)
        endRequestSpan(arrival.trace, gone ? 499 : status, {
          'chommie.request_id': arrival.id,
          'chommie.outcome': gone ? 'client_gone' : outcome,
          ...(arrival.operation ? { 'graphql.operation.name': arrival.operation.name ?? 'anonymous', 'graphql.operation.type': arrival.operation.type } : {}),
          ...(arrival.cache ? { 'chommie.cache': arrival.cache } : {}),
          ...(arrival.errors ? { 'chommie.error_codes': arrival.errors } : {}),
        });
      if (!log || !arrival.operation) return;
      const ms = Math.round((performance.now() - arrival.at) * 100) / 100;
      const { sql } = arrival;
      // Its client left and its execution was cancelled: nothing was sent, whatever Yoga made of
      // the abort (nginx's 499, "client closed request").
      const line = {
        reqId: arrival.id,
        traceId: arrival.trace?.traceId,
        operation: arrival.operation.name ?? 'anonymous',
        type: arrival.operation.type,
        status: gone ? 499 : status,
        ms,
        sql: sql ? { statements: sql.statements, ms: Math.round(sql.ms * 100) / 100 } : undefined,
        cache: arrival.cache ?? 'none',
        errors: gone ? ['CLIENT_CLOSED_REQUEST'] : arrival.errors,
      };
      if (ms < slowMs) return log.info(line, 'graphql request');
      const slowest = sql?.slowest && { ms: Math.round(sql.slowest.ms * 100) / 100, sql: sql.slowest.sql().slice(0, 2000) };
      log.warn({ ...line, slow: true, query: arrival.query?.slice(0, 2000), slowestSql: slowest }, 'slow graphql request');
    },
  };
  return edge;
}
