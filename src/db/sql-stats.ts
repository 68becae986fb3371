import { AsyncLocalStorage } from 'node:async_hooks';
import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlQueryable, Transaction } from '@prisma/driver-adapter-utils';

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

const current = new AsyncLocalStorage<SqlStats>();

/** Runs `fn` so that every Prisma statement sent inside it is added to `stats`. */
export function runWithSqlStats<T>(stats: SqlStats, fn: () => T): T {
  return current.run(stats, fn);
}

type AnyFn = (...args: unknown[]) => Promise<unknown>;

/** A view of `target` whose queryRaw/executeRaw report to the current request's counter. */
function counted<Q extends SqlQueryable>(target: Q, extra: Partial<Record<PropertyKey, (fn: AnyFn) => AnyFn>> = {}): Q {
  return new Proxy(target, {
    get(obj, prop) {
      const value = Reflect.get(obj, prop, obj);
      if (typeof value !== 'function') return value;
      const fn = (value as AnyFn).bind(obj);
      if (extra[prop]) return extra[prop](fn);
      if (prop !== 'queryRaw' && prop !== 'executeRaw') return fn;
      return async (...args: unknown[]) => {
        const stats = current.getStore();
        const start = performance.now();
        if (stats) stats.running = (stats.running ?? 0) + 1;
        try {
          return await fn(...args);
        } finally {
          if (stats) {
            if ((stats.running = stats.running! - 1) === 0) stats.onIdle?.();
            const ms = performance.now() - start;
            stats.statements += 1;
            stats.ms += ms;
            if (ms > (stats.slowest?.ms ?? -1)) stats.slowest = { ms, sql: (args[0] as { sql?: string } | undefined)?.sql ?? '' };
          }
        }
      };
    },
  });
}

/**
 * Wraps a Prisma driver adapter factory so that every statement Prisma sends (inside
 * transactions too) is counted against the request that caused it. Counting at the adapter
 * sees real SQL statements, not Prisma operations (one findMany with includes can be several).
 */
export function countingAdapter<F extends SqlDriverAdapterFactory>(factory: F): F {
  return counted(factory as unknown as SqlQueryable, {
    connect: (connect) => async () =>
      counted((await connect()) as SqlDriverAdapter, {
        startTransaction:
          (start) =>
          async (...args) =>
            counted((await start(...args)) as Transaction),
      }),
  }) as unknown as F;
}
