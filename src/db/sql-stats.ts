/** SQL statements sent on behalf of one GraphQL request, and their total time. */
export interface SqlStats {
  statements: number;
  ms: number;
  /** The longest statement, for the slow-request log. */
  slowest?: { ms: number; sql: string };
  /** Statements sent and not yet answered (waiting for a pool connection included). */
  running?: number;
  /** Called when `running` drops to 0. */
  onIdle?: () => void;
}

/**
 * Resolves once every statement of `stats` sent so far has been answered, or after `ms`. A
 * cancelled execution returns at once while what it sent still holds pool connections.
 */
export function sqlSettled(stats: SqlStats, ms: number): Promise<void> {
  if (!stats.running) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    stats.onIdle = () => {
      clearTimeout(timer);
      resolve();
    };
  });
}

type AnyFn = (...args: unknown[]) => Promise<unknown>;

/** The text of a raw statement (a `Prisma.sql` object or a tagged template), for the slow-request log. */
function sqlText(args: unknown[]): string {
  const [first] = args;
  if (first && typeof first === 'object' && 'sql' in first) return String(first.sql);
  if (Array.isArray(first)) return first.map((part, i) => (i ? `$${i}${String(part)}` : String(part))).join('');
  return typeof first === 'string' ? first : '';
}

/** Runs one call against `stats`: counted once it is answered, `running` meanwhile. */
async function track(stats: SqlStats, what: string, call: () => Promise<unknown>): Promise<unknown> {
  const start = performance.now();
  stats.running = (stats.running ?? 0) + 1;
  try {
    return await call();
  } finally {
    if ((stats.running -= 1) === 0) stats.onIdle?.();
    const ms = performance.now() - start;
    stats.statements += 1;
    stats.ms += ms;
    if (ms > (stats.slowest?.ms ?? -1)) stats.slowest = { ms, sql: what };
  }
}

const RAW = new Set<PropertyKey>(['$queryRaw', '$executeRaw', '$queryRawUnsafe', '$executeRawUnsafe']);
const READS = new Set<PropertyKey>([
  '$queryRaw',
  '$queryRawUnsafe',
  'findMany',
  'findFirst',
  'findFirstOrThrow',
  'findUnique',
  'findUniqueOrThrow',
  'count',
  'aggregate',
  'groupBy',
]);

/**
 * `db` as one request sees it: every statement sent through it (raw SQL, a model operation,
 * and those inside its interactive transactions, not their BEGIN and COMMIT) is added to
 * `stats`; work a service does on its own (the similar-jobs refresher) is not the request's.
 * Once `signal` is aborted (the client left), reads sent outside a transaction are refused
 * before they reach the pool, whatever sends them: a loader, a connection's `totalCount`, a
 * compiled execution that does not watch the signal. Writes and transactions go on: a write stopped halfway is
 * rolled back anyway, and the bookkeeping after a commit must not be cut short.
 *
 * Written by hand, and per request rather than in the driver adapter with an
 * AsyncLocalStorage: holding a store switches on Node's promise hooks for every promise of the
 * process, which cost a fifth of the gateway's CPU on an uncached headline (docs/BENCHMARKS.md).
 * The data layer sends one statement per raw query and per model read by ids, so counting the
 * calls counts what reaches the driver (test/integration/db/sql-budget.test.ts checks it at the driver).
 */
export function countedDb<D extends object>(db: D, stats: SqlStats, signal?: AbortSignal): D {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(db, {
    get(target, prop) {
      const found = wrapped.get(prop);
      if (found !== undefined) return found;
      const value: unknown = Reflect.get(target, prop, target);
      let view: unknown = value;
      if (RAW.has(prop)) {
        const fn = value as AnyFn;
        view = async (...args: unknown[]) => {
          if (READS.has(prop)) signal?.throwIfAborted();
          return track(stats, sqlText(args), () => fn.apply(target, args));
        };
      } else if (prop === '$transaction') {
        const fn = value as (run: unknown, options?: unknown) => Promise<unknown>;
        // Running for all of it: a transaction holds its connection between statements too.
        // The batch form (an array of queries) is not used by the data layer: passed on as it is.
        view = async (run: unknown, options?: unknown) => {
          stats.running = (stats.running ?? 0) + 1;
          try {
            return await fn.call(
              target,
              typeof run === 'function' ? (tx: object) => (run as (tx: object) => Promise<unknown>)(countedDb(tx, stats)) : run,
              options,
            );
          } finally {
            if ((stats.running -= 1) === 0) stats.onIdle?.();
          }
        };
      } else if (typeof prop === 'string' && !prop.startsWith('$') && value && typeof value === 'object') {
        // A model (`db.job`): each of its operations is one statement.
        const model = value as Record<string, unknown>;
        view = new Proxy(model, {
          get: (m, op) => {
            const fn = Reflect.get(m, op, m) as unknown;
            if (typeof fn !== 'function') return fn;
            return async (...args: unknown[]) => {
              if (READS.has(op)) signal?.throwIfAborted();
              return track(stats, `${prop}.${String(op)}`, () => (fn as AnyFn).apply(m, args));
            };
          },
        });
      } else if (typeof value === 'function') view = (value as AnyFn).bind(target);
      wrapped.set(prop, view);
      return view;
    },
  });
}
