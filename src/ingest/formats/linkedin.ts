import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { textFieldsProblem } from '../../domain/job-input';
import { FeedError, readCsv } from '../csv';
import { yearly } from '../salary';
import type { FeedRow } from '../types';

const WORK_TYPES: Record<string, string> = {
  FULL_TIME: 'FULL_TIME',
  PART_TIME: 'PART_TIME',
  CONTRACT: 'CONTRACT',
  TEMPORARY: 'TEMPORARY',
  INTERNSHIP: 'INTERNSHIP',
  VOLUNTEER: 'OTHER',
  OTHER: 'OTHER',
};
// LinkedIn's "Mid-Senior level" spans both: MID, and enrichment may still find SENIOR in the title.
const LEVELS: Record<string, string> = {
  Internship: 'INTERN',
  'Entry level': 'ENTRY',
  Associate: 'ENTRY',
  'Mid-Senior level': 'MID',
  Director: 'EXECUTIVE',
  Executive: 'EXECUTIVE',
};

async function groupBy(path: string, key: string, required: string[]) {
  const map = new Map<string, Record<string, string>[]>();
  if (!existsSync(path)) return map;
  for await (const { record } of readCsv(path, [key, ...required])) {
    const list = map.get(record[key]) ?? [];
    list.push(record);
    map.set(record[key], list);
  }
  return map;
}

/** "Austin, TX" → city and state; anything else ("United States", "Greater Boston") is kept whole. */
function splitLocation(location: string): { city: string | null; state: string | null } {
  const m = /^(.+),\s*([A-Z]{2})$/.exec(location.trim());
  return m ? { city: m[1].trim(), state: m[2] } : { city: null, state: null };
}

/**
 * The LinkedIn 2023 folder: job_postings.csv joined by job_id with salaries.csv (pay periods
 * made yearly; non-USD amounts left unknown), job_skills.csv + skills.csv and benefits.csv,
 * and by company_id with company_industries.csv. Postings have no description and companies
 * no name: the description is composed from the posting's facts and the company is named
 * "LinkedIn company <id>", keeping the id as its external reference.
 */
export async function* linkedin(dir: string): AsyncGenerator<FeedRow> {
  const postings = join(dir, 'job_postings.csv');
  if (!existsSync(postings)) throw new FeedError(`${dir} is not a LinkedIn feed folder: job_postings.csv is missing`);
  const salaries = await groupBy(join(dir, 'salaries.csv'), 'job_id', ['min_salary', 'med_salary', 'max_salary', 'pay_period', 'currency']);
  const skillNames = new Map([...(await groupBy(join(dir, 'skills.csv'), 'skill_abr', ['skill_name']))].map(([k, v]) => [k, v[0].skill_name]));
  const jobSkills = await groupBy(join(dir, 'job_skills.csv'), 'job_id', ['skill_abr']);
  const benefits = await groupBy(join(dir, 'benefits.csv'), 'job_id', ['type']);
  const industries = await groupBy(join(dir, 'company_industries.csv'), 'company_id', ['industry']);

  for await (const { line, record: r } of readCsv(postings, [
    'job_id',
    'company_id',
    'title',
    'location',
    'remote_allowed',
    'formatted_experience_level',
    'work_type',
  ])) {
    const jobType = WORK_TYPES[r.work_type?.trim().toUpperCase()];
    if (!jobType) {
      yield { line, reason: `unknown work_type ${JSON.stringify(r.work_type)}`, record: r };
      continue;
    }
    const companyId = r.company_id?.trim().replace(/\.0$/, '');
    if (!companyId) {
      yield { line, reason: 'no company_id', record: r };
      continue;
    }
    // Ids become the company's name and the posting's key: digits only, like every real one.
    const badId = !/^\d{1,20}$/.test(companyId) ? 'company_id' : !/^\d{1,20}$/.test(r.job_id ?? '') ? 'job_id' : null;
    const industry = industries.get(companyId)?.[0].industry ?? null;
    const problem = badId
      ? `${badId} must be a number, got ${JSON.stringify((badId === 'job_id' ? r.job_id : companyId)?.slice(0, 40))}`
      : textFieldsProblem({ industry });
    if (problem) {
      yield { line, reason: problem, record: r };
      continue;
    }
    const salary = salaries.get(r.job_id)?.[0];
    const usd = salary && (salary.currency || 'USD') === 'USD';
    const pay = (v?: string) => (usd ? yearly(v, salary.pay_period) : null);
    const min = pay(salary?.min_salary) ?? pay(salary?.med_salary);
    const max = pay(salary?.max_salary) ?? pay(salary?.med_salary);
    const skills = (jobSkills.get(r.job_id) ?? []).map((s) => skillNames.get(s.skill_abr) ?? s.skill_abr);
    const perks = (benefits.get(r.job_id) ?? []).map((b) => b.type);
    const company = `LinkedIn company ${companyId}`;
    const location = r.location?.trim() ?? '';
    const level = r.formatted_experience_level?.trim();
    const facts = [
      `${r.title?.trim()} at ${company}, ${location || 'location not given'}.`,
      r.formatted_work_type ? `${r.formatted_work_type}${level ? `, ${level}` : ''}.` : '',
      skills.length ? `Areas: ${skills.join(', ')}.` : '',
      perks.length ? `Benefits: ${perks.join(', ')}.` : '',
    ];
    yield {
      line,
      candidate: {
        externalId: r.job_id,
        company: { name: company, externalRef: `linkedin:${companyId}`, industry },
        title: r.title ?? '',
        description: facts.filter(Boolean).join(' '),
        location,
        ...splitLocation(location),
        jobType,
        salaryMin: min,
        salaryMax: max,
        // Unflagged is not "on site": the text may still say remote.
        remote: r.remote_allowed === '1' || r.remote_allowed === '1.0' ? true : null,
        levelHint: level && Object.hasOwn(LEVELS, level) ? LEVELS[level] : null,
        skills,
      },
    };
  }
}
