import { Presets, SingleBar } from 'cli-progress';
import type { Database } from '../db/database';
import { seed, tableCounts, type OnSeedProgress, type SeedProgress } from './seed';

export interface SeedReporter {
  onProgress: OnSeedProgress;
  /** Leaves the last line as it is (on a terminal, ends it). */
  stop(): void;
}

export const describeProgress = (p: SeedProgress) => `seeding: ${p.step} ${p.done}/${p.total}`;

/**
 * Says how far a seed has got, never on stdout (where JSON logs or a script's result go).
 * On a terminal (`stream.isTTY`): one line, rewritten in place, on `stream`. Elsewhere (a
 * pipe, a log collector): a plain line through `plain` when a step starts and at most every
 * `everyMs` within it: a few lines, not one per chunk.
 */
export function seedReporter(stream: NodeJS.WritableStream & { isTTY?: boolean }, plain: (line: string) => void, everyMs = 2000): SeedReporter {
  if (stream.isTTY) {
    const bar = new SingleBar({ stream, format: 'seeding: {step} {value}/{total} {bar} {duration}s', barsize: 20, hideCursor: true }, Presets.shades_classic);
    let started = false;
    return {
      onProgress: (p) => {
        if (!started) bar.start(p.total, p.done, { step: p.step });
        else {
          bar.setTotal(p.total);
          bar.update(p.done, { step: p.step });
        }
        started = true;
      },
      stop: () => started && bar.stop(),
    };
  }
  let step = '';
  let last = 0;
  return {
    onProgress: (p) => {
      const now = Date.now();
      if (p.step === step && now - last < everyMs) return;
      step = p.step;
      last = now;
      plain(describeProgress(p));
    },
    stop: () => {},
  };
}

/** The one line that ends a seed: what it wrote, and how long it took. */
export function seedSummary(counts: { jobs: number; companies: number; users: number; applications: number }, ms: number): string {
  const n = (x: number) => x.toLocaleString('en-US');
  return `seeded ${n(counts.jobs)} jobs, ${n(counts.companies)} companies, ${n(counts.users)} users and ${n(counts.applications)} applications, with their similar jobs and search terms, in ${(ms / 1000).toFixed(1)} s`;
}

/**
 * Seeds the demo data into `db`, showing how far it has got (a line rewritten on a terminal's
 * stderr, else a few lines to `plain`); returns the summary line and what it counts.
 */
export async function seedShowingProgress(db: Database, plain: (line: string) => void) {
  const started = Date.now();
  const progress = seedReporter(process.stderr, plain);
  try {
    await seed(db, undefined, progress.onProgress);
  } finally {
    progress.stop();
  }
  const counts = await tableCounts(db);
  const ms = Date.now() - started;
  return { counts, ms, summary: seedSummary(counts, ms) };
}
