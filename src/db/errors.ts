import { LIMITS } from '../domain/job-input';

/** Prisma's code for a unique-constraint violation, also when it comes from a driver adapter. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; meta?: { driverAdapterError?: { cause?: { originalCode?: string; kind?: string } } } };
  return (
    e?.code === 'P2002' ||
    e?.meta?.driverAdapterError?.cause?.originalCode === '23505' ||
    e?.meta?.driverAdapterError?.cause?.kind === 'UniqueConstraintViolation'
  );
}

export function isForeignKeyViolation(err: unknown): boolean {
  const e = err as { code?: string; meta?: { driverAdapterError?: { cause?: { originalCode?: string; kind?: string } } } };
  return (
    e?.code === 'P2003' ||
    e?.meta?.driverAdapterError?.cause?.originalCode === '23503' ||
    e?.meta?.driverAdapterError?.cause?.kind === 'ForeignKeyConstraintViolation'
  );
}

/** PostgreSQL rolled the whole transaction back (deadlock 40P01, serialization failure 40001): running it again is safe. */
export function isRolledBack(err: unknown): boolean {
  const e = err as { code?: string; meta?: { code?: string; driverAdapterError?: { cause?: { originalCode?: string } } } };
  const code = e?.meta?.driverAdapterError?.cause?.originalCode ?? e?.meta?.code ?? e?.code;
  return code === '40P01' || code === '40001';
}

/**
 * Runs `fn` again (twice at most) when PostgreSQL rolled it back for a deadlock or a
 * serialization failure: `fn` must be a whole transaction or a single statement.
 */
export async function retryRolledBack<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn();
    } catch (err) {
      if (attempt > 2 || !isRolledBack(err)) throw err;
    }
  }
}

/** A CHECK constraint refused the row (23514), from Prisma's driver adapter or a raw driver. */
export function isCheckViolation(err: unknown): boolean {
  const e = err as { code?: string; meta?: { driverAdapterError?: { cause?: { originalCode?: string } } } };
  return e?.code === '23514' || e?.meta?.driverAdapterError?.cause?.originalCode === '23514';
}

/**
 * The rows' invariants (CHECK constraints of prisma/migrations/20261129000000_row_invariants),
 * as the API words them: the field a client sends, and what it must be.
 */
export const ROW_RULES: Record<string, { field: string; rule: string }> = {
  job_title_check: { field: 'title', rule: `must be 1 to ${LIMITS.title} characters, without surrounding whitespace` },
  job_description_check: {
    field: 'description',
    rule: `must be 1 to ${LIMITS.description.toLocaleString('en-US')} characters, without surrounding whitespace`,
  },
  job_location_check: { field: 'location', rule: `must be 1 to ${LIMITS.location} characters, without surrounding whitespace` },
  job_city_check: { field: 'city', rule: `must be null or 1 to ${LIMITS.place} characters, without surrounding whitespace` },
  job_state_check: { field: 'state', rule: `must be null or 1 to ${LIMITS.place} characters, without surrounding whitespace` },
  job_salary_min_check: { field: 'salaryMin', rule: `must be null or from 0 to ${LIMITS.salary}` },
  job_salary_max_check: { field: 'salaryMax', rule: `must be null or from 0 to ${LIMITS.salary}` },
  job_salary_range_check: { field: 'salaryMin', rule: 'must not be greater than `salaryMax`' },
  job_skills_check: { field: 'skills', rule: `must be at most ${LIMITS.skills} skills of 1 to ${LIMITS.skill} characters` },
  company_name_check: { field: 'companyName', rule: `must be 1 to ${LIMITS.title} characters, without surrounding whitespace` },
  company_rating_check: { field: 'rating', rule: 'must be null or from 1 to 5' },
};

/** Which invariant a write broke (the constraint, and its rule when it is one of ROW_RULES). */
export function brokenRule(err: unknown): { constraint: string; field?: string; rule?: string } | null {
  if (!isCheckViolation(err)) return null;
  const e = err as { constraint?: string; meta?: { driverAdapterError?: { cause?: { originalMessage?: string } } } };
  // The adapter keeps only the message: `new row for relation "job" violates check constraint "job_title_check"`.
  const constraint = e.constraint ?? /check constraint "([^"]+)"/.exec(e.meta?.driverAdapterError?.cause?.originalMessage ?? '')?.[1] ?? 'unknown';
  return { constraint, ...ROW_RULES[constraint] };
}
