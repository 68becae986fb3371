import pg from 'pg';
import type { Database } from '../../src/db/database';

/** Counts statements where they reach the database driver, independently of extensions.sql. */
export async function countAtDriver<T>(db: Database, fn: () => Promise<T>): Promise<{ result: T; driverStatements: number; texts: string[] }> {
  let driverStatements = 0;
  const texts: string[] = [];
  const text = (arg: unknown) => (typeof arg === 'string' ? arg : String((arg as { text?: string } | null)?.text ?? ''));
  const restore: (() => void)[] = [];
  if (db.driver.pool) {
    const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
    const original = proto.query;
    proto.query = function (this: unknown, ...args: unknown[]) {
      driverStatements += 1;
      texts.push(text(args[0]));
      return original.apply(this, args);
    };
    restore.push(() => (proto.query = original));
  }
  if (db.driver.pglite) {
    const lite = db.driver.pglite as unknown as Record<'query' | 'exec', (...a: unknown[]) => unknown>;
    for (const method of ['query', 'exec'] as const) {
      const original = lite[method];
      lite[method] = function (this: unknown, ...args: unknown[]) {
        driverStatements += 1;
        texts.push(text(args[0]));
        return original.apply(this, args);
      };
      restore.push(() => (lite[method] = original));
    }
  }
  try {
    return { result: await fn(), driverStatements, texts };
  } finally {
    restore.forEach((r) => r());
  }
}
