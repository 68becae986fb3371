import { createHash } from 'node:crypto';
import { jobListTags } from '../cache/request-state';
import type { Database } from '../db/database';
import { recordIntentRaw, type Intent } from '../db/invalidation-intent';
import { CreateJob, LIMITS } from '../domain/job-input';
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
   * Makes cached results stale after each committed batch: the tags of what changed, or
   * everything for large imports. `intent` is the one the batch recorded (invalidation-intent.ts).
   */
  invalidate?: (tags: string[], intent?: Intent) => Promise<void>;
  /** Record in each batch's transaction the invalidation it owes (for a cache that settles them). */
  intents?: boolean;
}

/** Past this many changed jobs in one batch, it empties the response cache instead of listing tags. */
const INVALIDATE_ALL_ABOVE = 500;

interface Ready {
  line: number;
  externalId: string;
  company: Candidate['company'];
  job: ReturnType<typeof CreateJob.parse>;
  createdAt: Date | null;
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
  if (job.salaryMin != null && job.salaryMax != null && job.salaryMin > job.salaryMax) {
    return { line, reason: `salaryMin ${job.salaryMin} is greater than salaryMax ${job.salaryMax}`, record: c };
  }
  return { line, externalId: c.externalId ?? contentId(c), company: { ...c.company, name }, job, createdAt: c.createdAt ?? null };
}

class DryRunRollback extends Error {}

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
    const found = new Set((await db.raw.query<{ id: number }>('SELECT id FROM company WHERE id = ANY($1::int[])', [ids])).map((r) => r.id));
    for (const r of ready.filter((x) => x.company.id != null && !found.has(x.company.id))) {
      reject({ line: r.line, reason: `company ${r.company.id} does not exist` });
    }
    ready.splice(0, ready.length, ...ready.filter((x) => x.company.id == null || found.has(x.company.id)));
  }

  const batchSize = options.batchSize ?? 500;
  let failure: unknown;
  for (let i = 0; i < ready.length && !failure; i += batchSize) {
    const batch = ready.slice(i, i + batchSize);
    try {
      const result = await db.raw.transaction(async (tx) => {
        const written = await writeBatch(tx, options.source, batch);
        if (options.dryRun) {
          countBatch(batch, written);
          throw new DryRunRollback();
        }
        const changed = written.created.length + written.updated.length;
        return { ...written, changed, intent: changed > 0 && options.intents ? await recordIntentRaw(tx) : undefined };
      });
      // Counted once committed: a batch whose COMMIT failed is not reported as written.
      countBatch(batch, result);
      summary.changedJobIds.push(...result.created, ...result.updated);
      // Batch by batch, as they commit: an import of minutes must not leave cached results
      // hiding what it already wrote until it ends (or fails).
      if (result.changed > 0 && options.invalidate) {
        await options.invalidate(result.changed > INVALIDATE_ALL_ABOVE ? ['*'] : [...new Set([...result.tags, 'stats'])], result.intent);
      }
    } catch (err) {
      if (!(err instanceof DryRunRollback)) failure = err;
    }
    options.onProgress?.('write', Math.min(i + batchSize, ready.length), ready.length);
  }

  summary.ms = performance.now() - started;
  // Keywords and similar jobs of committed rows are queued by the database in the writing
  // transaction (a trigger), so after a failure they are left to whoever works the queue:
  // the database may well be what failed.
  if (failure) throw new ImportInterrupted(summary, ready.length, failure);
  await options.similar?.jobsImported(summary.changedJobIds);
  return summary;

  function countBatch(batch: Ready[], result: { created: number[]; updated: number[] }) {
    summary.created += result.created.length;
    summary.updated += result.updated.length;
    summary.unchanged += batch.length - result.created.length - result.updated.length;
  }
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

type Tx = Parameters<Parameters<Database['raw']['transaction']>[0]>[0];

async function writeBatch(tx: Tx, source: string, batch: Ready[]): Promise<{ created: number[]; updated: number[]; tags: string[] }> {
  // Companies by name: created when new, their industry and rating filled in when the feed has them.
  const byName = new Map<string, Ready['company']>();
  for (const r of batch) if (r.company.id == null && !byName.has(r.company.name!)) byName.set(r.company.name!, r.company);
  const companyIds = new Map<string, number>();
  if (byName.size) {
    // In name order, as every batch does: two imports locking the same companies then queue
    // instead of deadlocking.
    const companies = [...byName.values()]
      .sort((x, y) => (x.name! < y.name! ? -1 : 1))
      .map((c) => ({ name: c.name, external_ref: c.externalRef ?? null, industry: c.industry ?? null, rating: c.rating ?? null }));
    await tx.query(
      `INSERT INTO company (name, external_ref, industry, rating)
       SELECT name, external_ref, industry, rating FROM jsonb_to_recordset($1::jsonb) AS x(name text, external_ref text, industry text, rating float8)
       ON CONFLICT (name) DO UPDATE SET
         industry = coalesce(EXCLUDED.industry, company.industry), rating = coalesce(EXCLUDED.rating, company.rating),
         external_ref = coalesce(company.external_ref, EXCLUDED.external_ref), updated_at = now()
       WHERE (company.industry, company.rating, company.external_ref) IS DISTINCT FROM
             (coalesce(EXCLUDED.industry, company.industry), coalesce(EXCLUDED.rating, company.rating), coalesce(company.external_ref, EXCLUDED.external_ref))`,
      [JSON.stringify(companies)],
    );
    for (const r of await tx.query<{ id: number; name: string }>('SELECT id, name FROM company WHERE name = ANY($1::text[])', [[...byName.keys()]])) {
      companyIds.set(r.name, r.id);
    }
  }
  const jobs = batch.map((r) => ({
    external_id: r.externalId,
    company_id: r.company.id ?? companyIds.get(r.company.name!),
    title: r.job.title,
    description: r.job.description,
    location: r.job.location,
    city: r.job.city,
    state: r.job.state,
    job_type: r.job.jobType,
    salary_min: r.job.salaryMin,
    salary_max: r.job.salaryMax,
    remote: r.job.remote,
    experience_level: r.job.experienceLevel,
    skills: r.job.skills,
    created_at: r.createdAt?.toISOString() ?? null,
  }));
  // Only rows whose content differs are updated, so "unchanged" is real and updated_at honest.
  const written = await tx.query<{ id: number; created: boolean; job_type: string; company_id: number }>(
    `INSERT INTO job (source, external_id, company_id, title, description, location, city, state, job_type, salary_min, salary_max,
                      remote, experience_level, skills, created_at)
     SELECT $2, external_id, company_id, title, description, location, city, state, job_type, salary_min, salary_max,
            remote, experience_level, skills, coalesce(created_at, now())
     FROM jsonb_to_recordset($1::jsonb) AS x(external_id text, company_id int, title text, description text, location text,
          city text, state text, job_type "JobType", salary_min int, salary_max int, remote bool,
          experience_level "ExperienceLevel", skills text[], created_at timestamptz)
     ON CONFLICT (source, external_id) DO UPDATE SET
       company_id = EXCLUDED.company_id, title = EXCLUDED.title, description = EXCLUDED.description, location = EXCLUDED.location,
       city = EXCLUDED.city, state = EXCLUDED.state, job_type = EXCLUDED.job_type, salary_min = EXCLUDED.salary_min,
       salary_max = EXCLUDED.salary_max, remote = EXCLUDED.remote, experience_level = EXCLUDED.experience_level,
       skills = EXCLUDED.skills, updated_at = now()
     WHERE (job.company_id, job.title, job.description, job.location, job.city, job.state, job.job_type, job.salary_min,
            job.salary_max, job.remote, job.experience_level, job.skills)
       IS DISTINCT FROM (EXCLUDED.company_id, EXCLUDED.title, EXCLUDED.description, EXCLUDED.location, EXCLUDED.city,
            EXCLUDED.state, EXCLUDED.job_type, EXCLUDED.salary_min, EXCLUDED.salary_max, EXCLUDED.remote,
            EXCLUDED.experience_level, EXCLUDED.skills)
     RETURNING id, (xmax = 0) AS created, job_type::text, company_id`,
    [JSON.stringify(jobs), source],
  );
  return {
    created: written.filter((w) => w.created).map((w) => w.id),
    updated: written.filter((w) => !w.created).map((w) => w.id),
    tags: written.flatMap((w) => [`Job:${w.id}`, `Company:${w.company_id}`, ...jobListTags({ jobType: w.job_type, companyId: w.company_id })]),
  };
}
