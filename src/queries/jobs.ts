import { badInput, checkRange, parseId } from '../errors';
import { JOB_COLUMNS } from './columns';
import { decodeCursor, encodeCursor, type CursorKey } from './cursor';

export interface JobFilterInput {
  search?: string | null;
  location?: string | null;
  jobType?: string | null;
  salaryMin?: number | null;
  salaryMax?: number | null;
  remote?: boolean | null;
  companyId?: string | number | null;
}

export type JobOrder = 'NEWEST' | 'RELEVANCE' | 'SALARY_DESC';

export const MAX_PAGE = 100;
const MAX_SALARY = 10_000_000;

/** Collects positional parameters while SQL text is assembled. */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/**
 * WHERE conditions for a job filter (active jobs only). The salary rule: a job matches a
 * wanted range when its own range overlaps it; a job with only one bound is the range
 * [bound, bound]; a job without salary never matches a salary filter.
 */
export function filterConditions(filter: JobFilterInput | null | undefined, p: Params): string[] {
  const where = ['j.is_active'];
  if (!filter) return where;
  const search = filter.search?.trim();
  if (search) {
    if (search.length > 200) throw badInput('`filter.search` is limited to 200 characters', 'filter.search');
    where.push(`j.search_vector @@ websearch_to_tsquery('english', ${p.add(search)})`);
  }
  const location = filter.location?.trim().toLowerCase();
  if (location) {
    if (location.length > 100) throw badInput('`filter.location` is limited to 100 characters', 'filter.location');
    const prefix = p.add(`${location.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    const exact = p.add(location);
    where.push(`(lower(j.location) LIKE ${prefix} OR lower(j.city) = ${exact} OR lower(j.state) = ${exact})`);
  }
  if (filter.jobType) where.push(`j.job_type = ${p.add(filter.jobType)}::"JobType"`);
  if (filter.remote != null) where.push(`j.remote = ${p.add(filter.remote)}`);
  if (filter.companyId != null) where.push(`j.company_id = ${p.add(parseId(filter.companyId, 'filter.companyId'))}`);
  const { salaryMin, salaryMax } = filter;
  if (salaryMin != null) checkRange(salaryMin, 0, MAX_SALARY, 'filter.salaryMin');
  if (salaryMax != null) checkRange(salaryMax, 0, MAX_SALARY, 'filter.salaryMax');
  if (salaryMin != null && salaryMax != null && salaryMin > salaryMax) {
    throw badInput(`\`filter.salaryMin\` (${salaryMin}) is greater than \`filter.salaryMax\` (${salaryMax})`, 'filter.salaryMin');
  }
  if (salaryMin != null) where.push(`coalesce(j.salary_max, j.salary_min) >= ${p.add(salaryMin)}`);
  if (salaryMax != null) where.push(`coalesce(j.salary_min, j.salary_max) <= ${p.add(salaryMax)}`);
  return where;
}

interface OrderSpec {
  /** Expressions of the sort key, all descending; the last is always the id. */
  key: string[];
  cast: string[];
  fromRow: (row: Record<string, unknown>) => CursorKey;
}

function orderSpec(order: JobOrder, p: Params, search: string | undefined): { name: string; spec: OrderSpec } {
  if (order === 'RELEVANCE' && search) {
    return {
      name: 'RELEVANCE',
      spec: {
        key: [`ts_rank(j.search_vector, websearch_to_tsquery('english', ${p.add(search)}))::float8`, 'j.id'],
        cast: ['float8', 'int'],
        fromRow: (r) => [r._sort as number, r.id as number],
      },
    };
  }
  if (order === 'SALARY_DESC') {
    return {
      name: 'SALARY_DESC',
      spec: { key: ['coalesce(j.salary_max, -1)', 'j.id'], cast: ['int', 'int'], fromRow: (r) => [r._sort as number, r.id as number] },
    };
  }
  // RELEVANCE without a search has nothing to rank by: newest first.
  return {
    name: 'NEWEST',
    spec: {
      key: ['j.created_at', 'j.id'],
      cast: ['timestamptz', 'int'],
      fromRow: (r) => [(r._sort as Date).toISOString(), r.id as number],
    },
  };
}

export interface JobPageQuery {
  sql: string;
  params: unknown[];
  countSql: string;
  countParams: unknown[];
  first: number;
  cursorOf: (row: Record<string, unknown>) => string;
}

/** One statement for a page of jobs (first + 1 rows, to know if there is a next page). */
export function jobPageQuery(args: { filter?: JobFilterInput | null; orderBy?: JobOrder | null; first?: number | null; after?: string | null }): JobPageQuery {
  const first = checkRange(args.first ?? 20, 1, MAX_PAGE, 'first');
  const p = new Params();
  const where = filterConditions(args.filter, p);
  const countParams = [...p.values];
  const countSql = `SELECT count(*)::int AS n FROM job j WHERE ${where.join(' AND ')}`;
  const { name, spec } = orderSpec(args.orderBy ?? 'NEWEST', p, args.filter?.search?.trim() || undefined);
  const keyed = [...where];
  if (args.after != null) {
    const key = decodeCursor(args.after, name);
    if (key.length !== spec.key.length) throw badInput('`after` is not a cursor this API returned', 'after');
    const placeholders = key.map((v, i) => `${p.add(v)}::${spec.cast[i]}`);
    keyed.push(`(${spec.key.join(', ')}) < (${placeholders.join(', ')})`);
  }
  const sql = `SELECT ${JOB_COLUMNS}, ${spec.key[0]} AS _sort FROM job j
    WHERE ${keyed.join(' AND ')}
    ORDER BY ${spec.key.map((k) => `${k} DESC`).join(', ')}
    LIMIT ${first + 1}`;
  return { sql, params: p.values, countSql, countParams, first, cursorOf: (row) => encodeCursor(name, spec.fromRow(row)) };
}
