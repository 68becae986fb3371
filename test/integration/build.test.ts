import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readManifest } from '../../src/http/plugins/documents';
import { tempDir, uniqueName } from '../helpers/template';

// The production build: `npm run build` emits JavaScript that plain `node` serves, with no
// TypeScript loader in the process, and that still finds what it reads at run time (the
// migrations, the trusted-documents manifest) from wherever it is started.
const root = join(__dirname, '../..');
// Inside the checkout, as dist/ is: the compiled files resolve node_modules and the project root
// by walking up. Its own directory, so a developer's dist/ and other runs are left alone.
const outDir = join(root, '.test-results', uniqueName('build'));
const dataDir = tempDir('chommie-build');
let child: ReturnType<typeof spawn> | undefined;
afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  rmSync(outDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

const [trendingId] = Object.entries(readManifest()).find(([, doc]) => doc.startsWith('query Trending'))!;

it('npm run build compiles the gateway, which plain node serves in production mode', async () => {
  mkdirSync(join(root, '.test-results'), { recursive: true });
  const build = spawnSync('npm', ['run', 'build', '--', '--outDir', outDir], { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  expect({ code: build.status, output: `${build.stdout}${build.stderr}` }).toEqual({ code: 0, output: expect.any(String) });
  for (const file of ['src/main.js', 'scripts/import.js', 'scripts/db-migrate.js']) expect(existsSync(join(outDir, file))).toBe(true);

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    JWT_SECRET: 'build-test-secret-at-least-32-characters',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    SEED_ON_EMPTY: 'true',
    SHUTDOWN_GRACE_MS: '0',
    NODE_OPTIONS: '',
  };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  // Started from elsewhere than the checkout, as a process manager may: nothing may depend on the cwd.
  const gateway = spawn(process.execPath, [join(outDir, 'src/main.js')], { cwd: tmpdir(), env });
  child = gateway;
  let output = '';
  const exited = new Promise<number | null>((resolve) => gateway.on('exit', resolve));
  const base = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /ready: (http:\/\/localhost:\d+)\/graphql/.exec(output);
      if (ready) resolve(ready[1]);
    };
    gateway.stdout.on('data', onData);
    gateway.stderr.on('data', onData);
    void exited.then((code) => reject(new Error(`compiled gateway exited with ${code}:\n${output}`)));
  });

  // Migrations were found and applied from the compiled db/migrate.js.
  const ready = await fetch(`${base}/ready`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toMatchObject({ database: 'ok', migrations: 'ok' });
  // Production means trusted documents: the manifest was found, and only its operations run.
  const post = (body: unknown) =>
    fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({
      status: r.status,
      body: await r.json(),
    }));
  const trending = await post({ documentId: trendingId, variables: { days: 30, first: 3 } });
  expect(trending.body.errors).toBeUndefined();
  expect(trending.body.data.trendingJobs).toHaveLength(3);
  expect(trending.body.data.trendingJobs[0]).toEqual({
    applicationCount: expect.any(Number),
    company: { name: expect.any(String) },
    id: expect.any(String),
    title: expect.any(String),
  });
  const arbitrary = await post({ query: '{ jobs(first: 1) { totalCount } }' });
  expect(arbitrary.body.errors?.[0].extensions?.code).toBe('PERSISTED_QUERY_ONLY');

  gateway.kill('SIGTERM');
  expect(await exited).toBe(0);
}, 300_000);
