// The web client's initial page load in Chromium, as examples/web/README.md reports it:
// first contentful paint and largest contentful paint from the page's own Performance API, and
// the scripts the first screen fetched, over fresh browser contexts (no HTTP cache) against a
// warm gateway.
//
//   npm start &                                      # a gateway at http://localhost:4000/graphql
//   npm run web:load -- [--gateway URL] [--runs 15] [--dist DIR]
//
// Without --dist the client is built first (vite build into a temporary folder, against
// --gateway); --dist measures a build made elsewhere (another commit's, to compare). The
// build is served by a static server of this process on 127.0.0.1, as the browser tests do.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values } = parseArgs({
  options: {
    gateway: { type: 'string', default: 'http://localhost:4000/graphql' },
    runs: { type: 'string', default: '15' },
    dist: { type: 'string' },
  },
});
const runs = Math.max(1, Number(values.runs));
const WEB = join(__dirname, '../examples/web');
const CHROMIUM = '/usr/bin/chromium';

async function main() {
  if (!existsSync(CHROMIUM)) throw new Error(`needs Chromium at ${CHROMIUM} (apt-get install chromium)`);
  // Warm: the gateway answers (and has answered the first screen's queries) before any run is timed.
  await fetch(values.gateway, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{__typename}"}' }).catch(() => {
    throw new Error(`no gateway answers at ${values.gateway}: start one (npm start)`);
  });
  const built = values.dist ? null : mkdtempSync(join(tmpdir(), 'chommie-web-load-'));
  const dir = values.dist ?? built!;
  if (built) {
    const vite = join(dirname(require.resolve('vite/package.json', { paths: [WEB] })), 'bin/vite.js');
    execFileSync(process.execPath, [vite, 'build', '--outDir', built, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: WEB,
      env: { ...process.env, VITE_GATEWAY_URL: values.gateway },
      stdio: 'inherit',
    });
  }
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
  const site = createServer((req, res) => {
    const path = normalize(new URL(req.url!, 'http://x').pathname).replace(/^(\.\.[/\\])+/, '');
    const file = join(dir, path === '/' ? 'index.html' : path);
    if (!file.startsWith(dir) || !existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  const samples: { fcp: number; lcp: number; scripts: number; bytes: number }[] = [];
  try {
    // One run more than asked: the first warms the gateway's cache and Chromium's own start.
    for (let i = 0; i <= runs; i++) {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      const page = await context.newPage();
      await page.goto(`${origin}/`);
      await page.locator('[data-testid="list-status"]:not([data-pages="0"])').waitFor({ timeout: 30_000 });
      const sample = await page.evaluate(
        () =>
          new Promise<{ fcp: number; lcp: number; scripts: number; bytes: number }>((resolve) => {
            const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN;
            const scripts = performance
              .getEntriesByType('resource')
              .filter((e) => (e as PerformanceResourceTiming).initiatorType === 'script' || e.name.endsWith('.js'));
            // LCP entries are only buffered for observers; the last one is the page's LCP.
            new PerformanceObserver((list) => {
              const entries = list.getEntries();
              resolve({
                fcp,
                lcp: entries[entries.length - 1]?.startTime ?? NaN,
                scripts: scripts.length,
                bytes: scripts.reduce((n, e) => n + (e as PerformanceResourceTiming).encodedBodySize, 0),
              });
            }).observe({ type: 'largest-contentful-paint', buffered: true });
          }),
      );
      if (i > 0) samples.push(sample);
      await context.close();
    }
  } finally {
    await browser.close();
    site.close();
    if (built) rmSync(built, { recursive: true, force: true });
  }
  const sorted = (k: 'fcp' | 'lcp') => samples.map((s) => s[k]).sort((a, b) => a - b);
  const q = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))];
  const report = (k: 'fcp' | 'lcp') => {
    const xs = sorted(k);
    return { min: Math.round(xs[0]), median: Math.round(q(xs, 0.5)), p90: Math.round(q(xs, 0.9)), max: Math.round(xs[xs.length - 1]) };
  };
  console.log(
    JSON.stringify(
      { runs: samples.length, fcpMs: report('fcp'), lcpMs: report('lcp'), firstScreenScripts: samples[0].scripts, firstScreenScriptBytes: samples[0].bytes },
      null,
      1,
    ),
  );
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(1);
});
