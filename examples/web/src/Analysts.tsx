// Observable Plot draws the charts. Chosen over uPlot and ECharts for fit and size: it draws SVG
// (one element per mark, so the page is accessible, prints, and a test can count the marks),
// has the marks these figures need (line, bar, rule and tick for percentile boxes, text) in a
// few lines each, and costs about 90 kB gzipped with the parts of d3 it uses (this page's chunk:
// examples/web/README.md). uPlot is smaller (about 20 kB) but draws time series on a canvas, with
// no band axes for job types, levels, companies or funnel steps; ECharts draws everything but its
// full build is about 1 MB minified, and even one cut to these chart types is larger than Plot.
// This module is only loaded by React.lazy (App.tsx): none of it is in the first screen's bundle.
import * as Plot from '@observablehq/plot';
import { useEffect, useMemo, useRef, useState } from 'react';
import { AnalystChartsDocument, type AnalystChartsQuery, type ExperienceLevel, type JobFilter, type JobType } from '../../../client/generated/graphql';
import { explain, GATEWAY_URL, request } from './gateway';
import { Figures, useLastRequest } from './RequestLog';

type Stats = AnalystChartsQuery['jobStats'];

const DAYS = 60;
const TOP = 10;
const JOB_TYPES: JobType[] = ['FULL_TIME', 'PART_TIME', 'CONTRACT', 'TEMPORARY', 'INTERNSHIP', 'OTHER'];
const LEVELS: ExperienceLevel[] = ['INTERN', 'ENTRY', 'MID', 'SENIOR', 'LEAD', 'EXECUTIVE'];

/** What the filter control can say: each field empty for "any". */
export interface ChartFilter {
  jobType: JobType | '';
  remote: '' | 'true' | 'false';
  experienceLevel: ExperienceLevel | '';
  /** History: jobs closed since count too (ANALYST and ADMIN only, as this page is). */
  includeClosed: boolean;
}

const toJobFilter = (f: ChartFilter): JobFilter => ({
  ...(f.jobType ? { jobType: f.jobType } : {}),
  ...(f.remote ? { remote: f.remote === 'true' } : {}),
  ...(f.experienceLevel ? { experienceLevel: [f.experienceLevel] } : {}),
  ...(f.includeClosed ? { includeClosed: true } : {}),
});

/** The same filter as the export's query string (docs/API.md, "CSV for spreadsheets"), so a CSV holds what its chart shows. */
function exportUrl(name: string, f: ChartFilter, extra: Record<string, string> = {}): string {
  const url = new URL(`/export/${name}.csv`, GATEWAY_URL);
  const params = { jobType: f.jobType, remote: f.remote, experienceLevel: f.experienceLevel, includeClosed: f.includeClosed ? 'true' : '', ...extra };
  for (const [k, v] of Object.entries(params)) if (v) url.searchParams.set(k, v);
  return url.toString();
}

/**
 * A CSV download beside a chart. A plain link cannot send the token (exports want it in the
 * Authorization header, never in the address where logs would keep it), so the file is fetched
 * and handed to the browser as a download.
 */
function CsvLink({ name, filter, token, extra }: { name: string; filter: ChartFilter; token: string; extra?: Record<string, string> }) {
  const [error, setError] = useState<string | null>(null);
  const href = exportUrl(name, filter, extra);
  return (
    <span className="csv">
      <a
        href={href}
        data-testid={`csv-${name}`}
        onClick={(e) => {
          e.preventDefault();
          setError(null);
          fetch(href, { headers: { authorization: `Bearer ${token}` }, credentials: 'omit' })
            .then(async (r) => {
              if (!r.ok) throw new Error(`HTTP ${r.status}`);
              const blob = URL.createObjectURL(await r.blob());
              const a = Object.assign(document.createElement('a'), { href: blob, download: `${name}.csv` });
              a.click();
              // After the click has started the download.
              setTimeout(() => URL.revokeObjectURL(blob), 10_000);
            })
            .catch((err: unknown) => setError(`CSV refused: ${(err as Error).message}`));
        }}
      >
        CSV
      </a>
      {error && <small className="error"> {error}</small>}
    </span>
  );
}

/**
 * One Plot chart, drawn again whenever its figures change. `data-drawn` names the filter of the
 * figures on screen once they are drawn, for whoever waits for a redraw (the browser test).
 */
function Chart({
  id,
  title,
  plot,
  drawn,
  children,
}: {
  id: string;
  title: string;
  plot: () => SVGSVGElement | HTMLElement;
  drawn: string;
  children?: React.ReactNode;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [drawnFor, setDrawnFor] = useState<string | null>(null);
  useEffect(() => {
    const chart = plot();
    ref.current?.replaceChildren(chart);
    setDrawnFor(drawn);
    return () => chart.remove();
  }, [plot, drawn]);
  return (
    <section className="chart" data-testid={`chart-${id}`} data-drawn={drawnFor ?? undefined}>
      <h3>
        {title} {children}
      </h3>
      <div ref={ref} />
    </section>
  );
}

const dollars = (n: number) => `$${Math.round(n / 1000)}k`;
const hours = (h: number | null) => (h == null ? '' : h < 48 ? `${h.toFixed(1)} h` : `${(h / 24).toFixed(1)} d`);

/** A box without outliers per group: p10–p90 as a rule, p25–p75 as a bar, the median as a tick. */
function salaryBoxes(groups: ({ key: string } & Stats['salaryByJobType'][number]['percentiles'])[]) {
  return Plot.plot({
    height: 40 + 32 * Math.max(1, groups.length),
    marginLeft: 90,
    x: { grid: true, label: 'yearly salary midpoint (p10, p25–p75, median, p90)', tickFormat: dollars },
    y: { domain: groups.map((g) => g.key), label: null },
    marks: [
      Plot.ruleY(groups, { y: 'key', x1: 'p10', x2: 'p90' }),
      Plot.barX(groups, { y: 'key', x1: 'p25', x2: 'p75', fill: '#9ecae1', tip: true }),
      Plot.tickX(groups, { y: 'key', x: 'p50', strokeWidth: 2 }),
    ],
  });
}

function charts(stats: Stats) {
  const perDay = stats.jobsPostedPerDay.map((d) => ({ day: new Date(`${d.day}T00:00:00Z`), count: d.count }));
  const byType = stats.salaryByJobType.map((g) => ({ key: g.key, ...g.percentiles }));
  // Levels in their order of seniority, not by how many jobs have a salary.
  const byLevel = [...stats.salaryByExperienceLevel]
    .sort((a, b) => LEVELS.indexOf(a.key as ExperienceLevel) - LEVELS.indexOf(b.key as ExperienceLevel))
    .map((g) => ({ key: g.key, ...g.percentiles }));
  const steps = stats.applicationFunnel.steps;
  // A band per company: two companies of one name must not share a bar.
  const names = stats.byCompany.map((c) => c.company.name);
  const companies = stats.byCompany.map((c, i) => ({
    name: names.indexOf(c.company.name) === i ? c.company.name : `${c.company.name} (#${c.company.id})`,
    count: c.count,
    medianSalary: c.medianSalary,
  }));
  return {
    postings: () =>
      Plot.plot({
        height: 220,
        marginLeft: 40,
        x: { type: 'utc', label: null },
        y: { grid: true, zero: true, label: 'jobs posted' },
        marks: [Plot.lineY(perDay, { x: 'day', y: 'count' }), Plot.dot(perDay, { x: 'day', y: 'count', r: 2, tip: true })],
      }),
    salaries: () => salaryBoxes(byType),
    levels: () => salaryBoxes(byLevel),
    funnel: () =>
      Plot.plot({
        height: 40 + 28 * steps.length,
        marginLeft: 100,
        marginRight: 70,
        x: { grid: true, label: 'applications' },
        y: { domain: steps.map((s) => s.status), label: null },
        marks: [
          Plot.barX(steps, { y: 'status', x: 'reached', fill: '#6baed6' }),
          Plot.text(steps, {
            y: 'status',
            x: 'reached',
            text: (s: Stats['applicationFunnel']['steps'][number]) => hours(s.medianHoursFromPrevious),
            dx: 4,
            textAnchor: 'start',
          }),
        ],
      }),
    employers: () =>
      Plot.plot({
        height: 40 + 24 * Math.max(1, companies.length),
        marginLeft: 160,
        x: { grid: true, label: 'jobs' },
        y: { domain: companies.map((c) => c.name), label: null },
        marks: [Plot.barX(companies, { y: 'name', x: 'count', fill: '#74c476', tip: true })],
      }),
  };
}

function Select<T extends string>({
  id,
  label,
  value,
  options,
  onChange,
}: {
  id: string;
  label: string;
  value: T | '';
  options: T[];
  onChange: (v: T | '') => void;
}) {
  return (
    <label>
      {label}{' '}
      <select data-testid={`filter-${id}`} value={value} onChange={(e) => onChange(e.target.value as T | '')}>
        <option value="">any</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o.toLowerCase().replace('_', ' ')}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * The analysts' page (#/analysts): postings per day, salary percentiles by job type and by
 * experience level, the application funnel and the top employers, all from one `AnalystCharts`
 * request over the filter above them (an ANALYST or ADMIN token), each with its CSV beside it.
 */
export function Analysts({ token, role }: { token: string | null; role: string | null }) {
  const [filter, setFilter] = useState<ChartFilter>({ jobType: '', remote: '', experienceLevel: '', includeClosed: false });
  const [shown, setShown] = useState<{ filter: string; stats: Stats } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const allowed = token != null && (role === 'ANALYST' || role === 'ADMIN');

  useEffect(() => {
    if (!allowed) return;
    const controller = new AbortController();
    setError(null);
    request(AnalystChartsDocument, { filter: toJobFilter(filter), days: DAYS, top: TOP }, { token, signal: controller.signal }).then(
      (data) => setShown({ filter: JSON.stringify(toJobFilter(filter)), stats: data.jobStats }),
      (err: unknown) => controller.signal.aborted || setError(err),
    );
    return () => controller.abort();
  }, [allowed, token, filter]);
  const last = useLastRequest('AnalystCharts');
  const plots = useMemo(() => shown && charts(shown.stats), [shown]);

  if (!allowed)
    return (
      <section className="analysts" data-testid="analysts">
        <h2>Analysts</h2>
        <p>
          Sign in with an ANALYST or ADMIN token to see the charts: <code>npm run token -- --user 1 --role ANALYST</code>
        </p>
      </section>
    );
  const set =
    <K extends keyof ChartFilter>(k: K) =>
    (v: ChartFilter[K]) =>
      setFilter((f) => ({ ...f, [k]: v }));
  return (
    <section className="analysts" data-testid="analysts">
      <h2>
        Analysts <Figures entry={last} />
      </h2>
      <form className="chart-filter" onSubmit={(e) => e.preventDefault()}>
        <Select id="jobType" label="Job type" value={filter.jobType} options={JOB_TYPES} onChange={set('jobType')} />
        <Select id="remote" label="Remote" value={filter.remote} options={['true', 'false'] as const satisfies ('true' | 'false')[]} onChange={set('remote')} />
        <Select id="experienceLevel" label="Experience" value={filter.experienceLevel} options={LEVELS} onChange={set('experienceLevel')} />
        <label>
          <input
            type="checkbox"
            data-testid="filter-includeClosed"
            checked={filter.includeClosed}
            onChange={(e) => setFilter((f) => ({ ...f, includeClosed: e.target.checked }))}
          />{' '}
          closed jobs too
        </label>
        {shown && (
          <small data-testid="chart-total">
            {shown.stats.total} {filter.includeClosed ? 'jobs' : 'active jobs'}
          </small>
        )}
      </form>
      {error != null && <p className="error">{explain(error)}</p>}
      {plots && shown && (
        <div className="charts">
          <Chart id="postings" drawn={shown.filter} title={`Jobs posted per day, last ${DAYS} days`} plot={plots.postings}>
            <CsvLink name="jobsPostedPerDay" filter={filter} token={token} extra={{ days: String(DAYS) }} />
          </Chart>
          <Chart id="salaries" drawn={shown.filter} title="Salary percentiles by job type" plot={plots.salaries}>
            <CsvLink name="salaryByJobType" filter={filter} token={token} />
          </Chart>
          <Chart id="levels" drawn={shown.filter} title="Salary percentiles by experience level" plot={plots.levels}>
            <CsvLink name="salaryByExperienceLevel" filter={filter} token={token} />
          </Chart>
          <Chart id="funnel" drawn={shown.filter} title="Application funnel (label: median time from the previous step)" plot={plots.funnel}>
            <CsvLink name="applicationFunnel" filter={filter} token={token} />
          </Chart>
          <Chart id="employers" drawn={shown.filter} title={`Top ${TOP} employers by jobs`} plot={plots.employers}>
            <CsvLink name="byCompany" filter={filter} token={token} extra={{ top: String(TOP) }} />
          </Chart>
        </div>
      )}
    </section>
  );
}
