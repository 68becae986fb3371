import { createHash } from 'node:crypto';
import type { Database } from '../db/database';
import { existingCompanyIds, writeImportBatch, type BatchRow } from '../data/imports';
import { Writes } from '../data/writes';
import type { Change, JobKey } from '../domain/changes';
import { CreateJob, LIMITS, salaryOutOfOrder } from '../domain/job-input';
import type { SimilarJobsRefresher } from '../similar/refresher';
import { experienceLevel, extractSkills, isRemote } from './enrich';
import type { Candidate, FeedRow, ImportSummary, Reject } from './types';

export interface ImportOptions {
  /** Namespace of the feed's posting ids: (source, externalId) identifies a job across imports. */
  source: string;
  /** Everything but the commit: each batch is written and rolled back, so the counts are exact. */
  dryRun?: boolean;
  batchSize?: number;
  onProgress?: (phase: 'read' | 'write', done: number, total?: number) => void;
  /** Queues similar-jobs refreshes for what changed; omitted, they are left to a later rebuild. */
  similar?: SimilarJobsRefresher;
  /**
   * How each committed batch makes cached results stale (data/writes.ts): the jobs that
   * changed, or everything for large batches. None told without it.
   */
  writes?: Writes;
}

/** Past this many changed jobs in one batch, it empties the response cache instead of listing them. */
const INVALIDATE_ALL_ABOVE = 500;

interface Ready extends BatchRow {
  line: number;
}

/** Postings without an id of their own: the same content always gets the same id. */
function contentId(c: Candidate): string {
  const norm = (s: string | number | null | undefined) =>
    String(s ?? '')
      .toLowerCase()
      .replace(/\s+/g, ' ')
      .trim();
  const key = [c.title, c.company.name ?? c.company.id, c.city, c.state, c.location, c.description].map(norm).join('\u001f');
  return `h:${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}

/** Feed values plus what enrichment reads from the text, shaped for validation. */
function enrich(c: Candidate) {
  const { company: _c, externalId: _e, createdAt: _d, levelHint, ...fields } = c;
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  const [title, description] = [text(c.title), text(c.description)];
  const feedSkills = Array.isArray(c.skills) ? c.skills.filter((s): s is string => typeof s === 'string') : [];
  return {
    ...fields,
    remote: c.remote ?? isRemote(title, text(c.location), description),
    experienceLevel: c.experienceLevel ?? experienceLevel(title, description, levelHint),
    // Feed skills first; extracted ones fill up to the limit rather than fail the row.
    skills: [...new Set([...feedSkills.map((s) => s.trim()).filter(Boolean), ...extractSkills(`${title}\n${description}`)])].slice(0, LIMITS.skills),
  };
}

/** A candidate enriched and validated, or the reason it is rejected. */
function prepare(line: number, c: Candidate): Ready | Reject {
  const name = c.company.name?.trim();
  if (c.company.id == null && (!name || name.length > LIMITS.title)) {
    return { line, reason: `company name must be 1 to ${LIMITS.title} characters`, record: c };
  }
  const parsed = CreateJob.safeParse(enrich(c));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { line, reason: `${issue.path.join('.') || 'row'} ${issue.message}`, record: c };
  }
  const job = parsed.data;
  if (salaryOutOfOrder(job.salaryMin, job.salaryMax)) {
    return { line, reason: `salaryMin ${job.salaryMin} is greater than salaryMax ${job.salaryMax}`, record: c };
  }
  return { line, externalId: c.externalId ?? contentId(c), company: { ...c.company, name }, job, createdAt: c.createdAt ?? null };
}

/**
 * The one ingestion pipeline of the importer and the importJobs mutation: read every row,
 * enrich and validate it, fold repeats of a posting into one job, then upsert in batches,
 * each in its own transaction. Reading finishes before anything is written, so a feed that
 * turns out to be broken (unclosed quote, truncated) writes nothing. A failure while writing
 * leaves the batches before it committed; rerunning the import completes it, as it is
 * idempotent. Every row ends up counted exactly once: created, updated, unchanged, merged
 * or rejected (with its line and reason).
 */
export async function runImport(db: Database, rows: AsyncIterable<FeedRow>, options: ImportOptions): Promise<ImportSummary> {
  const started = performance.now();
  const summary: ImportSummary = {
    rows: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    merged: 0,
    rejected: 0,
    rejects: [],
    changedJobIds: [],
    dryRun: !!options.dryRun,
    ms: 0,
  };
  const reject = (r: Reject) => {
    summary.rejected += 1;
    summary.rejects.push(r);
  };

  const ready: Ready[] = [];
  const seen = new Map<string, number>();
  for await (const row of rows) {
    summary.rows += 1;
    if (summary.rows % 500 === 0) options.onProgress?.('read', summary.rows);
    let prepared: Ready | Reject;
    try {
      prepared = 'reason' in row ? row : prepare(row.line, row.candidate);
    } catch (err) {
      // A value of a type no check foresaw: that row is rejected, the import goes on.
      prepared = { line: row.line, reason: `unreadable row: ${(err as Error).message}`, record: 'candidate' in row ? row.candidate : undefined };
    }
    if ('reason' in prepared) {
      reject(prepared);
      continue;
    }
    if (seen.has(prepared.externalId)) {
      summary.merged += 1;
      continue;
    }
    seen.set(prepared.externalId, row.line);
    ready.push(prepared);
  }

  // Unknown company ids reject their rows before anything is written.
  const ids = [...new Set(ready.flatMap((r) => (r.company.id == null ? [] : [r.company.id])))];
  if (ids.length) {
    const found = await existingCompanyIds(db.raw, ids);
    for (const r of ready.filter((x) => x.company.id != null && !found.has(x.company.id))) {
      reject({ line: r.line, reason: `company ${r.company.id} does not exist` });
    }
    ready.splice(0, ready.length, ...ready.filter((x) => x.company.id == null || found.has(x.company.id)));
  }

  const batchSize = options.batchSize ?? 500;
  const writes = options.writes ?? new Writes();
  let failure: unknown;
  for (let i = 0; i < ready.length && !failure; i += batchSize) {
    const batch = ready.slice(i, i + batchSize);
    try {
      // Batch by batch, as they commit: an import of minutes must not leave cached results
      // hiding what it already wrote until it ends (or fails).
      await writes.commit(
        async (owe) => {
          const written = await writeImportBatch(db.raw, options.source, batch, { dryRun: options.dryRun, owe });
          // Counted once committed (or rolled back on purpose): a batch whose COMMIT failed is not reported as written.
          countBatch(batch, written);
          if (written.committed) summary.changedJobIds.push(...written.created, ...written.updated);
          return written;
        },
        (written) => batchChanges(written),
      );
    } catch (err) {
      failure = err;
    }
    options.onProgress?.('write', Math.min(i + batchSize, ready.length), ready.length);
  }

  summary.ms = performance.now() - started;
  // Keywords and similar jobs of committed rows are queued by the database in the writing
  // transaction (a trigger), so after a failure they are left to whoever works the queue:
  // the database may well be what failed.
  if (failure) throw new ImportInterrupted(summary, ready.length, failure);
  // Past the commit, a failure must not turn into an error that reads as "nothing written":
  // the writing transaction queued this work (a trigger), and the background refresher does it.
  await options.similar?.jobsImported(summary.changedJobIds).catch(() => undefined);
  return summary;

  function countBatch(batch: Ready[], result: { created: number[]; updated: number[] }) {
    summary.created += result.created.length;
    summary.updated += result.updated.length;
    summary.unchanged += batch.length - result.created.length - result.updated.length;
  }
}

/**
 * What a committed batch changed. A company's new industry or rating shows wherever its jobs do
 * (every list, every job page): rare enough to empty the cache for.
 */
function batchChanges(result: { committed: boolean; created: number[]; updated: number[]; jobs: JobKey[]; companiesUpdated: number }): Change[] {
  const changed = result.created.length + result.updated.length;
  if (!result.committed || (changed === 0 && result.companiesUpdated === 0)) return [];
  const created = new Set(result.created);
  const jobs = result.jobs.map((job): Change => (created.has(job.id) ? { job, imported: true, created: true } : { job, imported: true }));
  // The jobs still listed: subscribers hear of them (the cache reads only 'everything' then).
  if (changed > INVALIDATE_ALL_ABOVE || result.companiesUpdated > 0) return ['everything', ...jobs];
  return jobs;
}

/** The database failed while writing: whole batches are written, the rest is not; rerunning completes it. */
export class ImportInterrupted extends Error {
  constructor(
    readonly summary: ImportSummary,
    total: number,
    readonly cause: unknown,
  ) {
    const written = summary.created + summary.updated + summary.unchanged;
    super(
      `the import stopped after ${written} of ${total} postings were written (in whole batches): ${(cause as Error)?.message ?? cause}. Run it again to complete it; nothing is written twice.`,
    );
  }
}
