import { signToken, type Role } from '../../src/auth/viewer';
import type { Database } from '../../src/db/database';
import { loadConfig } from '../../src/config';
import { createGateway, type Gateway, type GatewayConfig } from '../../src/http/gateway';
import type { Logger } from '../../src/log';
import type { RateLimiter } from '../../src/ops/rate-limiter';
import type { ResponseCache } from '../../src/cache/response-cache';
import { invalidationOf } from '../../src/cache/tags';
import { Writes } from '../../src/data/writes';
import { writeEvents, type EventBus } from '../../src/events/bus';
import { SimilarJobsRefresher } from '../../src/similar/refresher';
import { openTestDatabase, type TestDatabase } from './db';

export interface GqlResponse<T = any> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string; [k: string]: unknown } }[];
  extensions?: { sql?: { statements: number; ms: number }; [k: string]: unknown };
  /** The HTTP status and headers, added by the helper. */
  status: number;
  headers: Headers;
}

export const TEST_JWT_SECRET = 'test-secret-of-at-least-thirty-two-characters';

export function tokenFor(userId: number, role: Role, companyId?: number): string {
  return signToken({ userId, role, companyId: companyId ?? null }, TEST_JWT_SECRET);
}

export interface GqlOptions {
  /** A signed token, or a whole Authorization header with `authorization`. */
  token?: string;
  authorization?: string;
  headers?: Record<string, string>;
  /** Sent instead of `{ query, variables }` (documentId, APQ extensions). */
  body?: Record<string, unknown>;
}

/**
 * A gateway on `db`. The response cache is off unless a test asks for one: most tests write
 * to the database directly, behind the cache's back.
 */
export function testGateway(
  db: Database,
  options: {
    SQL_STATS?: boolean;
    responseCache?: ResponseCache;
    rateLimiter?: RateLimiter;
    log?: Logger;
    batching?: boolean;
    config?: Partial<GatewayConfig>;
    /** Subscriptions are served, and writes published, only with an event bus. */
    events?: EventBus;
  } = {},
) {
  // Not started: tests drain it when they want background refreshes to have happened.
  const similar = new SimilarJobsRefresher(db.prisma, { intervalMs: 60_000 });
  const gateway: Gateway = createGateway(
    {
      db,
      similar,
      responseCache: options.responseCache ?? null,
      writes: new Writes(options.responseCache ? invalidationOf(options.responseCache) : null, null, options.events ? writeEvents(options.events) : null),
      events: options.events,
      rateLimiter: options.rateLimiter,
      log: options.log,
      batching: options.batching,
    },
    { ...loadConfig({}), SQL_STATS: options.SQL_STATS ?? true, NODE_ENV: 'test', JWT_SECRET: TEST_JWT_SECRET, ...options.config },
  );
  const gql = async <T = any>(query: string, variables?: Record<string, unknown>, options: GqlOptions = {}): Promise<GqlResponse<T>> => {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
    const authorization = options.authorization ?? (options.token ? `Bearer ${options.token}` : undefined);
    if (authorization) headers.authorization = authorization;
    const res = await gateway.fetch('http://gateway.test/graphql', { method: 'POST', headers, body: JSON.stringify(options.body ?? { query, variables }) });
    return { ...((await res.json()) as object), status: res.status, headers: res.headers };
  };
  return { gateway, gql, similar };
}

/** For a test file: its own database clone and a gateway on it, both torn down afterwards. */
export function useGatewaySuite() {
  const suite = {} as { db: TestDatabase } & ReturnType<typeof testGateway>;
  beforeAll(async () => {
    suite.db = await openTestDatabase();
    Object.assign(suite, testGateway(suite.db));
  });
  afterAll(() => suite.db.destroy());
  return suite;
}
