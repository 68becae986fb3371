import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { CacheStore } from '../../../src/cache/store';
import type { PrismaClient } from '../../../src/generated/prisma/client';
import { createMetrics, DB_UP_TIMEOUT_MS, outcomeOf, type BackgroundRefresh } from '../../../src/ops/metrics';
import { Periodic } from '../../../src/ops/periodic';
import type { Services } from '../../../src/services';
import { TrendingRefresher } from '../../../src/trending/refresher';

// The metrics added for the dashboard (deploy/grafana/) and the alert rules: requests by
// outcome, background refresh age, Redis state, the primary database's. Read from the registry
// as a scrape would.

type Sample = { labels: Record<string, string | number | undefined>; value: number };

async function samples(registry: Pick<Registry, 'getMetricsAsJSON'>, name: string): Promise<Sample[] | undefined> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return metric?.values.map(({ labels, value }) => ({ labels: { ...labels }, value }));
}

const idle: BackgroundRefresh = { started: false, lastSuccessAt: undefined };

/** Just what createMetrics reads of a process's services. */
function services(
  parts: {
    similar?: BackgroundRefresh;
    store?: Partial<CacheStore>;
    refreshes?: Record<string, BackgroundRefresh>;
    query?: (sql: string) => Promise<unknown[]>;
  } = {},
) {
  const stats = { hits: 0, misses: 0, stores: 0, coalesced: 0, invalidations: 0, errors: 0, evictions: 0, hitRate: 0, degraded: false };
  const responseCache = parts.store ? { store: parts.store, stats: () => stats } : null;
  return {
    db: { driver: {}, raw: { query: parts.query ?? (async () => [{ '?column?': 1 }]) } },
    similar: parts.similar ?? idle,
    responseCache,
    refreshes: parts.refreshes,
  } as unknown as Services;
}

describe('outcomeOf', () => {
  it.each([
    [200, undefined, 'answered'],
    [200, [], 'answered'],
    [304, undefined, 'answered'],
    [200, ['BAD_USER_INPUT'], 'invalid'],
    [200, ['PERSISTED_QUERY_NOT_FOUND'], 'invalid'],
    [200, ['FORBIDDEN', 'NOT_FOUND'], 'invalid'],
    [400, ['GRAPHQL_VALIDATION_FAILED'], 'invalid'],
    [401, ['UNAUTHENTICATED'], 'invalid'],
    [413, ['PAYLOAD_TOO_LARGE'], 'invalid'],
    [404, undefined, 'invalid'],
    [200, ['INTERNAL_SERVER_ERROR'], 'failed'],
    [200, ['FORBIDDEN', 'INTERNAL_SERVER_ERROR'], 'failed'],
    [200, ['SOMETHING_NEW'], 'failed'],
    [500, ['INTERNAL_SERVER_ERROR'], 'failed'],
    [500, undefined, 'failed'],
    [501, ['SUBSCRIPTIONS_NOT_SERVED'], 'invalid'],
    [501, ['SUBSCRIPTIONS_NOT_SERVED', 'INTERNAL_SERVER_ERROR'], 'failed'],
    [501, undefined, 'failed'],
    [500, ['BAD_USER_INPUT'], 'failed'],
    [429, ['RATE_LIMITED'], 'refused'],
    [429, ['TOO_MANY_SUBSCRIPTIONS'], 'refused'],
    [503, ['SERVICE_UNAVAILABLE'], 'refused'],
    [503, undefined, 'refused'],
    [503, ['SERVICE_UNAVAILABLE', 'INTERNAL_SERVER_ERROR'], 'failed'],
  ] as const)('status %i with codes %j is %s', (status, codes, outcome) => {
    expect(outcomeOf(status, codes as string[] | undefined)).toBe(outcome);
  });

  it('classes every documented error code: a client fixes it (invalid), a retry may succeed (refused), or it is ours (failed)', () => {
    const documented = [...readFileSync(join(__dirname, '../../../docs/API.md'), 'utf8').matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.length).toBeGreaterThan(20);
    // Ours, or not a request's outcome (a stream's last event, a client that left: log only).
    // SUBSCRIPTIONS_NOT_SERVED is not ours: a gateway configured with SUBSCRIPTIONS_MAX=0 refuses
    // them by design, and a client that asks it anyway is the client's mistake (below, at its 501).
    const notTheClients = new Set(['INTERNAL_SERVER_ERROR', 'SUBSCRIPTION_TOO_SLOW', 'CLIENT_CLOSED_REQUEST']);
    const refusals = new Set(['RATE_LIMITED', 'TOO_MANY_SUBSCRIPTIONS', 'SERVICE_UNAVAILABLE']);
    const statusOf = (code: string) => (refusals.has(code) ? 503 : code === 'SUBSCRIPTIONS_NOT_SERVED' ? 501 : 200);
    expect(documented).toContain('SUBSCRIPTIONS_NOT_SERVED');
    for (const code of documented) {
      const expected = refusals.has(code) ? 'refused' : notTheClients.has(code) ? 'failed' : 'invalid';
      expect([code, outcomeOf(statusOf(code), [code])]).toEqual([code, expected]);
    }
  });
});

describe('graphql_requests_total', () => {
  it('counts each request once by operation and outcome, with unnamed operations as anonymous', async () => {
    const metrics = createMetrics(services());
    metrics.onRequestDone('JobsPage', 'answered');
    metrics.onRequestDone('JobsPage', 'answered');
    metrics.onRequestDone('JobsPage', 'refused');
    metrics.onRequestDone(undefined, 'failed');
    expect(await samples(metrics.registry, 'graphql_requests_total')).toEqual(
      expect.arrayContaining([
        { labels: { operation: 'JobsPage', outcome: 'answered' }, value: 2 },
        { labels: { operation: 'JobsPage', outcome: 'refused' }, value: 1 },
        { labels: { operation: 'anonymous', outcome: 'failed' }, value: 1 },
      ]),
    );
    expect(await samples(metrics.registry, 'graphql_requests_total')).toHaveLength(3);
  });

  it('bounds the operation label as the duration histogram does', async () => {
    const metrics = createMetrics(services());
    for (let i = 0; i < 250; i += 1) metrics.onRequestDone(`Op${i}`, 'answered');
    const values = (await samples(metrics.registry, 'graphql_requests_total'))!;
    expect(values).toHaveLength(201);
    expect(values).toContainEqual({ labels: { operation: 'other', outcome: 'answered' }, value: 50 });
  });
});

describe('background_refresh_age_seconds', () => {
  it('is -1 before a first success, then the seconds since the last one, for started refreshes only', async () => {
    const similar = { started: true, lastSuccessAt: undefined as number | undefined };
    const trending = { started: true, lastSuccessAt: performance.now() - 2500 };
    const metrics = createMetrics(services({ similar, refreshes: { trending, search_terms: idle } }));
    const ages = async () => Object.fromEntries((await samples(metrics.registry, 'background_refresh_age_seconds'))!.map((s) => [s.labels.refresh, s.value]));
    const first = await ages();
    expect(Object.keys(first).sort()).toEqual(['similar_jobs', 'trending']);
    expect(first.similar_jobs).toBe(-1);
    expect(first.trending).toBeGreaterThanOrEqual(2.5);
    expect(first.trending).toBeLessThan(60);

    similar.lastSuccessAt = performance.now();
    trending.started = false;
    const second = await ages();
    expect(Object.keys(second)).toEqual(['similar_jobs']);
    expect(second.similar_jobs).toBeGreaterThanOrEqual(0);
    expect(second.similar_jobs).toBeLessThan(first.trending);
  });

  it("follows a periodic refresher's passes: a failed pass leaves the last success where it was", async () => {
    class Flaky extends Periodic {
      fail = false;
      protected async pass(): Promise<void> {
        if (!this.fail) this.succeeded();
      }
    }
    const flaky = new Flaky(3600);
    expect(flaky.started).toBe(false);
    flaky.fail = true;
    flaky.start();
    expect(flaky.started).toBe(true);
    await flaky.refresh();
    expect(flaky.lastSuccessAt).toBeUndefined();
    flaky.fail = false;
    await flaky.refresh();
    const at = flaky.lastSuccessAt!;
    expect(at).toBeLessThanOrEqual(performance.now());
    flaky.fail = true;
    await flaky.refresh();
    expect(flaky.lastSuccessAt).toBe(at);
    await flaky.stop();
    expect(flaky.started).toBe(false);
  });

  it('leaves out the trending refresh when no window is precomputed (TRENDING_WINDOWS=none): it never runs', async () => {
    const trending = new TrendingRefresher({} as PrismaClient, { windows: [], refreshS: 15 });
    trending.start();
    const metrics = createMetrics(services({ refreshes: { trending } }));
    expect(await samples(metrics.registry, 'background_refresh_age_seconds')).toEqual([]);
  });
});

describe('redis_up', () => {
  it("follows the Redis cache store's connection, read at each scrape", async () => {
    let down = false;
    const metrics = createMetrics(services({ store: { kind: 'redis', isDown: () => down } }));
    expect(await samples(metrics.registry, 'redis_up')).toEqual([{ labels: {}, value: 1 }]);
    down = true;
    expect(await samples(metrics.registry, 'redis_up')).toEqual([{ labels: {}, value: 0 }]);
  });

  it('has no series without Redis: no cache, or a cache in memory', async () => {
    expect(await samples(createMetrics(services()).registry, 'redis_up')).toBeUndefined();
    const inMemory = createMetrics(services({ store: { kind: 'memory', isDown: () => false } }));
    expect(await samples(inMemory.registry, 'redis_up')).toBeUndefined();
    expect((await inMemory.registry.metrics()).includes('redis_up')).toBe(false);
  });
});

describe('db_up', () => {
  afterEach(() => jest.useRealTimers());

  it('is 1 while the primary answers SELECT 1 at each scrape, 0 while it fails', async () => {
    const sent: string[] = [];
    let fail = false;
    const metrics = createMetrics(
      services({
        query: async (sql) => {
          sent.push(sql);
          if (fail) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
          return [{ '?column?': 1 }];
        },
      }),
    );
    expect(await samples(metrics.registry, 'db_up')).toEqual([{ labels: {}, value: 1 }]);
    fail = true;
    expect(await samples(metrics.registry, 'db_up')).toEqual([{ labels: {}, value: 0 }]);
    fail = false;
    expect(await samples(metrics.registry, 'db_up')).toEqual([{ labels: {}, value: 1 }]);
    expect(sent).toEqual(['SELECT 1', 'SELECT 1', 'SELECT 1']);
    expect(await metrics.registry.metrics()).toContain('db_up 1');
  });

  it('is 0 when the primary does not answer within DB_UP_TIMEOUT_MS, without holding the scrape, and asks once while a check hangs', async () => {
    let answer: (() => void) | undefined;
    let sent = 0;
    const metrics = createMetrics(
      services({
        query: () => {
          sent += 1;
          return new Promise((resolve) => (answer = () => resolve([{ '?column?': 1 }])));
        },
      }),
    );
    jest.useFakeTimers();
    const first = samples(metrics.registry, 'db_up');
    await jest.advanceTimersByTimeAsync(DB_UP_TIMEOUT_MS);
    expect(await first).toEqual([{ labels: {}, value: 0 }]);
    // The next scrape waits on the same hung statement rather than sending another.
    const second = samples(metrics.registry, 'db_up');
    await jest.advanceTimersByTimeAsync(DB_UP_TIMEOUT_MS);
    expect(await second).toEqual([{ labels: {}, value: 0 }]);
    expect(sent).toBe(1);
    // Once it answers, the next scrape asks afresh.
    answer!();
    await jest.advanceTimersByTimeAsync(0);
    const third = samples(metrics.registry, 'db_up');
    await jest.advanceTimersByTimeAsync(0);
    answer!();
    expect(await third).toEqual([{ labels: {}, value: 1 }]);
    expect(sent).toBe(2);
  });

  it("is the worst worker's across --workers (min), as the primary serves it on METRICS_PORT", async () => {
    const up = createMetrics(services());
    const down = createMetrics(services({ query: () => Promise.reject(new Error('timeout expired')) }));
    const summed = AggregatorRegistry.aggregate([await up.registry.getMetricsAsJSON(), await down.registry.getMetricsAsJSON()]);
    expect(await samples(summed, 'db_up')).toEqual([{ labels: {}, value: 0 }]);
  });

  it('never throws from a scrape: a driver that throws synchronously reads 0', async () => {
    const metrics = createMetrics(
      services({
        query: () => {
          throw new Error('the database is closed');
        },
      }),
    );
    expect(await samples(metrics.registry, 'db_up')).toEqual([{ labels: {}, value: 0 }]);
    expect(await metrics.registry.metrics()).toContain('db_up 0');
  });
});
