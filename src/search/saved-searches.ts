import { matchQueued, MATCH_BATCH, writeJobAlerts, type MatchBatch } from '../data/saved-searches';
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
}

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

  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: MatcherOptions,
  ) {
    super(options.intervalMs / 1000);
    this.writes = options.writes ?? new Writes();
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
          (owe) => matchQueued(this.prisma, this.options.batchSize ?? MATCH_BATCH, owe),
          ({ matched }) => (matched.length ? [{ savedSearchesOf: [...new Set(matched.map((m) => m.userId))] }] : []),
        );
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

/**
 * Writes the daily job-alert digests (job_alert, the outbox a mailer reads): every `refreshS`
 * (JOB_ALERTS_REFRESH_S), the last day that ended (plus ALERTS_GRACE_MS) gets its digests,
 * one per user whatever the number of instances (a unique (user_id, day) and ON CONFLICT DO
 * NOTHING), so an instance that was down at midnight catches up at its next pass.
 */
export class JobAlertsRefresher extends Periodic {
  private readonly writes: Writes;
  /** The day this instance wrote last: the next passes that day only look (cheaply) once. */
  private done?: string;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: RefresherOptions,
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
    const day = dueAlertDay(new Date());
    if (day === this.done) return;
    try {
      await this.writeDay(day);
      this.done = day;
    } catch (err) {
      this.options.onError?.(err);
    }
  }
}
