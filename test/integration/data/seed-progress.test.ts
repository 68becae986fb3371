import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { seed, type SeedProgress } from '../../../src/data/seed';
import { describeProgress, seedReporter, seedSummary } from '../../../src/data/seed-progress';
import { migrate } from '../../../src/data/migrate';
import { openTestDatabase, type TestDatabase } from '../../helpers/db';

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase({ empty: true });
  await migrate(db.raw);
}, 60_000);
afterAll(() => db.destroy());

const SIZE = { companies: 12, jobs: 2500, users: 30, applications: 200 };
const STEPS = ['companies', 'jobs', 'users', 'applications', 'similar jobs', 'search terms'];

describe('seeding progress', () => {
  it('says what is being seeded and how far, step by step, each ending complete', async () => {
    const events: SeedProgress[] = [];
    await seed(db, SIZE, (p) => events.push({ ...p }));
    expect([...new Set(events.map((e) => e.step))]).toEqual(STEPS);
    for (const step of STEPS) {
      const mine = events.filter((e) => e.step === step);
      expect(mine[0].done).toBe(0);
      expect(mine.at(-1)!.done).toBe(mine[0].total);
      // Never backwards, never past the total.
      expect(mine.map((e) => e.done)).toEqual([...mine.map((e) => e.done)].sort((a, b) => a - b));
      expect(Math.max(...mine.map((e) => e.done))).toBeLessThanOrEqual(mine[0].total);
    }
    // Rows in chunks: more than a start and an end where there are many.
    const jobs = events.filter((e) => e.step === 'jobs');
    expect(jobs[0].total).toBe(SIZE.jobs);
    expect(jobs.length).toBeGreaterThan(2);
  }, 120_000);

  /** A stream recording what is written to it, a terminal or not. */
  const sink = (isTTY: boolean) => {
    let text = '';
    const stream = Object.assign(
      new Writable({
        write(chunk, _enc, done) {
          text += chunk.toString();
          done();
        },
      }),
      { isTTY, columns: 100 },
    );
    return { stream, text: () => text };
  };
  const feed = (onProgress: (p: SeedProgress) => void) => {
    for (const [step, total] of [
      ['jobs', 2400],
      ['applications', 12000],
    ] as const)
      for (let done = 0; done <= total; done += 600) onProgress({ step, done, total });
  };

  it('elsewhere than a terminal, writes a plain line when a step starts and at most every few seconds, not one per chunk', () => {
    const { stream, text } = sink(false);
    const lines: string[] = [];
    const reporter = seedReporter(stream, (l) => lines.push(l), 60_000);
    feed(reporter.onProgress);
    reporter.stop();
    expect(lines).toEqual(['seeding: jobs 0/2400', 'seeding: applications 0/12000']);
    expect(text()).toBe('');
    // With no time between lines, every event gets one.
    const all: string[] = [];
    const eager = seedReporter(stream, (l) => all.push(l), 0);
    feed(eager.onProgress);
    expect(all).toContain('seeding: applications 12000/12000');
  });

  it('on a terminal, rewrites one line on the stream with the step and its count', () => {
    const { stream, text } = sink(true);
    const lines: string[] = [];
    const reporter = seedReporter(stream, (l) => lines.push(l));
    feed(reporter.onProgress);
    reporter.stop();
    expect(lines).toEqual([]);
    const shown = stripVTControlCharacters(text());
    expect(shown).toMatch(/seeding: jobs \d+\/2400/);
    expect(shown).toMatch(/seeding: applications 12000\/12000/);
    // In place: the line is rewritten (carriage return or cursor moves), never a new line per update.
    expect(text().split('\n').length).toBeLessThanOrEqual(2);
  });

  it('ends with one summary line: the counts and the seconds', () => {
    expect(seedSummary({ jobs: 2400, companies: 220, users: 600, applications: 12000 }, 9_240)).toBe(
      'seeded 2,400 jobs, 220 companies, 600 users and 12,000 applications, with their similar jobs and search terms, in 9.2 s',
    );
    expect(describeProgress({ step: 'jobs', done: 1200, total: 2400 })).toBe('seeding: jobs 1200/2400');
  });
});
