import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { readManifest } from '../../../src/http/plugins/documents';
import { graphiqlTabs } from '../../../src/http/graphiql';
import { testGateway, tokenFor, useGatewaySuite } from '../../helpers/gateway';
import { describeBrowser, launchChromium } from '../../helpers/browser';

const SCREENSHOT = join(__dirname, '../../../.test-results/graphiql.png');
const suite = useGatewaySuite();

describeBrowser('GraphiQL in a real browser', () => {
  let server: Server;
  let browser: Browser;
  beforeAll(async () => {
    const { gateway } = testGateway(suite.db);
    server = createServer((req, res) => void gateway(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('opens GraphiQL, runs the example query and shows a job title in the result pane', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`);
    await page.locator('.graphiql-execute-button').click({ timeout: 30_000 });
    const newest = await suite.gql('{ jobs(first: 1) { edges { node { title } } } }');
    const title: string = newest.data.jobs.edges[0].node.title;
    await page.locator('.result-window').getByText(title, { exact: false }).first().waitFor({ timeout: 30_000 });
    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    expect((await page.locator('.result-window').innerText()).replace(/\u00a0/g, ' ')).toContain(title);
    // Everything the page loaded came from the gateway itself.
    // (blob: URLs are the page's own web workers.)
    expect(requests.filter((u) => !/^(blob:)?http:\/\/127\.0\.0\.1:/.test(u) && !u.startsWith('data:'))).toEqual([]);
    expect(requests.length).toBeGreaterThan(3);
  }, 90_000);
});

// Production's trusted documents, opened by an anonymous visitor: the docs pane loads (the
// standard introspection query runs for anyone) and the first tab is a published operation.
describeBrowser('GraphiQL in a real browser, trusted documents, no token', () => {
  let server: Server;
  let browser: Browser;
  beforeAll(async () => {
    const { gateway } = testGateway(suite.db, { config: { TRUSTED_DOCUMENTS: true } });
    server = createServer((req, res) => void gateway(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('loads the schema docs and runs the first tab without PERSISTED_QUERY_ONLY', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const answers: string[] = [];
    page.on(
      'response',
      (r) =>
        void (
          r.request().method() === 'POST' &&
          r.text().then(
            (t) => answers.push(t),
            () => undefined,
          )
        ),
    );
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`);
    await page.locator('.graphiql-sidebar button[aria-label="Show Documentation Explorer"]').click({ timeout: 30_000 });
    const docs = page.locator('.graphiql-doc-explorer');
    await docs.getByText('Query', { exact: true }).first().click({ timeout: 30_000 });
    // The root type's fields, from the introspection: the schema did load.
    await docs.getByText('jobs', { exact: true }).first().waitFor({ timeout: 30_000 });
    expect(await page.getByText('Error fetching schema').count()).toBe(0);

    await page.locator('.graphiql-execute-button').click({ timeout: 30_000 });
    // What the first tab runs: the published JobSearch, with no variables (the newest jobs).
    const [documentId] = Object.entries(readManifest()).find(([, text]) => text.startsWith('query JobSearch('))!;
    const search = await suite.gql('', undefined, { body: { documentId } });
    const title: string = search.data.jobs.edges[0].node.title;
    await page.locator('.result-window').getByText(title, { exact: false }).first().waitFor({ timeout: 30_000 });
    const result = (await page.locator('.result-window').innerText()).replace(/\u00a0/g, ' ');
    expect(result).toContain(title);
    expect(result).not.toContain('PERSISTED_QUERY_ONLY');
    // The welcome text says how to get a token that runs anything else.
    const editor = (await page.locator('.graphiql-query-editor').innerText()).replace(/\u00a0/g, ' ');
    expect(editor).toContain('--role ANALYST');
    expect(editor).not.toContain('--role SEEKER');
    expect(answers.some((a) => a.includes('"__schema"'))).toBe(true);
    expect(answers.filter((a) => a.includes('PERSISTED_QUERY_ONLY'))).toEqual([]);
  }, 90_000);
  it('answers the analyst’s question: the TopEmployers tab, run with an ANALYST token in the Headers tab', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`);
    // The tab's own button, clicked without a pointer: with as many tabs as the client
    // publishes, the bar scrolls and its tabs sit under a drag-to-reorder layer, where a
    // pointer's click left the first tab active.
    await page.locator('.graphiql-tab-button[title="TopEmployers"]').dispatchEvent('click', {}, { timeout: 30_000 });
    await page
      .locator('.graphiql-query-editor')
      .getByText(/query\sTopEmployers/)
      .first()
      .waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Headers' }).click();
    // Typed as a person would; the editor closes brackets and quotes itself.
    await page.locator('.graphiql-editor:not(.hidden) .monaco-editor[data-uri$="headers.json"]').click();
    const analystToken = tokenFor(5, 'ANALYST');
    await page.keyboard.type(`{"Authorization": "Bearer ${analystToken}`);
    await page.locator('.graphiql-execute-button').click();
    const variables = JSON.parse((graphiqlTabs(true).find((t) => t.query.includes('query TopEmployers')) as { variables: string }).variables) as Record<
      string,
      unknown
    >;
    const expected = await suite.gql(
      'query($f: JobFilter, $top: Int) { jobStats(filter: $f) { byCompany(top: $top) { company { name } } } }',
      { f: { search: variables.search, postedAfter: variables.since }, top: variables.top },
      { token: tokenFor(5, 'ANALYST') },
    );
    const name: string = expected.data.jobStats.byCompany[0].company.name;
    await page.locator('.result-window').getByText(name, { exact: false }).first().waitFor({ timeout: 30_000 });
    const result = (await page.locator('.result-window').innerText()).replace(/\u00a0/g, ' ');
    expect(result).toContain('applicationFunnel');
    expect(result).not.toContain('"errors"');
    await page.screenshot({ path: join(SCREENSHOT, '../graphiql-analyst.png') });

    // The token given in that tab serves every tab, after a reload too: reloaded with its
    // saved tabs cleared, GraphiQL has no headers of its own, and the page sends it anyway.
    const again = page;
    await again.addInitScript(() => Object.keys(localStorage).forEach((k) => k.startsWith('graphiql') && localStorage.removeItem(k)));
    const sent: (string | undefined)[] = [];
    again.on('request', (r) => void (r.method() === 'POST' && new URL(r.url()).pathname === '/graphql' && sent.push(r.headers().authorization)));
    await again.reload();
    await again.locator('.graphiql-execute-button').click({ timeout: 30_000 });
    await again.locator('.result-window').getByText('"data"', { exact: false }).first().waitFor({ timeout: 30_000 });
    expect(sent.length).toBeGreaterThan(0);
    expect(new Set(sent)).toEqual(new Set([`Bearer ${analystToken}`]));
  }, 120_000);
});
