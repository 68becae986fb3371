import type { ServerResponse } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { stringify } from 'csv-stringify/sync';
import type { Viewer } from '../../auth/viewer';
import type { Config } from '../../config';

/**
 * CSV downloads for spreadsheets: `GET /export/<name>.csv?<filter>` (ANALYST or ADMIN). Each
 * export is a GraphQL query run through the gateway itself, with the caller's token: the same
 * filter validation, limits, rate limit and response cache as the API, and nothing to keep in
 * step. Job and company lists are streamed page by page (keyset cursors), up to EXPORT_MAX_ROWS.
 */

type Row = Record<string, unknown>;
interface Connection<T = Row> {
  totalCount?: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: { node: T }[];
}
interface Export {
  /** A query over `$f: JobFilter` (and `$top`, `$days`, `$orderBy`, `$search`, `$after`). */
  query: string;
  columns: string[];
  rows: (data: Row) => Row[];
  /** Lists: where the page's connection is, to follow `endCursor`. */
  connection?: (data: Row) => Connection;
  params: readonly string[];
}

const FILTER_PARAMS = [
  'search',
  'understandSearch',
  'location',
  'jobType',
  'experienceLevel',
  'salaryMin',
  'salaryMax',
  'remote',
  'companyId',
  'postedAfter',
  'postedBefore',
  'includeClosed',
] as const;
const PARAM_TYPES: Record<string, 'int' | 'boolean' | 'string' | 'list'> = {
  salaryMin: 'int',
  salaryMax: 'int',
  remote: 'boolean',
  understandSearch: 'boolean',
  includeClosed: 'boolean',
  experienceLevel: 'list',
  top: 'int',
  days: 'int',
};
const PAGE = 100;
/** The GraphQL type of an export's own parameter, where it is not Int. */
const EXTRA_TYPES: Record<string, string> = { appliedAfter: 'DateTime', appliedBefore: 'DateTime' };

const figure = (selection: string, columns: string[], rows: (s: Row) => Row[], extra: string[] = []): Export => ({
  query: `query Export($f: JobFilter${extra.map((p) => `, $${p}: ${EXTRA_TYPES[p] ?? 'Int'}`).join('')}) { jobStats(filter: $f) { ${selection} } }`,
  columns,
  rows: (data) => rows(data.jobStats as Row),
  params: [...FILTER_PARAMS, ...extra],
});
const buckets = (field: string, args = '', extra: string[] = []) => figure(`${field}${args} { key count }`, ['key', 'count'], (s) => s[field] as Row[], extra);
const PERCENTILES = 'p10 p25 p50 p75 p90 sampleSize';
const percentileColumns = ['p10', 'p25', 'p50', 'p75', 'p90', 'sampleSize'];
const salaryGroups = (field: string, args = '', extra: string[] = []) =>
  figure(
    `${field}${args} { key percentiles { ${PERCENTILES} } }`,
    ['key', ...percentileColumns],
    (s) => (s[field] as { key: string; percentiles: Row }[]).map((g) => ({ key: g.key, ...g.percentiles })),
    extra,
  );
const perDay = (field: string) => figure(`${field}(days: $days) { day count }`, ['day', 'count'], (s) => s[field] as Row[], ['days']);

export const EXPORTS: Record<string, Export> = {
  jobs: {
    query: `query Export($f: JobFilter, $orderBy: JobOrder, $after: String) { jobs(filter: $f, orderBy: $orderBy, first: ${PAGE}, after: $after) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { node { id title company { name } location jobType experienceLevel remote salaryMin salaryMax skills createdAt applicationCount } } } }`,
    columns: ['id', 'title', 'company', 'location', 'jobType', 'experienceLevel', 'remote', 'salaryMin', 'salaryMax', 'skills', 'postedAt', 'applications'],
    rows: (data) =>
      (data.jobs as Connection<Row & { company: { name: string }; createdAt: string; applicationCount: number }>).edges.map(({ node: j }) => ({
        ...j,
        company: j.company.name,
        postedAt: j.createdAt,
        applications: j.applicationCount,
      })),
    connection: (data) => data.jobs as Connection,
    params: [...FILTER_PARAMS, 'orderBy'],
  },
  companies: {
    query: `query Export($search: String, $after: String) { companies(search: $search, first: ${PAGE}, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { id name industry rating jobCount } } } }`,
    columns: ['id', 'name', 'industry', 'rating', 'jobCount'],
    rows: (data) => (data.companies as Connection).edges.map((e) => e.node),
    connection: (data) => data.companies as Connection,
    params: ['search'],
  },
  byJobType: buckets('byJobType'),
  byLocation: buckets('byLocation', '(top: $top)', ['top']),
  bySkill: buckets('bySkill', '(top: $top)', ['top']),
  byExperienceLevel: buckets('byExperienceLevel'),
  byRemote: buckets('byRemote'),
  byCompany: figure(
    'byCompany(top: $top) { company { id name } count medianSalary applicationCount }',
    ['companyId', 'company', 'count', 'medianSalary', 'applicationCount'],
    (s) => (s.byCompany as (Row & { company: { id: string; name: string } })[]).map((b) => ({ ...b, companyId: b.company.id, company: b.company.name })),
    ['top'],
  ),
  salaryPercentiles: figure(`salaryPercentiles { ${PERCENTILES} }`, percentileColumns, (s) => (s.salaryPercentiles ? [s.salaryPercentiles as Row] : [])),
  salaryByJobType: salaryGroups('salaryByJobType'),
  salaryByLocation: salaryGroups('salaryByLocation', '(top: $top)', ['top']),
  salaryByExperienceLevel: salaryGroups('salaryByExperienceLevel'),
  jobsPostedPerDay: perDay('jobsPostedPerDay'),
  applicationsPerDay: perDay('applicationsPerDay'),
  applicationFunnel: figure(
    'applicationFunnel(appliedAfter: $appliedAfter, appliedBefore: $appliedBefore) { steps { status reached medianHoursFromPrevious } }',
    ['status', 'reached', 'medianHoursFromPrevious'],
    (s) => (s.applicationFunnel as { steps: Row[] }).steps,
    ['appliedAfter', 'appliedBefore'],
  ),
};

class ExportError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const STATUS_OF: Record<string, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  BAD_USER_INPUT: 400,
  GRAPHQL_VALIDATION_FAILED: 400,
  QUERY_TOO_COMPLEX: 400,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
};

/** The GraphQL variables a query string spells, or the reason it spells none. */
function variablesOf(url: URL, spec: Export): Record<string, unknown> {
  const filter: Row = {};
  const vars: Row = {};
  for (const [name, raw] of url.searchParams) {
    if (!spec.params.includes(name)) {
      throw new ExportError(400, 'BAD_USER_INPUT', `unknown parameter "${name.slice(0, 40)}"; this export takes: ${spec.params.join(', ') || 'none'}`);
    }
    let value: unknown = raw;
    if (PARAM_TYPES[name] === 'int') {
      if (!/^-?\d{1,10}$/.test(raw)) throw new ExportError(400, 'BAD_USER_INPUT', `"${name}" must be an integer`);
      value = Number(raw);
    } else if (PARAM_TYPES[name] === 'boolean') {
      if (raw !== 'true' && raw !== 'false') throw new ExportError(400, 'BAD_USER_INPUT', `"${name}" must be true or false`);
      value = raw === 'true';
    } else if (PARAM_TYPES[name] === 'list') {
      // Comma-separated, as a link spells a list: experienceLevel=SENIOR,LEAD.
      value = raw.split(',').map((v) => v.trim());
    }
    if (spec.query.includes('$f: JobFilter') && (FILTER_PARAMS as readonly string[]).includes(name)) filter[name] = value;
    else vars[name] = value;
  }
  return { ...vars, f: filter };
}

// What a spreadsheet may take as the start of a formula: = + - @ and the full-width, small and
// mathematical forms some of them read the same way (＝ ﹦ ＋ ﹢ － ﹣ − ＠ ﹫), found after any
// leading whitespace, control or invisible format characters (spaces, tab, CR, LF, NBSP,
// zero-width space, BOM), which spreadsheets skip when they parse a cell.
const FORMULA = /^[\p{White_Space}\p{Cc}\p{Cf}]*[=+\-@\uFF1D\uFE66\uFF0B\uFE62\uFF0D\uFE63\u2212\uFF20\uFE6B]/u;

/**
 * Refuses what a spreadsheet would run as a formula (CSV injection): job titles and company
 * names come from public feeds. A text that could start one is prefixed with `'`, and so is
 * one that starts with a tab or CR (OWASP's rule: some spreadsheets drop them). Numbers are
 * numbers, never prefixed.
 */
export const cell = (value: unknown): unknown => (typeof value === 'string' && (FORMULA.test(value) || /^[\t\r]/.test(value)) ? `'${value}` : value);

function csv(rows: Row[], columns: string[], header: boolean): string {
  return stringify(
    rows.map((r) => columns.map((c) => cell(Array.isArray(r[c]) ? (r[c] as unknown[]).join('; ') : r[c]))),
    { header, columns, bom: header, cast: { boolean: (b) => String(b) } },
  );
}

export function useExport(
  /** Runs a query as the request's caller; a list's pages say how many rows they may return (their price, see RateLimiter). */
  run: (query: string, variables: Record<string, unknown>, request: Request, pageRows?: number) => Promise<Response>,
  viewerOf: (request: Request) => Viewer | null,
  config: Pick<Config, 'EXPORT_MAX_ROWS'>,
): Plugin {
  const page = async (request: Request, spec: Export, variables: Record<string, unknown>) => {
    const response = await run(spec.query, variables, request, spec.connection ? PAGE : undefined);
    const result = (await response.json()) as { data?: Row; errors?: { message: string; extensions?: { code?: string; retryAfter?: number } }[] };
    const error = result.errors?.[0];
    if (error) {
      const code = error.extensions?.code ?? 'INTERNAL_SERVER_ERROR';
      const retry = error.extensions?.retryAfter;
      throw new ExportError(
        STATUS_OF[code] ?? (response.status >= 400 ? response.status : 500),
        code,
        error.message,
        retry ? { 'retry-after': String(retry) } : {},
      );
    }
    if (!result.data) throw new ExportError(500, 'INTERNAL_SERVER_ERROR', 'the gateway answered neither data nor errors');
    return result.data;
  };

  return {
    // eslint-disable-next-line @typescript-eslint/unbound-method -- Envelop's hook arguments are meant to be destructured
    async onRequest({ request, url, endResponse, fetchAPI, serverContext }) {
      if (!url.pathname.startsWith('/export')) return;
      const json = (e: ExportError) =>
        new fetchAPI.Response(JSON.stringify({ errors: [{ message: e.message, extensions: { code: e.code } }] }), {
          status: e.status,
          headers: { 'content-type': 'application/json; charset=utf-8', ...e.headers },
        });
      const name = /^\/export\/(\w+)\.csv$/.exec(url.pathname)?.[1];
      const spec = name && Object.hasOwn(EXPORTS, name) ? EXPORTS[name] : undefined;
      try {
        if (request.method !== 'GET') throw new ExportError(405, 'METHOD_NOT_ALLOWED', 'exports are downloaded with GET');
        if (!spec)
          throw new ExportError(
            404,
            'NOT_FOUND',
            `no such export; there are: ${Object.keys(EXPORTS)
              .map((n) => `/export/${n}.csv`)
              .join(', ')}`,
          );
        let viewer: Viewer | null;
        try {
          viewer = viewerOf(request);
        } catch (refused) {
          throw new ExportError(401, 'UNAUTHENTICATED', (refused as Error).message);
        }
        if (!viewer) throw new ExportError(401, 'UNAUTHENTICATED', 'exports need an ANALYST or ADMIN token (Authorization: Bearer …)');
        if (viewer.role !== 'ANALYST' && viewer.role !== 'ADMIN') throw new ExportError(403, 'FORBIDDEN', 'exports are for ANALYST and ADMIN');
        const variables = variablesOf(url, spec);
        // The first page before any byte is sent: a refusal is still a status code and a JSON
        // error, not a half-written file.
        const first = await page(request, spec, variables);
        const connection = spec.connection?.(first);
        const total = connection?.totalCount ?? 0;
        if (total > config.EXPORT_MAX_ROWS) {
          throw new ExportError(400, 'EXPORT_TOO_LARGE', `${total} rows match; exports stop at ${config.EXPORT_MAX_ROWS} (EXPORT_MAX_ROWS): narrow the filter`);
        }
        const headers = {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="${name}-${new Date().toISOString().slice(0, 10)}.csv"`,
          'cache-control': 'private, no-store',
        };
        if (!connection) return endResponse(new fetchAPI.Response(csv(spec.rows(first), spec.columns, true), { headers }));
        // Its own budget paces a long export rather than failing it midway: wait and go on.
        const nextPage = async (after: string | null): Promise<Row> => {
          for (;;) {
            try {
              return await page(request, spec, { ...variables, after });
            } catch (err) {
              const retry = err instanceof ExportError && err.code === 'RATE_LIMITED' ? Number(err.headers['retry-after']) : NaN;
              if (!(retry > 0 && retry <= 60) || request.signal.aborted) throw err;
              // A client that leaves during the wait ends it, and the export with it.
              await new Promise<void>((resolve, reject) => {
                const timer = setTimeout(resolve, retry * 1000);
                request.signal.addEventListener('abort', () => (clearTimeout(timer), reject(err as Error)), { once: true });
              });
            }
          }
        };
        const encoder = new TextEncoder();
        let data: Row = first;
        let sent = 0;
        let header = true;
        const body = new fetchAPI.ReadableStream<Uint8Array>({
          async pull(controller) {
            try {
              const rows = spec.rows(data).slice(0, config.EXPORT_MAX_ROWS - sent);
              controller.enqueue(encoder.encode(csv(rows, spec.columns, header)));
              header = false;
              sent += rows.length;
              const info = spec.connection!(data).pageInfo;
              if (!info.hasNextPage || sent >= config.EXPORT_MAX_ROWS) return controller.close();
              data = await nextPage(info.endCursor);
            } catch (err) {
              // Breaks the download (no final chunk): a truncated file must not look complete.
              // Yoga's Node adapter leaves the response open when its body fails, so the client
              // would wait for ever: the connection is closed here.
              controller.error(err);
              (serverContext as { res?: ServerResponse }).res?.destroy();
            }
          },
        });
        return endResponse(new fetchAPI.Response(body, { headers }));
      } catch (err) {
        if (err instanceof ExportError) return endResponse(json(err));
        throw err;
      }
    },
  };
}
