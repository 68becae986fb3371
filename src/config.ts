import { z } from 'zod';
import { parseRedisUrl } from './redis-url';

const bool = z.enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off']).transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

/** An integer variable: at least `min` (and at most `max`), `fallback` when unset. */
const int = (min: number, fallback: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max).default(fallback);

/** The longest a cached result may live: 30 days. */
const MAX_TTL_S = 30 * 86_400;
const ttl = (fallback: number) => z.coerce.number().int().min(1).max(MAX_TTL_S, `at most ${MAX_TTL_S} seconds (30 days)`).default(fallback);

const url = (protocols: string[]) =>
  z
    .string()
    .url()
    .refine((u) => protocols.includes(new URL(u).protocol), `must start with ${protocols.join(' or ')}//`);

/** `o` as a browser sends it in Origin: http(s), lowercase host, no default port, path or slash. */
function originProblem(o: string): string | undefined {
  let url: URL;
  try {
    url = new URL(o);
  } catch {
    return `"${o}" is not an origin such as https://app.example.com`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `"${o}" is not an http:// or https:// origin`;
  // Browsers compare Origin exactly: anything else written here would never match.
  if (url.origin !== o)
    return `"${o}" is not an origin as browsers send it (scheme, host and port only; no path or trailing slash): did you mean ${url.origin}?`;
  return undefined;
}

/** A comma-separated list of exact origins, or `*` alone (any origin, never with credentials). */
const origins = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
  )
  .superRefine((list, ctx) => {
    for (const o of list) {
      const problem = o === '*' ? undefined : originProblem(o);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }
    if (list.includes('*') && list.length > 1) ctx.addIssue({ code: 'custom', message: '* (any origin) cannot be combined with listed origins' });
    if (!list.length) ctx.addIssue({ code: 'custom', message: 'list at least one origin, or *' });
  });

const EnvSchema = z.object({
  PORT: int(0, 4000, 65535),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  DATABASE_POOL_SIZE: int(1, 10, 100),
  DATABASE_NAMED_STATEMENTS: bool.default(false),
  // Streaming standbys of DATABASE_URL that take queries' reads while caught up (src/db/replicas.ts).
  DATABASE_REPLICA_URLS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean),
    )
    .pipe(z.array(url(['postgres:', 'postgresql:'])))
    .default([]),
  DATABASE_REPLICA_MAX_LAG_MS: int(1, 1000, 600_000),
  DATA_DIR: z.string().min(1).default('.data'),
  // One node, a cluster's seeds or a Sentinel-managed primary (see redis-url.ts).
  REDIS_URL: z
    .string()
    .superRefine((v, ctx) => {
      const target = parseRedisUrl(v);
      if (typeof target === 'string') ctx.addIssue({ code: 'custom', message: target });
    })
    .optional(),
  SQL_STATS: bool.default(true),
  SEED_ON_EMPTY: bool.default(true),
  SIMILAR_JOBS_REFRESH_MS: int(10, 1000, 3_600_000),
  // The trendingJobs(days) windows kept precomputed: days from 1 to 365, comma-separated, or
  // `none` (an empty variable counts as unset, like every other).
  TRENDING_WINDOWS: z
    .string()
    .default('1,7,30')
    .transform((s, ctx) => {
      if (s.trim().toLowerCase() === 'none') return [];
      const entries = s
        .split(',')
        .map((d) => d.trim())
        .filter(Boolean);
      const bad = entries.find((d) => !/^\d{1,3}$/.test(d) || Number(d) < 1 || Number(d) > 365);
      if (bad !== undefined || entries.length === 0)
        ctx.addIssue({ code: 'custom', message: `must be days from 1 to 365, comma-separated, or none${bad ? ` (got "${bad.slice(0, 20)}")` : ''}` });
      return [...new Set(entries.map(Number))];
    }),
  TRENDING_REFRESH_S: int(1, 15, 3600),
  SEARCH_TERMS_REFRESH_S: int(1, 60, 86_400),
  // How often each instance matches newly posted or imported jobs against the saved searches
  // (src/search/saved-searches.ts): how late a match, its newJobCount and its event may be.
  SAVED_SEARCH_MATCH_MS: int(10, 1000, 3_600_000),
  // How often each instance looks for a UTC day whose job-alert digests are due (written once per
  // user and day whatever the number of instances, 5 minutes after the day ended).
  JOB_ALERTS_REFRESH_S: int(1, 300, 86_400),
  // Days a saved search's match is kept (deleted by the job-alerts pass): a search unseen for
  // longer shows that many days of new jobs; the table would otherwise grow with every job.
  SAVED_SEARCH_MATCH_RETENTION_DAYS: int(2, 90, 3650),
  EXPORT_MAX_ROWS: int(1, 100_000, 10_000_000),
  // Rows of CSV export pages a client may download per RATE_LIMIT_WINDOW_S, a budget of its own.
  EXPORT_ROWS_PER_WINDOW: int(100, 50_000, 10_000_000),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  QUERY_MAX_DEPTH: int(1, 12),
  QUERY_MAX_ALIASES: int(0, 20),
  QUERY_MAX_TOKENS: int(10, 3000),
  QUERY_MAX_DIRECTIVES: int(0, 20),
  QUERY_MAX_COST: int(1, 5000),
  SHUTDOWN_GRACE_MS: int(0, 1000),
  SHUTDOWN_TIMEOUT_MS: int(0, 10_000),
  // A 1,000-posting importJobs with 3,000-character descriptions is 3.3 MB.
  MAX_BODY_BYTES: int(1024, 8 * 1024 * 1024, 1024 * 1024 * 1024),
  // Unset: 4 × DATABASE_POOL_SIZE: an execution holds a connection for only part of its time.
  MAX_CONCURRENT_EXECUTIONS: z.coerce.number().int().min(1).max(10_000).optional(),
  MAX_QUEUED_EXECUTIONS: int(0, 100, 100_000),
  // Deprecated: no longer read (admission waits by ADMISSION_DEADLINE_MS); still accepted, so a
  // deployment that sets it starts, until its removal is due (CHANGELOG.md).
  QUEUE_TIMEOUT_MS: int(0, 100, 60_000),
  // The wait a person tolerates: an execution queues for a slot only while it can be answered
  // within it (ops/admission.ts).
  ADMISSION_DEADLINE_MS: int(1, 2000, 60_000),
  // Open subscription streams, counted apart from admission's executions (a stream holds no
  // slot while it waits for events): in all (0 turns subscriptions off) and per viewer (a
  // signed-in user, else a client address). 2,000 by default, the stream backend's maxconn in
  // deploy/haproxy/haproxy.cfg (change both together): a stream costs 70-80 KB of RSS, and one
  // event reaching 1,000 streams took ~300 ms at p99 (docs/OPERATIONS.md), so 10,000 was
  // memory and latency no instance should be handed by default.
  SUBSCRIPTIONS_MAX: int(0, 2_000, 1_000_000),
  SUBSCRIPTIONS_MAX_PER_VIEWER: int(1, 20, 100_000),
  CACHE_ENABLED: bool.default(true),
  CACHE_PREFIX: z
    .string()
    .regex(/^[\w:.-]{1,64}$/, 'letters, digits and _ : . - only')
    .default('chommie'),
  CACHE_MAX_ENTRIES: int(1, 10_000),
  CACHE_MAX_BYTES: int(1024, 64 * 1024 * 1024),
  CACHE_TIMEOUT_MS: int(1, 250, 10_000),
  CACHE_COMPRESS_BYTES: int(0, 2048),
  // Tag versions live as long as the longest of these plus an hour (see tagTtlMs), so any
  // combination is consistent; the bound keeps that finite and Redis's memory bounded.
  CACHE_TTL_PAGE_S: ttl(1800),
  CACHE_TTL_SEARCH_S: ttl(900),
  CACHE_TTL_LIST_S: ttl(900),
  CACHE_TTL_TRENDING_S: ttl(3600),
  CACHE_TTL_PRIVATE_S: ttl(300),
  RATE_LIMIT_ENABLED: bool.default(true),
  RATE_LIMIT_POINTS: int(1, 60_000),
  RATE_LIMIT_WINDOW_S: int(1, 60, 86_400),
  TRUST_PROXY_HOPS: int(0, 0, 10),
  // Unset: on in production, off elsewhere.
  TRUSTED_DOCUMENTS: bool.optional(),
  APQ_ENABLED: bool.default(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Unset: pretty when stdout is a terminal, JSON lines otherwise.
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  SLOW_REQUEST_MS: int(1, 1000),
  WEB_CONCURRENCY: int(1, 1, 64),
  // Benchmark baseline only: every DataLoader load becomes its own statement (N+1).
  LOADER_BATCHING: bool.default(true),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  // Required as `Authorization: Bearer <token>` wherever /metrics is served; in production the
  // serving port has /metrics only with it (else only METRICS_PORT serves it).
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  // Unset: any origin (without credentials) outside production, none in production.
  CORS_ORIGINS: origins.optional(),
  // Chromium caps it at 2 hours, Firefox at 24; 0 sends none (browsers then keep a preflight 5 s).
  CORS_MAX_AGE_S: int(0, 600, 86_400),
  // The longest a public persisted GET may be kept by an HTTP cache or a browser: how stale it can
  // be after a write, since nothing purges those copies (see http/plugins/http-cache.ts). 0: no-store.
  HTTP_CACHE_MAX_AGE_S: int(0, 5, 86_400),
});

export type Config = z.infer<typeof EnvSchema> & { JWT_SECRET: string; TRUSTED_DOCUMENTS: boolean; MAX_CONCURRENT_EXECUTIONS: number; CORS_ORIGINS: string[] };

/** Signs dev tokens when JWT_SECRET is unset outside production: never accept it in production. */
export const DEV_JWT_SECRET = 'chommie-development-secret-not-for-production';

export class ConfigError extends Error {}

/** Reads and validates the environment; every problem is reported at once, by variable name. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "not set", as in most shells' `VAR= cmd`.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const d = parsed.data;
  const problems = [
    !d.JWT_SECRET && d.NODE_ENV === 'production' && 'JWT_SECRET: required when NODE_ENV=production',
    d.RATE_LIMIT_ENABLED &&
      d.RATE_LIMIT_POINTS < d.QUERY_MAX_COST &&
      `RATE_LIMIT_POINTS: must be at least QUERY_MAX_COST (${d.QUERY_MAX_COST}), or the costliest allowed query could never run`,
    d.DATABASE_REPLICA_URLS.length > 0 &&
      !d.DATABASE_URL &&
      'DATABASE_REPLICA_URLS: needs DATABASE_URL (replicas stream from a PostgreSQL primary; the embedded database has none)',
  ].filter(Boolean);
  if (problems.length) throw new ConfigError(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return {
    ...d,
    JWT_SECRET: d.JWT_SECRET ?? DEV_JWT_SECRET,
    TRUSTED_DOCUMENTS: d.TRUSTED_DOCUMENTS ?? d.NODE_ENV === 'production',
    MAX_CONCURRENT_EXECUTIONS: d.MAX_CONCURRENT_EXECUTIONS ?? 4 * d.DATABASE_POOL_SIZE,
    CORS_ORIGINS: d.CORS_ORIGINS ?? (d.NODE_ENV === 'production' ? [] : ['*']),
  };
}
