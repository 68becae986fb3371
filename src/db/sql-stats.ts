/** SQL statements sent on behalf of one GraphQL request, and their total time. */
export interface SqlStats {
  statements: number;
  ms: number;
  /** The longest statement, for the slow-request log: its text built only when read (a statement's text is joined anew from its parts). */
  slowest?: { ms: number; sql: () => string };
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

/** Marks `stats` running while `call` is out: its statements hold pool connections until answered. */
export async function running<T>(stats: SqlStats, call: () => Promise<T>): Promise<T> {
  stats.running = (stats.running ?? 0) + 1;
  try {
    return await call();
  } finally {
    if ((stats.running -= 1) === 0) stats.onIdle?.();
  }
}

/** Runs one statement against `stats`: counted once it is answered, `running` meanwhile. */
export async function counted<T>(stats: SqlStats, what: () => string, call: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await running(stats, call);
  } finally {
    const ms = performance.now() - start;
    stats.statements += 1;
    stats.ms += ms;
    if (ms > (stats.slowest?.ms ?? -1)) stats.slowest = { ms, sql: what };
  }
}
