import type { Job } from '../generated/prisma/client';

/** Job columns under the names Prisma gives them, so raw-SQL rows and Prisma rows share a type. */
export const JOB_COLUMNS = `j.id, j.title, j.description, j.company_id AS "companyId", j.company_name AS "companyName",
  j.location, j.city, j.state, j.job_type::text AS "jobType", j.salary_min AS "salaryMin", j.salary_max AS "salaryMax",
  j.remote, j.experience_level::text AS "experienceLevel", j.skills, j.is_active AS "isActive", j.source,
  j.external_id AS "externalId", j.created_at AS "createdAt", j.updated_at AS "updatedAt"`;

export type JobRow = Job;
