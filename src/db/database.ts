import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlQuery } from '@prisma/driver-adapter-utils';
import { PrismaClient } from '../generated/prisma/client';
import { isConnectionError } from './connection-errors';
import { isReadOnlySql } from './statements';
import { isRolledBack } from './errors';
import { lockDataDir } from './data-dir-lock';
import { tracedAdapter, targetName } from './traced-adapter';
import { hasTraceComment } from '../tracing';

/** Plain SQL outside Prisma: migrations (multi-statement scripts) and bulk seeding. */
export interface RawSql {
  exec(script: string): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /**
   * Runs `fn` on one connection inside BEGIN/COMMIT, rolled back if it throws. Rolled back by
   * a deadlock or a serialization failure, it is run again (twice at most), so `fn` must write
   * only through `tx`.
   */
  transaction<T>(fn: (tx: Omit<RawSql, 'transaction'>) => Promise<T>): Promise<T>;
}

/**
 * Options of a request's interactive transaction: it waits for a pool connection as long as a
 * plain statement does (the pool's connection timeout; Prisma's own default is 2 s), then fails
 * with P2028, which is SERVICE_UNAVAILABLE (connection-errors.ts).
 */
export const WRITE_TX = { maxWait: 5000, timeout: 10_000 };

export interface Database {
  mode: 'pglite' | 'postgres';
  prisma: PrismaClient;
  raw: RawSql;
  /** The driver under Prisma, for health checks and for tests that count at the driver. */
  driver: { pglite?: PGlite; pool?: pg.Pool };
  close(): Promise<void>;
}

export type DatabaseOptions =
  | {
      url: string;
      poolSize?: number;
      /** Named prepared statements (statementNames): only with direct connections or a pooler that keeps them. */
      namedStatements?: boolean;
    }
  | { dataDir?: string /* absent: in memory */ };

// Both drivers would otherwise hand back int8 (counts) as strings and numeric as strings.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return 'url' in options ? openPostgres(options.url, options.poolSize ?? 10, options.namedStatements ?? false) : openPGlite(options.dataDir);
}

async function openPostgres(url: string, poolSize: number, namedStatements: boolean): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 5_000, keepAlive: true });
  // A connection dying (server restart, failover, pg_terminate_backend, an idle reaper) is an
  // 'error' event on its client. The pool listens on idle clients only; one that is checked
  // out (a transaction, the importer's batch) with no listener would take the process down.
  // The statement it was running fails on its own, and the pool drops the client on release.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const adapter = retryingReads(new PrismaPg(pool, namedStatements ? { statementNameGenerator: statementNames() } : undefined));
  const prisma = new PrismaClient({ adapter: tracedAdapter(adapter, { role: 'primary', name: targetName(url) }) });
  const query = async <T>(sql: string, params?: unknown[]) => (await pool.query(sql, params)).rows as T[];
  const raw: RawSql = {
    exec: async (script) => void (await pool.query(script)),
    query: (sql, params) => retryRead(sql, () => query(sql, params)),
    transaction: async (fn) => {
      for (let attempt = 1; ; attempt += 1) {
        const client = await pool.connect();
        let broken: unknown;
        try {
          await client.query('BEGIN');
          const result = await fn({
            exec: async (script) => void (await client.query(script)),
            query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
          });
          await client.query('COMMIT');
          return result;
        } catch (err) {
          if (isConnectionError(err)) broken = err;
          await client.query('ROLLBACK').catch(() => undefined);
          if (attempt > 2 || !isRolledBack(err)) throw err;
        } finally {
          client.release(broken as Error | undefined);
        }
      }
    },
  };
  return {
    mode: 'postgres',
    prisma,
    raw,
    driver: { pool },
    close: async () => {
      await prisma.$disconnect();
      await pool.end().catch(() => undefined);
    },
  };
}

async function openPGlite(dataDir?: string): Promise<Database> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const unlock = dataDir ? lockDataDir(dataDir) : () => undefined;
  const pglite = await PGlite.create({ ...(dataDir ? { dataDir } : {}), extensions: { pg_trgm } }).catch((err) => {
    unlock();
    throw err;
  });
  const prisma = new PrismaClient({ adapter: tracedAdapter(new PrismaPGlite(pglite), { role: 'primary', embedded: true }) });
  const parse = <T>(rows: unknown[]) => rows as T[];
  const raw: RawSql = {
    exec: async (script) => void (await pglite.exec(script)),
    query: async (sql, params) => parse((await pglite.query(sql, params)).rows),
    transaction: (fn) =>
      pglite.transaction((tx) =>
        fn({
          exec: async (script) => void (await tx.exec(script)),
          query: async (sql, params) => parse((await tx.query(sql, params)).rows),
        }),
      ),
  };
  return {
    mode: 'pglite',
    prisma,
    raw,
    driver: { pglite },
    close: async () => {
      await prisma.$disconnect();
      if (!pglite.closed) await pglite.close();
      unlock();
    },
  };
}

/**
 * A read whose connection died may be sent once more, on another connection: reading twice
 * changes nothing. Writes are never resent (the first may have committed), nor is anything
 * inside a transaction (its connection, and so the transaction, is gone).
 */
function retryRead<T>(sql: string, run: () => Promise<T>): Promise<T> {
  return run().catch(async (err) => {
    if (!isConnectionError(err) || !isReadOnlySql(sql)) throw err;
    // A moment first: when a server drops every connection at once, the pool has not yet
    // heard of the other idle ones dying, and would hand one of them to the retry.
    await new Promise((r) => setTimeout(r, 50));
    return run();
  });
}

type AnyFn = (...args: unknown[]) => unknown;

/**
 * Names for the statements Prisma sends through pg (DATABASE_NAMED_STATEMENTS), so that each
 * connection parses and plans a statement once and reuses it: about a third of PostgreSQL's
 * CPU on a job page (docs/BENCHMARKS.md). Off by default: a transaction-mode pooler
 * (PgBouncer before 1.21, or without max_prepared_statements) loses them, and a migration that
 * changes the type of a column an old instance reads fails its prepared statements
 * ("cached plan must not change result type") until it restarts. Bounded to the first `max`
 * distinct texts; each connection keeps what it prepared. Left unnamed: statements whose best
 * plan depends on the values (a LIKE prefix, one company's jobs, a date range, a place or a
 * title pattern read out of a search), since after five runs
 * PostgreSQL may adopt a generic plan that cannot weigh them, and statements of a sampled trace,
 * whose text ends in that trace's comment (db/traced-adapter.ts): each is one of a kind, and
 * naming them would use up the names. A full-text search is named: its tsquery is computed in
 * an InitPlan (data/jobs.ts `searchQuery`), which no plan can look into, so its plan is the same
 * whatever the words, and planning it at every search was a tenth of its PostgreSQL CPU.
 */
const VALUE_DEPENDENT = /\bLIKE\b|company_id = \$|created_at [<>]=? \$|~\* \$|lower\(\w+\.(city|state)\) = \$/;

export function statementNames(max = 500): (query: SqlQuery) => string {
  const names = new Map<string, string | null>();
  let named = 0;
  return ({ sql }) => {
    if (hasTraceComment(sql)) return '';
    let name = names.get(sql);
    if (name === undefined) {
      name = named < max && !VALUE_DEPENDENT.test(sql) ? `chommie_${createHash('sha1').update(sql).digest('hex').slice(0, 24)}` : null;
      if (name) named += 1;
      if (names.size < max * 10) names.set(sql, name);
    }
    return name ?? ''; // pg's unnamed statement
  };
}

/** Prisma's adapter with `retryRead` on the statements it sends outside transactions. */
function retryingReads(factory: SqlDriverAdapterFactory): SqlDriverAdapterFactory {
  return new Proxy(factory, {
    get(target, prop): unknown {
      const value: unknown = Reflect.get(target, prop, target);
      if (prop !== 'connect') return typeof value === 'function' ? (value as AnyFn).bind(target) : value;
      return async () => {
        const adapter: SqlDriverAdapter = await target.connect();
        return new Proxy(adapter, {
          get(a, p): unknown {
            const v: unknown = Reflect.get(a, p, a);
            if (typeof v !== 'function') return v;
            if (p !== 'queryRaw') return (v as AnyFn).bind(a);
            return (q: SqlQuery) => retryRead(q.sql, () => (v as AnyFn).call(a, q) as Promise<unknown>);
          },
        });
      };
    },
  });
}
