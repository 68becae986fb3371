import { z } from 'zod';
import { badInput } from '../errors';
import { ExperienceLevel, JobType } from '../generated/prisma/enums';

export const LIMITS = { title: 200, description: 20_000, location: 200, place: 100, skills: 50, skill: 60, salary: 10_000_000 };

// Printable text only: control characters (other than line breaks and tabs in descriptions)
// are never legitimate in a posting and break feeds and terminals downstream.
const text = (max: number, multiline = false) =>
  z
    .string()
    .transform((s) => s.trim())
    .pipe(
      z
        .string()
        .min(1, 'must not be empty')
        .max(max, `must be at most ${max} characters`)
        .refine((s) => !(multiline ? /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/ : /[\u0000-\u001f\u007f]/).test(s), 'must not contain control characters'),
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
    throw badInput(`\`${field}\` ${issue.message}`, field);
  }
  return parsed.data;
}

export function checkSalaryOrder(min: number | null | undefined, max: number | null | undefined, argument: string) {
  if (min != null && max != null && min > max) throw badInput(`\`${argument}.salaryMin\` (${min}) is greater than \`${argument}.salaryMax\` (${max})`, `${argument}.salaryMin`);
}
