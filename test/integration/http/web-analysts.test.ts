import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { readManifest } from '../../../src/http/plugins/documents';
import { tokenFor } from '../../helpers/gateway';
import { useHttpGateways } from '../../helpers/http';
import { describeBrowser, launchChromium } from '../../helpers/browser';
import { buildWebClient, openSite } from '../../helpers/web';

// The analysts' page of the reference web client (examples/web, #/analysts) in Chromium,
// against a live gateway on another origin: each chart has one mark per figure the gateway
// gives for the same filter (fetched here with the same persisted document), a filter change
// redraws them, a CSV beside a chart downloads the same figures, and the chart library is
// loaded only with the page (not in the first screen's bundle, not fetched by it).

const suite = useHttpGateways();
const manifest = readManifest();
const ANALYST_CHARTS = Object.entries(manifest).find(([, text]) => text.startsWith('query AnalystCharts'))![0];

interface Figures {
  total: number;
  jobsPostedPerDay: { day: string; count: number }[];
  salaryByJobType: { key: string; percentiles: { p50: number } }[];
  salaryByExperienceLevel: { key: string; percentiles: { p50: number } }[];
  applicationFunnel: { steps: { status: string; reached: number; medianHoursFromPrevious: number | null }[] };
  byCompany: { company: { id: string; name: string }; count: number }[];
}

/** What one chart shows, read from its SVG. */
interface Drawn {
  dots: number;
  lines: number;
  /** Width of each bar, top to bottom. */
  bars: number[];
  ticks: number;
  labels: string[];
  /** The band axis' labels, top to bottom. */
  bands: string[];
}

const readChart = (page: Page, id: string): Promise<Drawn> =>
  page.getByTestId(`chart-${id}`).evaluate((el) => {
    const q = (sel: string) => [...el.querySelectorAll(sel)];
    return {
      dots: q('g[aria-label="dot"] circle').length,
      lines: q('g[aria-label="line"] path').length,
      bars: q('g[aria-label="bar"] rect').map((r) => Number(r.getAttribute('width'))),
      ticks: q('g[aria-label="tick"] line').length,
      labels: q('g[aria-label="text"] text').map((t) => t.textContent ?? ''),
      bands: q('g[aria-label="y-axis tick label"] text').map((t) => t.textContent ?? ''),
    };
  });

describeBrowser('The analysts’ page of the web client in a real browser', () => {
  let site: Awaited<ReturnType<typeof openSite>>;
  let gatewayUrl: string;
  let browser: Browser;
  // Outside the repository; kept for a person to look at.
  let shots: string;
  const token = tokenFor(1, 'ANALYST');
  const pageErrors: string[] = [];

  beforeAll(async () => {
    site = await openSite('chommie-web-analysts-');
    const gateway = await suite.serve({ config: { CORS_ORIGINS: [site.origin], TRUSTED_DOCUMENTS: true } });
    gatewayUrl = gateway.url;
    await buildWebClient(gatewayUrl, site.dir);
    browser = await launchChromium();
    shots = mkdtempSync(join(tmpdir(), 'chommie-analysts-shots-'));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  /** The figures the page asks for, asked for here with the same persisted document and token. */
  async function figures(filter: Record<string, unknown>): Promise<Figures> {
    const body = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ documentId: ANALYST_CHARTS, variables: { filter, days: 60, top: 10 } }),
    }).then((r) => r.json() as Promise<{ data: { jobStats: Figures } }>);
    return body.data.jobStats;
  }

  /** Waits until all four charts show the figures of `filter` (as the page spells it in `data-drawn`). */
  const drawnFor = async (page: Page, filter: Record<string, unknown>) => {
    for (const id of ['postings', 'salaries', 'levels', 'funnel', 'employers'])
      await page.locator(`[data-testid="chart-${id}"][data-drawn='${JSON.stringify(filter)}'] svg`).waitFor();
  };

  /** Every chart's marks against the figures: one per figure, bars as long as their numbers. */
  async function expectCharts(page: Page, f: Figures) {
    const postings = await readChart(page, 'postings');
    expect(postings.dots).toBe(f.jobsPostedPerDay.length);
    expect(postings.lines).toBe(1);

    const salaries = await readChart(page, 'salaries');
    expect(salaries.bars).toHaveLength(f.salaryByJobType.length);
    expect(salaries.ticks).toBe(f.salaryByJobType.length);
    expect(salaries.bands).toEqual(expect.arrayContaining(f.salaryByJobType.map((g) => g.key)));

    const levels = await readChart(page, 'levels');
    expect(levels.bars).toHaveLength(f.salaryByExperienceLevel.length);
    expect([...levels.bands].sort()).toEqual(f.salaryByExperienceLevel.map((g) => g.key).sort());

    const funnel = await readChart(page, 'funnel');
    const steps = f.applicationFunnel.steps;
    expect(funnel.bands).toEqual(steps.map((s) => s.status));
    expectProportional(
      funnel.bars,
      steps.map((s) => s.reached),
    );
    // A median time beside each step that has one.
    expect(funnel.labels.filter((l) => l !== '')).toHaveLength(steps.filter((s) => s.medianHoursFromPrevious != null).length);

    const employers = await readChart(page, 'employers');
    expect(employers.bands).toEqual(f.byCompany.map((c) => c.company.name));
    expectProportional(
      employers.bars,
      f.byCompany.map((c) => c.count),
    );
  }

  /** Bars start at zero: each bar's width over the widest is its number over the largest. */
  function expectProportional(widths: number[], values: number[]) {
    expect(widths).toHaveLength(values.length);
    const [w, v] = [Math.max(...widths), Math.max(...values)];
    expect(v).toBeGreaterThan(0);
    widths.forEach((width, i) => expect(width / w).toBeCloseTo(values[i] / v, 2));
  }

  it('the first screen neither bundles nor fetches the chart library; the page loads it when opened', () => {
    const html = readFileSync(join(site.dir, 'index.html'), 'utf8');
    const entry = /<script type="module" crossorigin src="\/(assets\/[^"]+\.js)"/.exec(html)![1];
    // The source maps name every module a chunk holds.
    const sourcesOf = (file: string) => (JSON.parse(readFileSync(join(site.dir, `${file}.map`), 'utf8')) as { sources: string[] }).sources;
    const entrySources = sourcesOf(entry);
    expect(entrySources.some((s) => s.includes('src/App.tsx'))).toBe(true);
    expect(entrySources.filter((s) => /@observablehq|\/d3-|src\/Analysts|src\/JobPage|src\/Live/.test(s))).toEqual([]);
    // Nor the documents only the lazy pages send (each generated document is a module of its
    // own, vite.config.ts): their ids are in those pages' chunks, the first screen's in the entry.
    const entryText = readFileSync(join(site.dir, entry), 'utf8');
    const idOf = (operation: string) =>
      Object.entries(manifest).find(([, text]) => new RegExp(`^(query|mutation|subscription) ${operation}\\b`).test(text))![0];
    for (const operation of ['SearchPage', 'SearchMore', 'Trending', 'MyApplications']) expect(entryText).toContain(idOf(operation));
    for (const operation of ['AnalystCharts', 'JobPage', 'ApplyToJob', 'MyApplicationUpdates', 'ApplicationReceived'])
      expect(entryText).not.toContain(idOf(operation));
    // …and the lazy chunk of the analysts' page does hold it.
    const chunk = readdirSync(join(site.dir, 'assets')).find((f) => /^Analysts-.*\.js$/.test(f));
    expect(chunk).toBeDefined();
    expect(sourcesOf(`assets/${chunk}`).some((s) => s.includes('@observablehq/plot'))).toBe(true);
  });

  it('draws each chart from the same figures, redraws them for another filter, and downloads a chart’s CSV', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
    page.on('pageerror', (e) => pageErrors.push(`page error: ${e.message}`));
    const scripts: string[] = [];
    page.on('request', (r) => r.resourceType() === 'script' && scripts.push(new URL(r.url()).pathname));
    try {
      // The first screen: the job list, and no chunk of a page it does not show.
      await page.goto(`${site.origin}/`);
      await page.locator('[data-testid="list-status"]:not([data-pages="0"])').waitFor();
      expect(scripts.filter((s) => /\/(Analysts|JobPage|Live)-/.test(s))).toEqual([]);

      // The analysts' page, loaded on demand: without an analyst's token it says how to get one
      // and asks for nothing; signed in as an analyst, it draws the charts for no filter.
      await page.getByTestId('nav-analysts').click();
      await page.getByTestId('analysts').getByText('Sign in with an ANALYST or ADMIN token').waitFor();
      expect(await page.locator('[data-testid^="chart-"]').count()).toBe(0);
      await page.getByTestId('token-input').fill(token);
      await page.getByTestId('sign-in').click();
      await page.getByTestId('signed-in').waitFor();
      await drawnFor(page, {});
      expect(scripts.filter((s) => /\/Analysts-/.test(s))).toHaveLength(1);
      const all = await figures({});
      expect(all.jobsPostedPerDay.some((d) => d.count > 0)).toBe(true);
      expect(all.byCompany.length).toBeGreaterThan(1);
      await expectCharts(page, all);
      expect(await page.getByTestId('chart-total').innerText()).toBe(`${all.total} active jobs`);
      await page.screenshot({ path: join(shots, 'analysts-all.png'), fullPage: true });

      // History: closed jobs count too (the demo data has some).
      await page.getByTestId('filter-includeClosed').check();
      await drawnFor(page, { includeClosed: true });
      const history = await figures({ includeClosed: true });
      expect(history.total).toBeGreaterThan(all.total);
      await expectCharts(page, history);

      // A filter: the job type with the fewest salaried jobs among those that have some, so every
      // chart's figures change (one salary group instead of several, other employers).
      const jobType = history.salaryByJobType.at(-1)!.key;
      await page.getByTestId('filter-jobType').selectOption(jobType);
      await drawnFor(page, { jobType, includeClosed: true });
      const narrowed = await figures({ jobType, includeClosed: true });
      expect(narrowed.total).toBeLessThan(history.total);
      expect(narrowed.salaryByJobType.map((g) => g.key)).toEqual([jobType]);
      await expectCharts(page, narrowed);
      expect((await readChart(page, 'salaries')).bars).toHaveLength(1);
      await page.screenshot({ path: join(shots, 'analysts-job-type.png'), fullPage: true });

      // Another field of the filter on top: remote jobs of that type.
      await page.getByTestId('filter-remote').selectOption('true');
      await drawnFor(page, { jobType, remote: true, includeClosed: true });
      const remote = await figures({ jobType, remote: true, includeClosed: true });
      expect(remote.total).toBeLessThan(narrowed.total);
      await expectCharts(page, remote);

      // The CSV beside the employers' chart: its rows are the chart's bars.
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('csv-byCompany').click()]);
      const csv = readFileSync(await download.path(), 'utf8')
        .replace(/^\uFEFF/, '')
        .trim()
        .split(/\r?\n/);
      expect(csv[0].split(',')).toEqual(expect.arrayContaining(['company', 'count']));
      expect(csv.slice(1)).toHaveLength(remote.byCompany.length);
      const counts = csv.slice(1).map((line) => Number(line.split(',')[csv[0].split(',').indexOf('count')]));
      expect(counts).toEqual(remote.byCompany.map((c) => c.count));
      expect(pageErrors).toEqual([]);
    } catch (err) {
      await page.screenshot({ path: join(shots, 'analysts-failed.png') }).catch(() => undefined);
      throw new Error(`${(err as Error).message}\nThe page reported: ${JSON.stringify(pageErrors, null, 1)}\nScreenshots: ${shots}`, { cause: err });
    } finally {
      await context.close();
    }
  }, 90_000);
});
