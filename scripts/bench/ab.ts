// npm run bench -- --ab <revision>: the checkout against an earlier revision, side by side on the
// bench's dataset. How docs/BENCHMARKS.md measured each step of "What the uncached path costs".
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cost } from './cost';
import { load, refused } from './load';
import { benchGatewayEnv, gateway, type Served } from './processes';
import type { Scenario } from './scenarios';

const root = join(__dirname, '..', '..');

/**
 * `revision` compiled as production runs it, into .bench/ab/<commit>/ (built once). It is built
 * from a worktree of its own but run from inside this checkout, so both gateways apply this
 * checkout's migrations to the bench database: a revision older than a migration runs on a
 * schema a little ahead of it, as an instance does during a rolling deploy.
 */
export function buildRevision(revision: string, say: (msg: string) => void): { commit: string; main: string } {
  const commit = execFileSync('git', ['rev-parse', '--short=12', `${revision}^{commit}`], { cwd: root, encoding: 'utf8' }).trim();
  const outDir = join(root, '.bench', 'ab', commit);
  const main = join(outDir, 'src', 'main.js');
  if (existsSync(main)) return { commit, main };
  say(`compiling ${revision} (${commit}) into .bench/ab/ (once)…`);
  const tree = mkdtempSync(join(tmpdir(), 'chommie-ab-'));
  // Built aside and moved into place whole: a failed or interrupted build is never taken for one.
  const building = `${outDir}.building`;
  rmSync(building, { recursive: true, force: true });
  try {
    execFileSync('git', ['worktree', 'add', '--detach', tree, commit], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    symlinkSync(join(root, 'node_modules'), join(tree, 'node_modules'));
    // Prisma's generated client is not in git; the checkout's matches any revision of the same schema.
    cpSync(join(root, 'src', 'generated'), join(tree, 'src', 'generated'), { recursive: true });
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', building], { cwd: tree, stdio: 'inherit' });
    renameSync(building, outDir);
  } finally {
    rmSync(tree, { recursive: true, force: true });
    execFileSync('git', ['worktree', 'prune'], { cwd: root, stdio: 'ignore' });
  }
  return { commit, main };
}

export interface AbOptions {
  dbUrl: string;
  node: string;
  metricsToken: string;
  builds: { name: string; main: string }[];
  scenarios: Scenario[];
  rounds: number;
  seconds: number;
  connections: number;
  costRequests: (scenario: string) => number;
  costConnections: number;
  port: number;
}

/**
 * Each scenario on each build in turn, `rounds` times (the first round warms the compiled code
 * up, and alternating spreads the machine's other work over both): answers per second at
 * `connections`, then CPU per answer billed from /proc (bench/cost.ts). Prints; writes nothing.
 */
export async function abBench(o: AbOptions, say: (msg: string) => void): Promise<void> {
  const served: Served[] = [];
  try {
    for (const [i, b] of o.builds.entries())
      served.push(await gateway(b.main, b.name, o.port + i, { ...benchGatewayEnv(o.dbUrl, o.metricsToken), CACHE_ENABLED: 'false' }, o.node));
    say('round  scenario        build                answered/s  refused  gateway + PostgreSQL CPU ms / answer');
    for (let round = 1; round <= o.rounds; round++)
      for (const s of o.scenarios)
        for (const [i, b] of o.builds.entries()) {
          const gw = served[i];
          const r = await load(gw.url, s.next, o.connections, o.seconds);
          const c = await cost(gw, o.dbUrl, s.next, o.costRequests(s.name), o.costConnections);
          say(
            `${String(round).padEnd(7)}${s.name.padEnd(16)}${b.name.padEnd(21)}${r.answeredPerS.toFixed(0).padStart(10)}  ${String(refused(r)).padStart(7)}  ` +
              `${c.serverMs.toFixed(2)} + ${c.postgresMs.toFixed(2)} = ${(c.serverMs + c.postgresMs).toFixed(2)}`,
          );
        }
  } finally {
    await Promise.all(served.map((s) => s.stop()));
  }
}
