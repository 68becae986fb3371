import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { readManifest } from '../../../src/http/plugins/documents';
import { tokenFor } from '../../helpers/gateway';
import { useHttpGateways } from '../../helpers/http';
import { describeBrowser, launchChromium } from '../../helpers/browser';
import { buildWebClient, openSite } from '../../helpers/web';

// The reference web client (examples/web) built with Vite and served as static files from one
// origin, driving a live gateway (trusted documents only, CORS_ORIGINS listing that origin, a
// response cache) on another: search with type-ahead and facets, a virtual list paged by
// cursors, a job page, sign-in with a development token and applying. Then the same again
// with the cache warm. Debian's Chromium through playwright-core, as the GraphiQL test.

const ROOT = join(__dirname, '../../..');
const RESULTS = join(ROOT, '.test-results');
const suite = useHttpGateways();

const manifest = readManifest();
const operationOf = new Map(Object.entries(manifest).map(([id, text]) => [id, /^(?:query|mutation|subscription) (\w+)/.exec(text)![1]]));

/** What one gateway response carried, read off the wire by the browser. */
interface Seen {
  operation: string;
  status: number;
  allowOrigin: string | undefined;
  hit: boolean | undefined;
  sql: number | undefined;
  /** The filter and cursor a list page was asked with. */
  filter: string;
  after: string | undefined;
  jobIds: string[];
}

/** Lets React render what the last event changed (two animation frames). */
const settle = (page: Page) => page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));

describeBrowser('The reference web client in a real browser, on another origin than the gateway', () => {
  let site: Awaited<ReturnType<typeof openSite>>;
  let origin: string;
  let gatewayUrl: string;
  let browser: Browser;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    site = await openSite('chommie-web-');
    origin = site.origin;
    // Production's settings for a front end: trusted documents only, this one origin allowed.
    const gateway = await suite.serve({ config: { CORS_ORIGINS: [origin], TRUSTED_DOCUMENTS: true } });
    gatewayUrl = gateway.url;
    await buildWebClient(gatewayUrl, site.dir);
    browser = await launchChromium();
    mkdirSync(RESULTS, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  /** A fresh page (its own session storage) that records the gateway's answers and every error. */
  async function openClient() {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    // Every step takes well under a second here: a failure should not wait out the test's time.
    page.setDefaultTimeout(15_000);
    const seen: Seen[] = [];
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => {
      // A type-ahead request the page aborted because the user typed on is not a failure.
      if (r.failure()?.errorText !== 'net::ERR_ABORTED') consoleErrors.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
    });
    page.on('response', (response) => {
      const request = response.request();
      if (request.url() !== gatewayUrl || request.method() !== 'POST') return;
      const { documentId, query, variables } = request.postDataJSON() as {
        documentId?: string;
        query?: string;
        variables?: { after?: string; filter?: unknown };
      };
      // Persisted documents only: the text of an operation never leaves the page.
      if (query !== undefined || !documentId) consoleErrors.push(`a request without a documentId: ${request.postData()}`);
      void response.json().then(
        (body: any) =>
          seen.push({
            operation: operationOf.get(documentId!) ?? `unknown ${documentId}`,
            status: response.status(),
            allowOrigin: response.headers()['access-control-allow-origin'],
            hit: body.extensions?.responseCache?.hit,
            sql: body.extensions?.sql?.statements,
            filter: JSON.stringify(variables?.filter ?? null),
            after: variables?.after,
            jobIds: (body.data?.jobs?.edges ?? []).map((e: any) => e.node.id),
          }),
        () => undefined,
      );
    });
    await page.goto(`${origin}/`);
    return { page, seen, close: () => context.close() };
  }

  const attr = async (page: Page, testId: string, name: string) => Number(await page.getByTestId(testId).getAttribute(name));

  /**
   * Searches for "engineer" (type-ahead on the way), tries a facet, scrolls the virtual list
   * through at least four pages, opens the first job, signs in as `userId` and applies.
   * Returns what the browser saw.
   */
  async function scenario(run: string, userId: number, userName: string) {
    const { page, seen, close } = await openClient();
    try {
      return await steps(run, page, seen, userId, userName);
    } catch (err) {
      // A wait that timed out says little: say what the page reported (a CORS refusal, say).
      await page.screenshot({ path: join(RESULTS, `web-client-${run}-failed.png`) }).catch(() => undefined);
      throw new Error(`${(err as Error).message}\nThe page reported: ${JSON.stringify(consoleErrors, null, 1)}`, { cause: err });
    } finally {
      await close();
    }
  }

  async function steps(run: string, page: Page, seen: Seen[], userId: number, userName: string) {
    // The home page: the newest jobs and trending.
    await page.locator('[data-testid="list-status"]:not([data-pages="0"])').waitFor();
    await page.getByTestId('trending').getByRole('listitem').first().waitFor();

    // Type-ahead, then the search.
    await page.getByTestId('search-input').pressSequentially('engineer', { delay: 40 });
    await page.getByTestId('suggestions').getByRole('option').first().waitFor();
    expect((await page.getByTestId('suggestions').innerText()).toLowerCase()).toContain('engineer');
    await page.getByTestId('search-input').press('Enter');
    await page.locator('[data-testid="list-status"]:not([data-pages="0"])[data-search="engineer"]').waitFor();
    const total = await attr(page, 'list-status', 'data-total');
    expect(total).toBeGreaterThan(80);

    // A facet narrows the list to exactly its count; its chip widens it again.
    const facet = page.locator('[data-testid="facet"][data-facet="jobType"]').first();
    const facetCount = Number(await facet.getAttribute('data-count'));
    await facet.click();
    await page.locator(`[data-testid="list-status"]:not([data-pages="0"])[data-search="engineer"]:not([data-job-type=""])`).waitFor();
    expect(await attr(page, 'list-status', 'data-total')).toBe(facetCount);
    await page.getByTestId('chip').nth(1).click();
    await page.locator(`[data-testid="list-status"]:not([data-pages="0"])[data-search="engineer"][data-job-type=""]`).waitFor();
    expect(await attr(page, 'list-status', 'data-total')).toBe(total);

    // Scroll through the virtual list screen by screen, noting each row's position and job.
    const scroller = page.getByTestId('job-list');
    const byIndex = new Map<number, string>();
    for (let step = 0; step < 200 && byIndex.size < 80; step++) {
      const rows = await page
        .getByTestId('job-row')
        .evaluateAll((els) => els.map((e) => [Number(e.getAttribute('data-index')), e.getAttribute('data-job-id')!] as const));
      for (const [index, id] of rows) byIndex.set(index, id);
      const loaded = await attr(page, 'list-status', 'data-rows');
      const atBottom = await scroller.evaluate((el) => {
        el.scrollBy(0, el.clientHeight * 0.7);
        return el.scrollTop + el.clientHeight >= el.scrollHeight - 1;
      });
      // At the end of what is loaded: the next page arrives (or the list ends).
      if (atBottom) await page.waitForFunction((n) => Number(document.querySelector('[data-testid="list-status"]')!.getAttribute('data-rows')) > n, loaded);
      await settle(page);
    }
    const pages = await attr(page, 'list-status', 'data-pages');
    expect(pages).toBeGreaterThanOrEqual(4);
    // Every row position 0…n-1 was shown, and no job twice.
    expect([...byIndex.keys()].sort((a, b) => a - b)).toEqual([...Array(byIndex.size).keys()]);
    expect(new Set(byIndex.values()).size).toBe(byIndex.size);
    // The rows of the virtual list are the few in view, not all loaded ones.
    expect(await page.getByTestId('job-row').count()).toBeLessThan(40);
    await page.screenshot({ path: join(RESULTS, `web-client-${run}-list.png`) });

    // The job page: counts and similar jobs.
    await scroller.evaluate((el) => el.scrollTo({ top: 0 }));
    await settle(page);
    const firstRow = page.locator('[data-testid="job-row"][data-index="0"]');
    const jobId = (await firstRow.getAttribute('data-job-id'))!;
    await firstRow.click();
    await page.locator(`[data-testid="job-page"][data-job-id="${jobId}"] [data-testid="application-count"]`).waitFor();
    const before = await attr(page, 'application-count', 'data-count');
    expect(await page.getByTestId('similar-jobs').getByRole('listitem').count()).toBeGreaterThan(0);
    expect(page.url()).toBe(`${origin}/#/jobs/${jobId}`);

    // Sign in with a development token, apply, and see the count change.
    await page.getByTestId('token-input').fill(tokenFor(userId, 'SEEKER'));
    await page.getByTestId('sign-in').click();
    await page.getByTestId('signed-in').getByText(userName).waitFor();
    await page.getByTestId('apply').click();
    await page.getByTestId('applied').waitFor();
    await page.locator(`[data-testid="application-count"][data-count="${before + 1}"]`).waitFor();
    await page.screenshot({ path: join(RESULTS, `web-client-${run}-applied.png`) });

    // The discreet figures: each request's cache verdict and SQL count, as the gateway said.
    const shown = await page
      .getByTestId('request')
      .evaluateAll((els) =>
        els.map((e) => ({ operation: e.getAttribute('data-operation'), cache: e.getAttribute('data-cache'), sql: e.getAttribute('data-sql') })),
      );
    return { jobId, before, seen, shown, byIndex };
  }

  /** Two seekers who have not applied to the search's first job yet. */
  async function seekersFor(jobId: string) {
    const users = await suite.db.prisma.user.findMany({ where: { applications: { none: { jobId: Number(jobId) } } }, orderBy: { id: 'asc' }, take: 2 });
    return users.map((u) => ({ id: u.id, name: u.name }));
  }

  it('searches, pages, opens a job and applies; then again with the response cache warm', async () => {
    // Which job the search puts first, to pick seekers who may still apply to it.
    const first = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ documentId: [...operationOf].find(([, op]) => op === 'SearchPage')![0], variables: { filter: { search: 'engineer' }, first: 1 } }),
    }).then((r) => r.json());
    const [alice, bob] = await seekersFor(first.data.jobs.edges[0].node.id);

    const cold = await scenario('cold', alice.id, alice.name);
    const warm = await scenario('warm', bob.id, bob.name);

    // The same job, one application more each time.
    expect(warm.jobId).toBe(cold.jobId);
    expect(warm.before).toBe(cold.before + 1);
    expect(await suite.db.prisma.application.count({ where: { jobId: Number(cold.jobId) } })).toBe(cold.before + 2);
    // The same rows in the same order on both runs.
    for (const [index, id] of warm.byIndex) if (cold.byIndex.has(index)) expect(id).toBe(cold.byIndex.get(index));

    for (const run of [cold, warm]) {
      // Every answer carried the grant for this origin; nothing failed in the page.
      expect(run.seen.length).toBeGreaterThan(8);
      expect(run.seen.filter((s) => s.allowOrigin !== origin || s.status !== 200)).toEqual([]);
      // The search's pages since it was last started (the facet's chip started it again),
      // first and next ones, never repeat a job (nor ask for a page twice).
      const engineer = JSON.stringify({ search: 'engineer' });
      const start = run.seen.findLastIndex((s) => s.operation === 'SearchPage' && s.filter === engineer);
      const search = run.seen.slice(start).filter((s) => /Search(Page|More)/.test(s.operation) && s.filter === engineer);
      const listed = search.flatMap((s) => s.jobIds);
      expect(listed.length).toBeGreaterThanOrEqual(80);
      expect(new Set(listed).size).toBe(listed.length);
      expect(new Set(search.map((s) => s.after)).size).toBe(search.length);
      // The page shows what the gateway said about each request.
      expect(run.shown.length).toBeGreaterThan(0);
      for (const s of run.shown) expect(['hit', 'miss', 'none']).toContain(s.cache);
    }
    // Cold: each list page was executed the first time it was asked for (a miss, SQL counted),
    // and answered from the cache when asked again (the facet's chip started the search over).
    const page = (s: Seen) => `${s.filter} ${s.after}`;
    const coldMore = cold.seen.filter((s) => s.operation === 'SearchMore');
    const firsts = coldMore.filter((s, i) => coldMore.findIndex((t) => page(t) === page(s)) === i);
    const again = coldMore.filter((s) => !firsts.includes(s));
    expect(firsts.filter((s) => s.hit !== false || !(s.sql! > 0))).toEqual([]);
    expect(again.length).toBeGreaterThan(0);
    expect(again.filter((s) => s.hit !== true || s.sql !== 0)).toEqual([]);
    // Warm: the pages the application did not change came from the cache, with no SQL, and the
    // job page too (it was read again after the first application, so it holds the new count).
    const coldPages = new Set(coldMore.map(page));
    const warmMore = warm.seen.filter((s) => s.operation === 'SearchMore' && coldPages.has(page(s)));
    expect(warmMore.length).toBeGreaterThanOrEqual(3);
    expect(warmMore.filter((s) => s.hit !== true || s.sql !== 0)).toEqual([]);
    expect(warm.seen.find((s) => s.operation === 'JobPage')).toMatchObject({ hit: true, sql: 0 });
    // …and the page said so.
    expect(warm.shown.some((s) => s.operation === 'JobPage' && s.cache === 'hit' && s.sql === '0')).toBe(true);
    expect(consoleErrors).toEqual([]);
  }, 90_000);

  /** Types a search as a person would and waits for its first page. */
  async function searchFor(page: Page, words: string) {
    await page.getByTestId('search-input').fill(words);
    await page.getByTestId('search-input').press('Enter');
    await listFor(page, words);
  }
  /** Waits for the first page of the list searched with `words` (however the search was started). */
  const listFor = (page: Page, words: string, more = '') =>
    page.locator(`[data-testid="list-status"]:not([data-pages="0"])[data-search="${words}"]${more}`).waitFor();
  /** The rows in view: their text, job id and experience level. */
  const shownRows = (page: Page) =>
    page
      .getByTestId('job-row')
      .evaluateAll((els) =>
        els.map((e) => ({ text: (e as HTMLElement).innerText, id: e.getAttribute('data-job-id')!, level: e.getAttribute('data-experience-level')! })),
      );

  it('shows what a search was understood as: condition chips, did-you-mean, left-out words, highlights; the experience facet narrows', async () => {
    const { page, close } = await openClient();
    try {
      await page.locator('[data-testid="list-status"]:not([data-pages="0"])').waitFor();

      // "remote" is read as a condition, shown as a chip; the rows are remote jobs, their matched words marked.
      await searchFor(page, 'python developer remote');
      const chip = page.locator('[data-testid="condition"][data-field="REMOTE"]');
      expect((await chip.innerText()).trim()).toBe('Remote ×');
      const remoteTotal = await attr(page, 'list-status', 'data-total');
      expect(remoteTotal).toBeGreaterThan(0);
      const remoteRows = await shownRows(page);
      expect(remoteRows.length).toBeGreaterThan(3);
      for (const row of remoteRows) expect(row.text).toContain('· remote');
      const marks = await page.locator('[data-testid="job-row"] .title mark').allInnerTexts();
      expect(marks.length).toBeGreaterThanOrEqual(remoteRows.length);
      for (const m of marks) expect(m.toLowerCase()).toMatch(/^(python|develop|engin|programm|dev|eng)/);
      expect(await page.locator('[data-testid="job-row"] .snippet mark').count()).toBeGreaterThan(0);
      // Text, never markup: a mark holds no element.
      expect(await page.locator('[data-testid="job-row"] mark *').count()).toBe(0);
      await page.screenshot({ path: join(RESULTS, 'web-client-understood.png') });

      // Its × searches without the word: on site jobs too, so more of them.
      await chip.click();
      await listFor(page, 'python developer');
      expect(await page.getByTestId('search-input').inputValue()).toBe('python developer');
      expect(await page.getByTestId('condition').count()).toBe(0);
      expect(await attr(page, 'list-status', 'data-total')).toBeGreaterThan(remoteTotal);
      expect((await shownRows(page)).some((r) => !r.text.includes('· remote'))).toBe(true);

      // A misspelling: the did-you-mean link runs the search it names.
      await searchFor(page, 'pyhton developer');
      const didYouMean = page.getByTestId('did-you-mean');
      expect(await didYouMean.innerText()).toBe('python developer');
      await didYouMean.click();
      await listFor(page, 'python developer');
      expect(await page.getByTestId('search-input').inputValue()).toBe('python developer');
      expect(await page.getByTestId('did-you-mean').count()).toBe(0);

      // No job has every word: the list holds the jobs having most, and says which words were left out.
      await searchFor(page, 'devops engineer cape town');
      const relaxed = page.getByTestId('relaxed');
      expect(await relaxed.innerText()).toContain('No job has all of your words; showing jobs with the others — left out: cape, town');
      expect(await page.getByTestId('relaxed-word').allInnerTexts()).toEqual(['cape', 'town']);
      const devops = await shownRows(page);
      expect(devops.length).toBeGreaterThan(0);
      for (const row of devops.slice(0, 5)) expect(row.text.toLowerCase()).toContain('devops');
      await page.screenshot({ path: join(RESULTS, 'web-client-relaxed.png') });
      // A left-out word (as typed) links to the search without it.
      await searchFor(page, 'DevOps Engineer Cape Town');
      await page.getByTestId('relaxed-word').first().click();
      await listFor(page, 'DevOps Engineer Town');
      expect(await page.getByTestId('relaxed-word').allInnerTexts()).toEqual(['Town']);

      // The experience facet narrows the list to exactly its count, every shown job of that level.
      await searchFor(page, 'engineer');
      const total = await attr(page, 'list-status', 'data-total');
      const facet = page.locator('[data-testid="facet"][data-facet="experienceLevel"]').nth(1);
      const facetCount = Number(await facet.getAttribute('data-count'));
      expect(facetCount).toBeLessThan(total);
      await facet.click();
      await listFor(page, 'engineer', ':not([data-experience-level=""])');
      const level = (await page.getByTestId('list-status').getAttribute('data-experience-level'))!;
      expect(level).toMatch(/^[A-Z]+$/);
      expect(await attr(page, 'list-status', 'data-total')).toBe(facetCount);
      const narrowed = await shownRows(page);
      expect(narrowed.length).toBeGreaterThan(3);
      expect(narrowed.filter((r) => r.level !== level)).toEqual([]);
      expect(consoleErrors).toEqual([]);
    } catch (err) {
      await page.screenshot({ path: join(RESULTS, 'web-client-understood-failed.png') }).catch(() => undefined);
      throw new Error(`${(err as Error).message}\nThe page reported: ${JSON.stringify(consoleErrors, null, 1)}`, { cause: err });
    } finally {
      await close();
    }
  }, 90_000);
});
