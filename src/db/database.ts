import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client';
import { countingAdapter } from './sql-stats';

/** Plain SQL outside Prisma: migrations (multi-statement scripts) and bulk seeding. */
export interface RawSql {
  exec(script: string): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs `fn` on one connection inside BEGIN/COMMIT, rolled back if it throws. */
  transaction<T>(fn: (tx: Omit<RawSql, 'transaction'>) => Promise<T>): Promise<T>;
}

export interface Database {
  mode: 'pglite' | 'postgres';
  prisma: PrismaClient;
  raw: RawSql;
  /** The driver under Prisma, for health checks and for tests that count at the driver. */
  driver: { pglite?: PGlite; pool?: pg.Pool };
  close(): Promise<void>;
}

export type DatabaseOptions =
  | { url: string; poolSize?: number }
  | { dataDir?: string /* absent: in memory */ };

// Both drivers would otherwise hand back int8 (counts) as strings and numeric as strings.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return 'url' in options ? openPostgres(options.url, options.poolSize ?? 10) : openPGlite(options.dataDir);
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 10_000 });
  // An idle client losing its server (restart, failover) must not crash the process.
  pool.on('error', () => undefined);
  const prisma = new PrismaClient({ adapter: countingAdapter(new PrismaPg(pool)) });
  const raw: RawSql = {
    exec: async (script) => void (await pool.query(script)),
    query: async (sql, params) => (await pool.query(sql, params)).rows,
    transaction: async (fn) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({
          exec: async (script) => void (await client.query(script)),
          query: async (sql, params) => (await client.query(sql, params)).rows,
        });
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
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
  const pglite = await PGlite.create(dataDir ? { dataDir } : {});
  const prisma = new PrismaClient({ adapter: countingAdapter(new PrismaPGlite(pglite)) });
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
    },
  };
}
