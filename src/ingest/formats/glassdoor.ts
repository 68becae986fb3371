import { readCsv } from '../csv';
import { yearly } from '../salary';
import { textFieldsProblem } from '../../domain/job-input';
import type { FeedRow } from '../types';
import { postedAt } from './jsonl';

const JOB_TYPES: Record<string, string> = {
  FULL_TIME: 'FULL_TIME',
  PART_TIME: 'PART_TIME',
  CONTRACTOR: 'CONTRACT',
  INTERN: 'INTERNSHIP',
  TEMPORARY: 'TEMPORARY',
  OTHER: 'OTHER',
};
const COLUMNS = ['Job_title', 'Company', 'State', 'City', 'Min_Salary', 'Max_Salary', 'Job_Desc', 'Industry', 'Rating', 'Date_Posted', 'Job_Type'];

/**
 * The Glassdoor 2020 CSV: yearly USD salaries with -1 for "not given"; no posting id, so the
 * importer derives one from the content (repeats of a posting become one job).
 */
export async function* glassdoor(path: string): AsyncGenerator<FeedRow> {
  for await (const { line, record: r } of readCsv(path, COLUMNS)) {
    const jobType = JOB_TYPES[r.Job_Type?.trim().toUpperCase()];
    if (!jobType) {
      yield { line, reason: `unknown Job_Type ${JSON.stringify(r.Job_Type)}`, record: r };
      continue;
    }
    const posted = postedAt(r.Date_Posted?.trim(), 'Date_Posted');
    const problem = 'reason' in posted ? posted.reason : textFieldsProblem({ Company: r.Company, Industry: r.Industry });
    if (problem) {
      yield { line, reason: problem, record: r };
      continue;
    }
    const city = r.City?.trim() || null;
    const state = r.State?.trim() || null;
    const rating = Number(r.Rating);
    yield {
      line,
      candidate: {
        company: { name: r.Company?.trim() ?? '', industry: r.Industry?.trim() || null, rating: rating >= 1 && rating <= 5 ? rating : null },
        title: r.Job_title ?? '',
        description: r.Job_Desc ?? '',
        location: [city, state].filter(Boolean).join(', '),
        city,
        state,
        jobType,
        salaryMin: yearly(r.Min_Salary),
        salaryMax: yearly(r.Max_Salary),
        createdAt: 'date' in posted ? posted.date : null,
      },
    };
  }
}
