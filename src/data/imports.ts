import type { RawSql } from '../db/database';
import type { JobKey } from '../domain/changes';
import type { CreateJobData } from '../domain/job-input';
import { Prisma } from '../generated/prisma/client';
import type { Intent } from './invalidations';
import type { Owe } from './writes';

// Imports write through the raw driver's transactions (db.raw.transaction: retried on deadlock,
// one connection for a whole batch), with statements built like every other data function's.
type Tx = Pick<RawSql, 'query'>;
const run = <T>(tx: Tx, sql: Prisma.Sql) => tx.query<T>(sql.text, sql.values);

/** A posting ready to be written: validated, enriched, with its company by id or by name. */
export interface BatchRow {
  externalId: string;
  company: { id?: number; name?: string; externalRef?: string | null; industry?: string | null; rating?: number | null };
  job: CreateJobData;
  createdAt: Date | null;
}

/** Which of these company ids exist. */
export async function existingCompanyIds(db: Tx, ids: number[]): Promise<Set<number>> {
  return new Set((await run<{ id: number }>(db, Prisma.sql`SELECT id FROM company WHERE id = ANY(${ids}::int[])`)).map((r) => r.id));
}

/**
 * Upserts a batch of validated postings and their companies, in the caller's transaction.
 * Returns the jobs created and updated; jobs already as given are left alone.
 */
async function writeBatch(
  tx: Tx,
  source: string,
  batch: BatchRow[],
): Promise<{ created: number[]; updated: number[]; jobs: JobKey[]; companiesUpdated: number }> {
  // Companies by name: created when new, their industry and rating filled in when the feed has them.
  const byName = new Map<string, BatchRow['company']>();
  for (const r of batch) if (r.company.id == null && !byName.has(r.company.name!)) byName.set(r.company.name!, r.company);
  const companyIds = new Map<string, number>();
  let companiesUpdated = 0;
  if (byName.size) {
    // In name order, as every batch does: two imports locking the same companies then queue
    // instead of deadlocking.
    const companies = [...byName.values()]
      .sort((x, y) => (x.name! < y.name! ? -1 : 1))
      .map((c) => ({ name: c.name, external_ref: c.externalRef ?? null, industry: c.industry ?? null, rating: c.rating ?? null }));
    const upserted = await run<{ updated: boolean }>(
      tx,
      Prisma.sql`INSERT INTO company (name, external_ref, industry, rating)
       SELECT name, external_ref, industry, rating FROM jsonb_to_recordset(${JSON.stringify(companies)}::jsonb) AS x(name text, external_ref text, industry text, rating float8)
       ON CONFLICT (name) DO UPDATE SET
         industry = coalesce(EXCLUDED.industry, company.industry), rating = coalesce(EXCLUDED.rating, company.rating),
         external_ref = coalesce(company.external_ref, EXCLUDED.external_ref), updated_at = now()
       WHERE (company.industry, company.rating, company.external_ref) IS DISTINCT FROM
             (coalesce(EXCLUDED.industry, company.industry), coalesce(EXCLUDED.rating, company.rating), coalesce(company.external_ref, EXCLUDED.external_ref))
       RETURNING (xmax <> 0) AS updated`,
    );
    companiesUpdated = upserted.filter((c) => c.updated).length;
    for (const r of await run<{ id: number; name: string }>(tx, Prisma.sql`SELECT id, name FROM company WHERE name = ANY(${[...byName.keys()]}::text[])`)) {
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
  const written = await run<{ id: number; created: boolean; jobType: string; companyId: number }>(
    tx,
    Prisma.sql`INSERT INTO job (source, external_id, company_id, title, description, location, city, state, job_type, salary_min, salary_max,
                      remote, experience_level, skills, created_at)
     SELECT ${source}, external_id, company_id, title, description, location, city, state, job_type, salary_min, salary_max,
            remote, experience_level, skills, coalesce(created_at, now())
     FROM jsonb_to_recordset(${JSON.stringify(jobs)}::jsonb) AS x(external_id text, company_id int, title text, description text, location text,
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
     RETURNING id, (xmax = 0) AS created, job_type::text AS "jobType", company_id AS "companyId"`,
  );
  return {
    created: written.filter((w) => w.created).map((w) => w.id),
    updated: written.filter((w) => !w.created).map((w) => w.id),
    jobs: written.map(({ id, jobType, companyId }) => ({ id, jobType, companyId })),
    companiesUpdated,
  };
}

class DryRunRollback extends Error {}

/**
 * One batch of an import in its own transaction (retried on deadlock), committed, or rolled
 * back on purpose for a dry run (`committed: false`, with what it would have written). With
 * `owe`, a batch that changed jobs records the cache invalidation it owes.
 */
export async function writeImportBatch(
  raw: RawSql,
  source: string,
  batch: BatchRow[],
  options: { dryRun?: boolean; owe?: Owe },
): Promise<{ created: number[]; updated: number[]; jobs: JobKey[]; companiesUpdated: number; intent?: Intent; committed: boolean }> {
  let rehearsed: Awaited<ReturnType<typeof writeBatch>> | undefined;
  try {
    return await raw.transaction(async (tx) => {
      const written = await writeBatch(tx, source, batch);
      if (options.dryRun) {
        rehearsed = written;
        throw new DryRunRollback();
      }
      const changed = written.created.length + written.updated.length + written.companiesUpdated > 0;
      return { ...written, intent: changed ? await options.owe?.(tx) : undefined, committed: true };
    });
  } catch (err) {
    if (err instanceof DryRunRollback && rehearsed) return { ...rehearsed, committed: false };
    throw err;
  }
}
