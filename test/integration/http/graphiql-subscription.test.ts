import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { createEventBus, type EventBus } from '../../../src/events/bus';
import { openTestDatabase, type TestDatabase } from '../../helpers/db';
import { testGateway, tokenFor } from '../../helpers/gateway';
import { describeBrowser, launchChromium } from '../../helpers/browser';

// GraphiQL runs a subscription (over SSE, Yoga's GraphiQL's default): the JobUpdated tab shows
// a job's new title once an employer renames it.
describeBrowser('a subscription in GraphiQL, in a real browser', () => {
  let db: TestDatabase;
  let bus: EventBus;
  let server: Server;
  let browser: Browser;
  let g: ReturnType<typeof testGateway>;
  beforeAll(async () => {
    db = await openTestDatabase();
    bus = createEventBus({ prefix: 'graphiql-subscription', timeoutMs: 250, warn: () => undefined });
    g = testGateway(db, { events: bus });
    server = createServer((req, res) => g.gateway.serveNode(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await bus.close();
    await db.destroy();
  });

  it('streams a renamed job into the JobUpdated tab’s result pane', async () => {
    const job = await db.prisma.job.findUniqueOrThrow({ where: { id: 1 } });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`);
    // Once the schema is in (GraphiQL settles its tabs then), the tab is picked.
    await page.waitForLoadState('networkidle');
    // The tabs are draggable and slide in: a click while they move is taken for a drag.
    const tab = page.locator('.graphiql-tab-button[title="JobUpdated"]');
    for (let i = 0; i < 20 && !(await page.locator('.graphiql-tab-active .graphiql-tab-button[title="JobUpdated"]').isVisible()); i++) {
      await tab.click();
      await page.waitForTimeout(250);
    }
    await page.locator('.graphiql-tab-active .graphiql-tab-button[title="JobUpdated"]').waitFor();
    await page.locator('.graphiql-execute-button').click();
    // Renamed until the stream is open and shows it (the subscription starts once its request is through).
    const title = `Live in GraphiQL ${Date.now()}`;
    const shown = page.locator('.result-window').getByText(title, { exact: false }).first();
    for (let i = 0; i < 30 && !(await shown.isVisible()); i++) {
      const renamed = await g.gql(
        'mutation($id: ID!, $t: String!) { updateJob(id: $id, input: { title: $t }) { id } }',
        { id: '1', t: title },
        {
          token: tokenFor(2, 'EMPLOYER', job.companyId),
        },
      );
      expect(renamed.errors).toBeUndefined();
      await shown.waitFor({ timeout: 1000 }).catch(() => undefined);
    }
    const result = (await page.locator('.result-window').innerText()).replace(/\u00a0/g, ' ');
    expect(result).toContain(title);
    expect(result).toContain('"jobUpdated"');
    expect(result).not.toContain('"errors"');
  }, 90_000);
});
