import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client';
import { statementNames } from './database';
import type { Route } from './request-db';
import { tracedAdapter, targetName } from './traced-adapter';

/**
 * Read replicas (DATABASE_REPLICA_URLS): PostgreSQL streaming standbys that take the reads of
 * queries, only while that cannot show or cache anything older than the gateway promises.
 *
 * The monitor polls, every `pollMs`, the primary's `pg_current_wal_lsn()` and each replica's
 * `pg_last_wal_replay_lsn()`. A primary sample sent at local time `s` holds every commit made
 * before `s`; a replica whose replay LSN has reached it has replayed (and shows) all of them.
 * A replica's `caughtUpTo` is the newest such `s`. Its lag is `now - caughtUpTo`: unlike
 * `now() - pg_last_xact_replay_timestamp()`, it stays near the poll interval when nothing is
 * written, and it grows on its own when the replica stops answering or replaying.
 *
 * A read may go to a replica only when:
 * - it is a query's statement outside any transaction (mutations, transactions and every
 *   write go to the primary, see `route`);
 * - the replica answered the last poll and its lag is at most `maxLagMs`;
 * - its `caughtUpTo` is after the `fence`: the latest write this process knows committed (its
 *   own invalidations, every invalidation it saw through the shared cache's LAST marker, see
 *   `noteWrite`). So a viewer who wrote, and anyone reading after that write, reads it.
 * A result computed on a replica is stamped for the response cache with `caughtUpTo` instead
 * of its execution start (see `RouteState`): a write the replica had not replayed bumped its
 * tags after that stamp, so the entry is stale at once, on every instance.
 */

export interface ReplicaStatus {
  /** The replica's host:port/database (never its password). */
  name: string;
  state: 'up' | 'lagging' | 'down';
  /** now - caughtUpTo (ms), null before the first answer. */
  lagMs: number | null;
  /** Why it is down (the last poll's error). */
  error?: string;
  /** Reads it has served. */
  reads: number;
}

interface Replica {
  name: string;
  pool: pg.Pool;
  prisma: PrismaClient;
  /** The monitor's own connection: a busy read pool never delays a poll. */
  probe: pg.Pool;
  caughtUpTo: number;
  up: boolean;
  error?: string;
  reads: number;
}

/** Per request: the oldest data any of its statements may have seen (see the response cache's stamp). */
export interface RouteState {
  /** Set when a replica served a statement: the smallest `caughtUpTo` among those used. */
  dataAsOf?: number;
}

const lsn = (text: string): bigint => {
  const [hi, lo] = text.split('/');
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
};

/** host:port/database of a URL, for reports and logs. */
/**
 * Routing decisions compare times taken in this process: on a monotonic clock, so that a step
 * of the wall clock (NTP) cannot make a replica look caught up with a write it has not replayed.
 */
const mono = () => performance.now();

/** A replica as metrics and logs name it: host:port/database, never the credentials. */
export const replicaName = targetName;

export class ReplicaSet {
  private readonly replicas: Replica[];
  private readonly primaryProbe: pg.Pool;
  /** Primary samples, oldest first: [sent at (local ms), LSN]. A few seconds' worth. */
  private samples: [number, bigint][] = [];
  private fence = mono();
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private next = 0;
  private stopped = false;

  constructor(
    primaryUrl: string,
    urls: string[],
    private readonly options: { maxLagMs: number; pollMs?: number; timeoutMs?: number; readTimeoutMs?: number; poolSize?: number; namedStatements?: boolean },
  ) {
    const timeout = options.timeoutMs ?? 1000;
    const probe = (url: string) => {
      const pool = new pg.Pool({
        connectionString: url,
        max: 1,
        connectionTimeoutMillis: timeout,
        query_timeout: timeout,
        application_name: 'chommie-replica-monitor',
      });
      pool.on('error', () => undefined);
      return pool;
    };
    this.primaryProbe = probe(primaryUrl);
    this.replicas = urls.map((url) => {
      const pool = new pg.Pool({
        connectionString: url,
        max: options.poolSize ?? 10,
        connectionTimeoutMillis: timeout,
        // A replica that hangs with its connections open (a stalled network, a frozen host)
        // would hold its reads until TCP gives up, hours later: past this bound a read fails
        // and is rerun on the primary (`route`). pg-pool destroys the connection of a
        // failed query, so an answer arriving late never reaches the next query.
        query_timeout: options.readTimeoutMs ?? 5_000,
        keepAlive: true,
        application_name: 'chommie-replica-reads',
      });
      pool.on('error', () => undefined);
      pool.on('connect', (client) => client.on('error', () => undefined));
      // Named statements as on the primary (DATABASE_NAMED_STATEMENTS): without them every read is parsed and planned again.
      const adapter = tracedAdapter(new PrismaPg(pool, options.namedStatements ? { statementNameGenerator: statementNames() } : undefined), {
        role: 'replica',
        name: replicaName(url),
      });
      return { name: replicaName(url), pool, prisma: new PrismaClient({ adapter }), probe: probe(url), caughtUpTo: 0, up: false, reads: 0 };
    });
  }

  get pollMs(): number {
    return this.options.pollMs ?? 150;
  }

  start(): this {
    const tick = () => {
      this.polling = this.poll().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.pollMs).unref();
      });
    };
    tick();
    return this;
  }

  /** One round: the primary and every replica at once. */
  async poll(): Promise<void> {
    const sent = mono();
    const primary = this.primaryProbe
      .query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l')
      .then((r) => {
        this.samples.push([sent, lsn(r.rows[0].l)]);
        // Only samples some replica may still be behind: a few seconds beyond the lag bound.
        const keepAfter = mono() - this.options.maxLagMs - 5_000;
        while (this.samples.length > 1 && this.samples[0][0] < keepAfter) this.samples.shift();
      })
      .catch(() => undefined);
    const replicas = this.replicas.map(async (r) => {
      try {
        const { rows } = await r.probe.query<{ l: string | null; recovery: boolean }>(
          'SELECT pg_last_wal_replay_lsn()::text AS l, pg_is_in_recovery() AS recovery',
        );
        if (!rows[0].recovery || !rows[0].l) throw new Error('not a standby (promoted, or never replayed)');
        return { r, replayed: lsn(rows[0].l) };
      } catch (err) {
        r.up = false;
        r.error = (err as Error).message;
        // Back, it may have restarted from an earlier point: what it had replayed is not known.
        r.caughtUpTo = 0;
        return null;
      }
    });
    await primary;
    for (const answer of await Promise.all(replicas)) {
      if (!answer) continue;
      const { r, replayed } = answer;
      r.up = true;
      r.error = undefined;
      // The newest sample it has replayed, none when it is behind them all. Not the larger of
      // that and the last one: a different server behind the same URL may be further behind.
      r.caughtUpTo = this.samples.findLast(([, l]) => l <= replayed)?.[0] ?? 0;
    }
  }

  /**
   * A write committed (or was seen to have committed, on any instance) before now: no replica
   * serves reads until it has replayed the primary as of a sample sent after this.
   */
  noteWrite(): void {
    this.fence = Math.max(this.fence, mono());
  }

  /** A replica that may serve a read now, round-robin among those that qualify, or null. */
  choose(): Replica | null {
    const now = mono();
    for (let i = 0; i < this.replicas.length; i += 1) {
      const r = this.replicas[(this.next + i) % this.replicas.length];
      if (r.up && r.caughtUpTo > this.fence && now - r.caughtUpTo <= this.options.maxLagMs) {
        this.next = (this.next + i + 1) % this.replicas.length;
        return r;
      }
    }
    return null;
  }

  status(): ReplicaStatus[] {
    const now = mono();
    return this.replicas.map((r) => {
      const lagMs = r.caughtUpTo ? now - r.caughtUpTo : null;
      const state = !r.up ? 'down' : lagMs === null || lagMs > this.options.maxLagMs ? 'lagging' : 'up';
      return { name: r.name, state, lagMs, reads: r.reads, ...(r.error && !r.up ? { error: r.error } : {}) };
    });
  }

  /**
   * Where a request's statements go (db/request-db.ts classifies them). With `reads` (a query),
   * its reads outside transactions go to a replica that qualifies when they are sent (else to
   * the primary); `state.dataAsOf` records how old what they saw may be. A replica's failure of
   * any kind is retried on the primary: a replica never fails a request. Whatever may write (a
   * transaction, a write operation, raw SQL that is not a plain SELECT) goes to the primary and,
   * once settled, moves the fence (`noteWrite`), whether or not the writer then invalidates
   * anything.
   */
  route(state: RouteState, reads: boolean): Route {
    return {
      read: async (send, primary) => {
        const replica = reads ? this.choose() : null;
        if (!replica) return send(primary);
        // Before sending: the statement's snapshot holds at least what the replica had replayed then.
        // On the wall clock, as the cache's timestamps are: how long ago, measured monotonically.
        const asOf = Date.now() - (mono() - replica.caughtUpTo);
        try {
          const value = await send(replica.prisma);
          replica.reads += 1;
          state.dataAsOf = Math.min(state.dataAsOf ?? Infinity, asOf);
          return value;
        } catch {
          return send(primary);
        }
      },
      write: async (send) => {
        try {
          return await send();
        } finally {
          // Settled either way: a COMMIT whose answer was lost may have committed.
          this.noteWrite();
        }
      },
    };
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling?.catch(() => undefined);
    clearTimeout(this.timer);
    await Promise.all([
      this.primaryProbe.end().catch(() => undefined),
      ...this.replicas.map(async (r) => {
        await r.prisma.$disconnect().catch(() => undefined);
        await r.pool.end().catch(() => undefined);
        await r.probe.end().catch(() => undefined);
      }),
    ]);
  }
}
