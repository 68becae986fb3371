import type { Job } from '../generated/prisma/client';

/**
 * Job columns under the names Prisma gives them, so raw-SQL rows and Prisma rows share a type.
 * Lists leave out the description, the one wide column: a page of 50 jobs with 5 similar jobs
 * each would otherwise carry 300 descriptions to show titles (Job.description loads it when
 * asked for, in one batch).
 */
export const JOB_COLUMNS = `j.id, j.title, j.company_id AS "companyId", j.company_name AS "companyName",
  j.location, j.city, j.state, j.job_type::text AS "jobType", j.salary_min AS "salaryMin", j.salary_max AS "salaryMax",
  j.remote, j.experience_level::text AS "experienceLevel", j.skills, j.is_active AS "isActive", j.source,
  j.external_id AS "externalId", j.created_at AS "createdAt", j.updated_at AS "updatedAt"`;

export type JobRow = Omit<Job, 'description'> & { description?: string };
