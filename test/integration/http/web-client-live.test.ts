import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createEventBus, type EventBus } from '../../../src/events/bus';
import { readManifest } from '../../../src/http/plugins/documents';
import { tokenFor } from '../../helpers/gateway';
import { useHttpGateways } from '../../helpers/http';
import { describeBrowser, launchChromium } from '../../helpers/browser';
import { buildWebClient, openSite } from '../../helpers/web';

// The reference web client's live panel (examples/web/src/Live.tsx), built with Vite and served
// from its own origin against a gateway in production's settings (trusted documents, CORS for
// that origin): a signed-in seeker sees an employer move their application, an employer sees a
// new applicant, without reloading. Debian's Chromium through playwright-core.

const ROOT = join(__dirname, '../../..');
const RESULTS = join(ROOT, '.test-results');
const suite = useHttpGateways();
const APPLY_ID = Object.entries(readManifest()).find(([, text]) => text.startsWith('mutation ApplyToJob('))![0];

describeBrowser('The web client’s live updates in a real browser', () => {
  let site: Awaited<ReturnType<typeof openSite>>;
  let origin: string;
  let gatewayUrl: string;
  let browser: Browser;
  let bus: EventBus;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    site = await openSite('chommie-web-live-');
    origin = site.origin;
    bus = createEventBus({ prefix: 'web-live', timeoutMs: 250, warn: () => undefined });
    const gateway = await suite.serve({ events: bus, config: { CORS_ORIGINS: [origin], TRUSTED_DOCUMENTS: true } });
    gatewayUrl = gateway.url;
    await buildWebClient(gatewayUrl, site.dir);
    browser = await launchChromium();
    mkdirSync(RESULTS, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await bus?.close();
  });

  /** The gateway as another person's client: a query text (ADMIN may run any) or a published document. */
  const call = async (body: object, token: string) => {
    const res = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    return await res.json();
  };

  async function signedIn(token: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${origin}/`);
    await page.getByTestId('token-input').fill(token);
    await page.getByTestId('sign-in').click();
    await page.getByTestId('signed-in').waitFor();
    // Open: from here on, what is written reaches the page.
    await page.getByTestId('live-state').getByText('live', { exact: true }).waitFor();
    return page;
  }

  it('shows a seeker their application’s new status as the employer moves it', async () => {
    const job = await suite.db.prisma.job.findFirstOrThrow({ where: { isActive: true, applications: { none: { userId: 61 } } }, orderBy: { id: 'desc' } });
    const application = await suite.db.prisma.application.create({ data: { jobId: job.id, userId: 61 } });
    const page = await signedIn(tokenFor(61, 'SEEKER'));
    expect(await page.getByTestId('live-update').count()).toBe(0);
    const moved = await call(
      { query: 'mutation($id: ID!) { updateApplicationStatus(id: $id, status: REVIEWING) { status } }', variables: { id: String(application.id) } },
      tokenFor(1, 'ADMIN'),
    );
    expect(moved.errors).toBeUndefined();
    const update = page.getByTestId('live-update').first();
    await update.waitFor();
    expect(await update.innerText()).toBe(
      `Your application to ${job.title} (${(await suite.db.prisma.company.findUniqueOrThrow({ where: { id: job.companyId } })).name}) is now reviewing`,
    );
    await page.screenshot({ path: join(RESULTS, 'web-live-seeker.png') });
  }, 60_000);

  it('shows an employer a new applicant to their company’s job', async () => {
    const job = await suite.db.prisma.job.findFirstOrThrow({ where: { isActive: true, applications: { none: { userId: 62 } } }, orderBy: { id: 'asc' } });
    const seeker = await suite.db.prisma.user.findUniqueOrThrow({ where: { id: 62 } });
    const page = await signedIn(tokenFor(2, 'EMPLOYER', job.companyId));
    const applied = await call({ documentId: APPLY_ID, variables: { jobId: String(job.id) } }, tokenFor(62, 'SEEKER'));
    expect(applied.errors).toBeUndefined();
    const update = page.getByTestId('live-update').first();
    await update.waitFor();
    expect(await update.innerText()).toBe(`New applicant ${seeker.name} for ${job.title}`);
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
