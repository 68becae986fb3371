import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { testGateway, tokenFor, useGatewaySuite } from '../../helpers/gateway';

const suite = useGatewaySuite();
const root = join(__dirname, '../../..');

describe('generated client', () => {
  it('is up to date with the schema and the operations (run `npm run codegen` when this fails)', async () => {
    // Code Generator's CLI is ESM that Jest cannot load: ask it in a process of its own.
    const run = promisify(execFile);
    const { stdout } = await run(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'scripts/codegen-check.ts')], {
      cwd: root,
      env: { ...process.env, NODE_OPTIONS: '' },
    }).catch((err) => err as { stdout: string });
    const { checked, stale } = JSON.parse(stdout) as { checked: string[]; stale: string[] };
    expect(checked).toEqual(expect.arrayContaining(['schema.graphql', 'client/generated/graphql.ts', 'client/generated/persisted-documents.json']));
    expect(stale).toEqual([]);
  }, 60_000);

  it('lists every example operation in the persisted-documents manifest, keyed by its hash', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'client/generated/persisted-documents.json'), 'utf8')) as Record<string, string>;
    const names = Object.values(manifest).map((doc) => /^(?:query|mutation|subscription) (\w+)/.exec(doc)?.[1]);
    expect(names.sort()).toEqual([
      'AnalystCharts',
      'ApplicationReceived',
      'ApplyToJob',
      'JobPage',
      'JobSearch',
      'JobUpdated',
      'MyApplicationUpdates',
      'MyApplications',
      'NewJobs',
      'SearchMore',
      'SearchPage',
      'SearchSuggestions',
      'TopEmployers',
      'Trending',
    ]);
    expect(Object.keys(manifest).every((k) => /^sha256:[0-9a-f]{64}$/.test(k))).toBe(true);
  });
});

describe('the example integrator program', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    // As in production: trusted documents only, so the program must send manifest ids.
    const { gateway } = testGateway(suite.db, { config: { TRUSTED_DOCUMENTS: true } });
    server = createServer((req, res) => void gateway(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('prints real results from a live trusted-documents gateway, with the generated types', async () => {
    const user = await suite.db.prisma.user.findFirstOrThrow({ where: { applications: { some: {} } } });
    const run = promisify(execFile);
    const { stdout } = await run(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'examples/integrator.ts'), 'engineer'], {
      env: { ...process.env, NODE_OPTIONS: '', GATEWAY_URL: url, TOKEN: tokenFor(user.id, 'SEEKER') },
    });
    const total = await suite.gql('{ jobs(filter: { search: "engineer" }) { totalCount } }');
    expect(stdout).toContain(`${total.data.jobs.totalCount} jobs match "engineer"`);
    const newest = await suite.gql('{ jobs(first: 1, orderBy: RELEVANCE, filter: { search: "engineer" }) { edges { node { title company { name } } } } }');
    const top = newest.data.jobs.edges[0].node;
    expect(stdout).toContain(`- ${top.title} at ${top.company.name}`);
    expect(stdout).toMatch(/Similar:\n- .+ at .+/);
    expect(stdout).toMatch(/Trending: .+ \(\d+\)/);
    const mine = await suite.db.prisma.application.count({ where: { userId: user.id } });
    expect(stdout).toContain(`${user.name}: ${mine} application${mine === 1 ? '' : 's'}\n`);
    expect(stdout).not.toMatch(/\b1 (applications|jobs)\b/);
  }, 60_000);

  it('says in one line that the gateway is unreachable and how to start it, and exits 1', async () => {
    // A port nothing listens on: taken, then released.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const gatewayUrl = `http://127.0.0.1:${port}/graphql`;
    const failed = await promisify(execFile)(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'examples/integrator.ts')], {
      env: { ...process.env, NODE_OPTIONS: '', GATEWAY_URL: gatewayUrl },
    }).then(
      () => null,
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stdout).toBe('');
    expect(failed?.stderr.trim().split('\n')).toEqual([
      `The gateway at ${gatewayUrl} is unreachable (ECONNREFUSED): start it with \`npm start\`, or set GATEWAY_URL to where it runs.`,
    ]);
  }, 60_000);
});
