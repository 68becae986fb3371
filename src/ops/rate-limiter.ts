import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config';
import type { RedisConnection } from '../redis';

export type RateLimitConfig = Pick<Config, 'RATE_LIMIT_POINTS' | 'RATE_LIMIT_WINDOW_S' | 'TRUST_PROXY_HOPS' | 'CACHE_PREFIX' | 'CACHE_TIMEOUT_MS'> &
  Partial<Pick<Config, 'EXPORT_ROWS_PER_WINDOW'>>;

/**
 * Which budget a charge draws on: `query`, the query cost of API requests; `export`, the rows of
 * CSV export pages. A page of 100 jobs costs 1,502 query points, so at the API's price the
 * documented maximum export (100,000 rows) took 25 windows of a client's whole budget: priced
 * by the row from a budget of its own (EXPORT_ROWS_PER_WINDOW), it takes
 * ⌈rows / EXPORT_ROWS_PER_WINDOW⌉ windows, and leaves the client's query budget alone.
 */
export type BudgetName = 'query' | 'export';

/** Windows an export of `rows` needs at most (its pages' own time aside): the pricing's bound. */
export const exportWindows = (rows: number, config: Pick<Config, 'EXPORT_ROWS_PER_WINDOW'>) => Math.ceil(rows / config.EXPORT_ROWS_PER_WINDOW);

/** What is left of a client's budget after a charge: points, and seconds until the window ends. */
export interface Budget {
  remaining: number;
  resetS: number;
}

/** `budget` is null when it is unknown: nothing was charged, or the store failed. */
export type Verdict = ({ allowed: true } | { allowed: false; retryAfterS: number }) & { budget: Budget | null };

/** The name of the one policy in the RateLimit fields; its unit is query-cost points. */
export const RATE_LIMIT_POLICY = 'query-cost';

/**
 * A fixed window of RATE_LIMIT_POINTS query-cost points per client per RATE_LIMIT_WINDOW_S.
 * In Redis when one is given (every instance draws on the same budget), else in this process.
 * If Redis fails, the request is let through and counted in `storeErrors`: a limiter
 * outage must not become a gateway outage.
 */
export class RateLimiter {
  readonly kind: 'memory' | 'redis';
  private readonly limiters: Record<BudgetName, RateLimiterAbstract>;
  readonly counts = { limited: 0, storeErrors: 0 };
  private failing = false;

  constructor(
    private readonly config: RateLimitConfig,
    private readonly redis: RedisConnection | null,
    private readonly log: (msg: string, err?: unknown) => void,
  ) {
    this.kind = redis ? 'redis' : 'memory';
    const make = (points: number, keyPrefix: string) => {
      const options = { points, duration: config.RATE_LIMIT_WINDOW_S, keyPrefix };
      return redis ? new RateLimiterRedis({ ...options, storeClient: redis.client, useRedisPackage: true }) : new RateLimiterMemory(options);
    };
    this.limiters = {
      query: make(config.RATE_LIMIT_POINTS, `${config.CACHE_PREFIX}:rl`),
      export: make(config.EXPORT_ROWS_PER_WINDOW ?? 50_000, `${config.CACHE_PREFIX}:rlx`),
    };
  }

  /** Spends `points` of `client`'s budget (its query budget unless told otherwise). */
  async take(client: string, points: number, budget: BudgetName = 'query'): Promise<Verdict> {
    if (points <= 0) return { allowed: true, budget: null };
    let timer: NodeJS.Timeout | undefined;
    try {
      const consumed = this.limiters[budget].consume(client, points);
      // Bounded like the cache's calls: a Redis that hangs (connected, silent) must not hold
      // requests, and the execution slots they occupy, until TCP gives up. (In memory it cannot hang.)
      const late =
        this.redis &&
        new Promise<never>(
          (_, reject) =>
            (timer = setTimeout(
              () => reject(new Error(`rate limiter store did not answer within ${this.config.CACHE_TIMEOUT_MS} ms`)),
              this.config.CACHE_TIMEOUT_MS,
            )),
        );
      const res = await (late ? Promise.race([consumed, late]) : consumed);
      this.failing = false;
      return { allowed: true, budget: { remaining: res.remainingPoints, resetS: Math.max(0, Math.ceil(res.msBeforeNext / 1000)) } };
    } catch (err) {
      if (err instanceof RateLimiterRes) {
        this.counts.limited += 1;
        const retryAfterS = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
        // The same instant as Retry-After: the draft wants Retry-After no earlier than the window's end.
        return { allowed: false, retryAfterS, budget: { remaining: 0, resetS: retryAfterS } };
      }
      // Said once per outage, counted every time.
      if (!this.failing) this.log('rate limiter: store failed, letting requests through until it recovers', err);
      this.failing = true;
      this.counts.storeErrors += 1;
      return { allowed: true, budget: null };
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The IETF RateLimit fields (draft-ietf-httpapi-ratelimit-headers-11) for a response whose
   * request left `budget`: `RateLimit-Policy: "query-cost";q=<points>;w=<window s>` always, and
   * `RateLimit: "query-cost";r=<remaining>;t=<s until the window ends>` when the budget is known.
   * The unit is query-cost points, not requests: the draft's `qu` registry has no such unit, so
   * the policy's name says it and `qu` is left out. With the store failing the request was let
   * through uncounted; `RateLimit` is then left out rather than claim a budget nobody counted.
   */
  headers(budget: Budget | null): Record<string, string> {
    return {
      'ratelimit-policy': `"${RATE_LIMIT_POLICY}";q=${this.config.RATE_LIMIT_POINTS};w=${this.config.RATE_LIMIT_WINDOW_S}`,
      ...(budget ? { ratelimit: `"${RATE_LIMIT_POLICY}";r=${budget.remaining};t=${budget.resetS}` } : {}),
    };
  }

  /**
   * Who is asking: the viewer when signed in, else the address. Behind TRUST_PROXY_HOPS
   * proxies the address is the one the outermost trusted proxy saw, read from the right of
   * X-Forwarded-For (entries further left are whatever the client chose to send).
   */
  clientOf(forwardedFor: string | null | undefined, req: IncomingMessage | undefined, userId: number | null): string {
    if (userId !== null) return `u:${userId}`;
    const hops = this.config.TRUST_PROXY_HOPS;
    if (hops > 0) {
      const chain = (forwardedFor ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (chain.length) return `ip:${chain[Math.max(0, chain.length - hops)]}`;
    }
    return `ip:${req?.socket?.remoteAddress ?? 'unknown'}`;
  }

  /** Resolves once the store accepts commands (until then, requests are let through). */
  ready(): Promise<void> {
    return this.redis?.ready() ?? Promise.resolve();
  }

  close(): Promise<void> {
    return this.redis?.close() ?? Promise.resolve();
  }
}
