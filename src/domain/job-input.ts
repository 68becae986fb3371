import { z } from 'zod';
import { InvalidInput } from './errors';
import { ExperienceLevel, JobType } from '../generated/prisma/enums';

export const LIMITS = { title: 200, description: 20_000, location: 200, place: 100, skills: 50, skill: 60, salary: 10_000_000 };

// Printable text only: control characters (other than line breaks and tabs in descriptions)
// are never legitimate in a posting, a search or an id and break feeds and terminals
// downstream; PostgreSQL refuses NUL, and its json an unpaired surrogate. The one rule for
// every text we take in: arguments (schema/builder.ts), mutation inputs (below) and imported
// postings (ingest/formats).
const CONTROL = /\p{Cc}/u;
const CONTROL_BUT_BREAKS = /(?![\t\n\r])\p{Cc}/u;
const UNPAIRED_SURROGATE = /\p{Cs}/u;

/** Why `s` is not acceptable text, or null. */
export function textProblem(s: string, multiline = false): string | null {
  if ((multiline ? CONTROL_BUT_BREAKS : CONTROL).test(s)) return 'must not contain control characters';
  if (UNPAIRED_SURROGATE.test(s)) return 'must be well-formed Unicode (it has an unpaired surrogate)';
  return null;
}

/** Only descriptions are multi-line text. */
export const isMultiline = (field: string) => field === 'description';

/** The first of `fields` that is not acceptable text, as a reject reason; null when all are. */
export function textFieldsProblem(fields: Record<string, unknown>): string | null {
  for (const [name, value] of Object.entries(fields)) {
    const problem = typeof value === 'string' ? textProblem(value, isMultiline(name)) : null;
    if (problem) return `${name} ${problem}`;
  }
  return null;
}

const text = (max: number, multiline = false) =>
  z
    .string()
    .transform((s) => s.trim())
    .pipe(
      z
        .string()
        .min(1, 'must not be empty')
        .max(max, `must be at most ${max} characters`)
        .superRefine((s, ctx) => {
          const problem = textProblem(s, multiline);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        }),
    );
const salary = z.number().int('must be a whole number').min(0, 'must not be negative').max(LIMITS.salary, `must be at most ${LIMITS.salary}`);

const fields = {
  title: text(LIMITS.title),
  description: text(LIMITS.description, true),
  location: text(LIMITS.location),
  city: text(LIMITS.place).nullable(),
  state: text(LIMITS.place).nullable(),
  jobType: z.enum(Object.values(JobType) as [JobType, ...JobType[]]),
  salaryMin: salary.nullable(),
  salaryMax: salary.nullable(),
  remote: z.boolean(),
  experienceLevel: z.enum(Object.values(ExperienceLevel) as [ExperienceLevel, ...ExperienceLevel[]]).nullable(),
  skills: z
    .array(text(LIMITS.skill))
    .max(LIMITS.skills, `at most ${LIMITS.skills} skills`)
    // Same skill in other case or spacing once only, first spelling kept.
    .transform((xs) => xs.filter((x, i) => xs.findIndex((y) => y.toLowerCase() === x.toLowerCase()) === i)),
};

export const CreateJob = z.object({
  ...fields,
  city: fields.city.optional().default(null),
  state: fields.state.optional().default(null),
  salaryMin: fields.salaryMin.optional().default(null),
  salaryMax: fields.salaryMax.optional().default(null),
  remote: fields.remote.optional().default(false),
  experienceLevel: fields.experienceLevel.optional().default(null),
  skills: fields.skills.optional().default([]),
});
export type CreateJobData = z.infer<typeof CreateJob>;

export const UpdateJob = z.object(fields).partial();
export type UpdateJobData = z.infer<typeof UpdateJob>;

/** Validates with `schema`, turning the first problem into BAD_USER_INPUT naming the field. */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown, argument: string): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = [argument, ...issue.path].join('.');
    throw new InvalidInput(`\`${field}\` ${issue.message}`, field);
  }
  return parsed.data;
}

/** The one salary-range rule (also a CHECK constraint): a range's minimum is not above its maximum. */
export const salaryOutOfOrder = (min: number | null | undefined, max: number | null | undefined): boolean => min != null && max != null && min > max;

/** BAD_USER_INPUT when `argument`'s salary range is out of order. */
export function checkSalaryOrder(min: number | null | undefined, max: number | null | undefined, argument: string) {
  if (salaryOutOfOrder(min, max))
    throw new InvalidInput(`\`${argument}.salaryMin\` (${min}) is greater than \`${argument}.salaryMax\` (${max})`, `${argument}.salaryMin`);
}
