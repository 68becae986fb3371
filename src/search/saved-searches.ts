import { deleteOldMatches, matchQueued, MATCH_BATCH, newestJobAlertDay, writeJobAlerts, type MatchBatch } from '../data/saved-searches';
import { Writes } from '../data/writes';
import type { PrismaClient } from '../generated/prisma/client';
import { Periodic, type RefresherOptions } from '../ops/periodic';
import type { EventBus } from '../events/bus';

declare module '../events/bus' {
  interface Topics {
    /** A saved search's new matches, on its owner's channel (the user id). */
    savedSearchMatch: { savedSearchId: number; jobIds: number[] };
  }
}

/**
 * Tells the owners' `savedSearchMatches` subscribers of a committed batch's matches, on each
 * user's own channel: no other user's stream hears them.
 */
export function publishMatches(bus: Pick<EventBus, 'publish'>, matched: MatchBatch['matched']): void {
  for (const m of matched) bus.publish('savedSearchMatch', { savedSearchId: m.savedSearchId, jobIds: m.jobIds }, m.userId);
}

export interface MatcherOptions {
  /** How often the queue of new jobs is looked at (SAVED_SEARCH_MATCH_MS). */
  intervalMs: number;
  /** New jobs per statement (MATCH_BATCH unless a test says otherwise). */
  batchSize?: number;
  writes?: Writes;
  /** Told of each committed batch's matches (the `savedSearchMatches` subscription). */
  onMatched?: (matched: MatchBatch['matched']) => void;
  onError?: (err: unknown) => void;
  /** Told when a failed batch halves the batch size, or successes grow it back. */
  onBatchSize?: (size: number, previous: number) => void;
  /** What takes a batch (matchQueued; a test's faults). */
  match?: typeof matchQueued;
}

/** Successful batches in a row after which a shrunk batch size doubles again. */
export const BATCH_GROWTH_AFTER = 10;

/**
 * Matches new jobs against the saved searches, off the saved_search_queue table that a trigger
 * fills in each job's inserting transaction (createJob and imports alike). Every instance runs
 * one; a pass takes batches until the queue is empty, and instances take disjoint batches (SKIP
 * LOCKED). A batch is one statement and one transaction: if the process dies before its
 * commit, the jobs are still queued for the next pass, instance or start, so a committed job is
 * matched exactly once, eventually. `stop()` waits for the batch in flight, not for the queue.
 */
export class SavedSearchMatcher extends Periodic {
  private readonly writes: Writes;
  readonly counters = { matchedJobs: 0, batches: 0, failures: 0, lastPassMs: 0 };
  /** What the last pass took off the queue, and why it stopped early if it did. */
  private last: { taken: number; error?: string } = { taken: 0 };
  /**
   * Jobs per batch now. A batch that failed (its transaction's timeout, most likely: broad
   * saved searches can make 1,000 jobs too many matches for it) would fail again at the same
   * size and stall the queue for good, so a failure halves it (down to 1) for the next pass;
   * BATCH_GROWTH_AFTER successes in a row double it back towards the configured size.
   */
  private size: number;
  private successes = 0;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: MatcherOptions,
  ) {
    super(options.intervalMs / 1000);
    this.writes = options.writes ?? new Writes();
    this.size = options.batchSize ?? MATCH_BATCH;
  }

  /** Jobs the next batch takes at most. */
  get batchSize(): number {
    return this.size;
  }

  private resize(size: number): void {
    if (size === this.size) return;
    const previous = this.size;
    this.size = size;
    this.successes = 0;
    this.options.onBatchSize?.(size, previous);
  }

  /** Matches everything queued now (tests, after a restart); returns how many jobs it took. */
  async drain(): Promise<number> {
    let total = 0;
    // A pass under way when this was called may have started before the last job was queued.
    do {
      await this.refresh();
      if (this.last.error) throw new Error(`saved-search matching failed: ${this.last.error}`);
      total += this.last.taken;
    } while (this.last.taken > 0);
    return total;
  }

  protected async pass(): Promise<void> {
    const started = performance.now();
    this.last = { taken: 0 };
    try {
      for (;;) {
        // The owners' `me` results (newJobCount, jobs) are stale once a batch matched for them.
        const batch = await this.writes.commit(
          (owe) => (this.options.match ?? matchQueued)(this.prisma, this.size, owe),
          ({ matched }) => (matched.length ? [{ savedSearchesOf: [...new Set(matched.map((m) => m.userId))] }] : []),
        );
        // Only a full batch shows the size holds (an idle queue's empty batches show nothing).
        if (batch.taken === this.size && ++this.successes >= BATCH_GROWTH_AFTER) this.resize(Math.min(this.options.batchSize ?? MATCH_BATCH, this.size * 2));
        if (!batch.taken) return;
        this.last.taken += batch.taken;
        this.counters.matchedJobs += batch.taken;
        this.counters.batches += 1;
        if (batch.matched.length) this.options.onMatched?.(batch.matched);
        // An import's backlog is minutes of batches: a stop waits for the one in flight only, and
        // the rest, still queued, is the next start's (or another instance's).
        if (this.stopping) return;
      }
    } catch (err) {
      this.counters.failures += 1;
      this.resize(Math.max(1, Math.floor(this.size / 2)));
      this.last.error = (err as Error).message;
      this.options.onError?.(err);
    } finally {
      this.counters.lastPassMs = performance.now() - started;
    }
  }
}

/** How long after a UTC day ends its digests are written: a matcher batch that began that day has committed by then. */
export const ALERTS_GRACE_MS = 5 * 60_000;

/** The last UTC day whose digests are due at `now` (YYYY-MM-DD). */
export function dueAlertDay(now: Date): string {
  return new Date(now.getTime() - ALERTS_GRACE_MS - 86_400_000).toISOString().slice(0, 10);
}

/** How many days back a pass writes the digests not written yet (an outage's). */
export const ALERTS_CATCH_UP_DAYS = 7;

/**
 * The days whose digests a pass writes at `now`: those after the newest day written, through the
 * due one, at most ALERTS_CATCH_UP_DAYS (a digest weeks late is no alert; and a day nobody got a
 * digest for is looked at again, cheaply, until a later one has some).
 */
export function alertDaysToWrite(now: Date, newest: string | null): string[] {
  const due = Date.parse(dueAlertDay(now));
  const days: string[] = [];
  for (let i = ALERTS_CATCH_UP_DAYS - 1; i >= 0; i--) {
    const day = new Date(due - i * 86_400_000).toISOString().slice(0, 10);
    if (newest === null || day > newest) days.push(day);
  }
  return days;
}

/** SAVED_SEARCH_MATCH_RETENTION_DAYS' default. */
export const MATCH_RETENTION_DAYS = 90;

export interface AlertsOptions extends RefresherOptions {
  /** Days a match is kept (SAVED_SEARCH_MATCH_RETENTION_DAYS), deleted by the daily pass. */
  matchRetentionDays?: number;
}

/**
 * Writes the daily job-alert digests (job_alert, the outbox a mailer reads): every `refreshS`
 * (JOB_ALERTS_REFRESH_S), the days that ended (plus ALERTS_GRACE_MS) since the newest day
 * written get their digests (alertDaysToWrite), one per user and day whatever the number of
 * instances (a unique (user_id, day) and ON CONFLICT DO NOTHING): instances down at midnight,
 * or passes failing for days, catch up (ALERTS_CATCH_UP_DAYS back) at the next pass. The same
 * daily pass deletes the matches older than `matchRetentionDays`.
 */
export class JobAlertsRefresher extends Periodic {
  private readonly writes: Writes;
  /** The day this instance wrote last: the next passes that day only look (cheaply) once. */
  private done?: string;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: AlertsOptions,
  ) {
    super(options.refreshS);
    this.writes = options.writes ?? new Writes();
  }

  /** Writes the digests of `day` (due ones by default); returns the users who got one. */
  async writeDay(day: string): Promise<number[]> {
    const { userIds } = await this.writes.commit(
      (owe) => writeJobAlerts(this.prisma, day, owe),
      ({ userIds }) => (userIds.length ? [{ savedSearchesOf: userIds }] : []),
    );
    return userIds;
  }

  protected async pass(): Promise<void> {
    const now = new Date();
    const day = dueAlertDay(now);
    if (day === this.done) return;
    try {
      for (const missing of alertDaysToWrite(now, await newestJobAlertDay(this.prisma, day))) await this.writeDay(missing);
      // Once a day too: old matches have been in their digests for long.
      await deleteOldMatches(this.prisma, this.options.matchRetentionDays ?? MATCH_RETENTION_DAYS);
      this.done = day;
    } catch (err) {
      this.options.onError?.(err);
    }
  }
}
