import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, validate } from 'graphql';
import { loadConfig } from '../../../src/config';
import { createEventBus } from '../../../src/events/bus';
import { RateLimiter } from '../../../src/ops/rate-limiter';
import { schema } from '../../../src/schema';
import { quiet } from '../../helpers/cache';
import { TEST_JWT_SECRET, tokenFor } from '../../helpers/gateway';
import { useHttpGateways } from '../../helpers/http';
import { uniqueName } from '../../helpers/template';

// docs/INTEGRATORS.md promises that what a reader copies from it works: every `ts` and `sh`
// snippet runs here against a live gateway in production mode (trusted documents, rate limits,
// response cache), or development mode when its fence says `env=development`; every `graphql`
// snippet is valid against the schema and runs without errors.

const root = join(__dirname, '../../..');
const guide = readFileSync(join(root, 'docs/INTEGRATORS.md'), 'utf8');
const blocks = [...guide.matchAll(/^```(\w*)([^\n]*)\n([\s\S]*?)^```$/gm)].map((m) => ({
  lang: m[1],
  info: m[2].trim(),
  code: m[3],
  line: guide.slice(0, m.index).split('\n').length,
}));
const label = (b: (typeof blocks)[number]) => `line ${b.line}: ${b.code.split('\n')[0].slice(0, 70)}`;

const suite = useHttpGateways();
const run = promisify(execFile);
let env: NodeJS.ProcessEnv;
let development: string;

beforeAll(async () => {
  const config = { ...loadConfig({}), CACHE_PREFIX: uniqueName('guide') };
  // With an event bus, as a process has one: the live-updates snippet subscribes.
  const events = createEventBus({ prefix: config.CACHE_PREFIX, timeoutMs: 250, warn: quiet });
  const production = await suite.serve({ config: { TRUSTED_DOCUMENTS: true }, rateLimiter: new RateLimiter(config, null, quiet), events });
  development = (await suite.serve({ config: { TRUSTED_DOCUMENTS: false, APQ_ENABLED: true }, events })).url.replace(/\/graphql$/, '');
  const seeker = await suite.db.prisma.user.findFirstOrThrow({ where: { applications: { some: {} } } });
  env = {
    ...process.env,
    NODE_OPTIONS: '',
    GATEWAY: production.url.replace(/\/graphql$/, ''),
    TOKEN: tokenFor(seeker.id, 'SEEKER'),
    ANALYST_TOKEN: tokenFor(5, 'ANALYST'),
    JWT_SECRET: TEST_JWT_SECRET,
  };
});
afterAll(() => rmSync(join(root, 'salaries.csv'), { force: true }));

it('has only snippets it knows how to check', () => {
  expect(blocks.length).toBeGreaterThan(8);
  for (const b of blocks) expect([label(b), ['ts', 'sh', 'graphql', 'http'].includes(b.lang)]).toEqual([label(b), true]);
});

const of = (lang: string) => blocks.filter((b) => b.lang === lang).map((b) => [label(b), b] as const);

describe('TypeScript snippets run', () => {
  it.each(of('ts'))(
    '%s',
    async (_name, block) => {
      // At the root, where `./client` is.
      const file = join(root, `.guide-snippet-${process.pid}-${block.line}.ts`);
      writeFileSync(file, block.code);
      try {
        const gateway = block.info.includes('env=development') ? development : env.GATEWAY;
        const { stdout } = await run(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), file], {
          cwd: root,
          env: { ...env, GATEWAY: gateway },
          timeout: 120_000,
        });
        expect(stdout.trim().length).toBeGreaterThan(0);
      } finally {
        rmSync(file, { force: true });
      }
    },
    150_000,
  );
});

it('TypeScript snippets type-check against the generated client', async () => {
  const files = of('ts').map(([, block]) => {
    const file = join(root, `.guide-typecheck-${process.pid}-${block.line}.ts`);
    writeFileSync(file, block.code);
    return file;
  });
  try {
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const options = ['--noEmit', '--strict', '--skipLibCheck', '--target', 'es2022', '--module', 'commonjs', '--moduleResolution', 'node', '--types', 'node'];
    const result = await run(process.execPath, [tsc, ...options, ...files], { cwd: root, env }).then(
      () => '',
      (err: { stdout: string }) => err.stdout,
    );
    expect(result).toBe('');
  } finally {
    for (const f of files) rmSync(f, { force: true });
  }
}, 120_000);

describe('shell snippets run', () => {
  it.each(of('sh'))(
    '%s',
    async (_name, block) => {
      const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', block.code], { cwd: root, env, timeout: 60_000 });
      expect(stdout).not.toMatch(/"errors"/);
    },
    90_000,
  );
});

describe('GraphQL snippets are valid and run', () => {
  it.each(of('graphql'))('%s', async (_name, block) => {
    expect(validate(schema, parse(block.code)).map((e) => e.message)).toEqual([]);
    const res = await fetch(`${development}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${env.ANALYST_TOKEN}` },
      body: JSON.stringify({ query: block.code }),
    });
    const body = (await res.json()) as { errors?: unknown[]; data?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data).toBeDefined();
  });
});
