import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { gateway } from './processes';

export interface Freshness {
  feed: string;
  jobs: number;
  /** The import command, start to exit. */
  importS: number;
  /** From the import's exit until a reader of the cached gateway sees every list the database has. */
  listsS: number;
  /** Jobs that have no similar job at all once the queue is empty (no shared term with any other). */
  withoutList: number;
}

type Page = { edges: { node: { similarJobs: unknown[] } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };

const PAGE = `query Fresh($after: String) { jobs(first: 100, after: $after) {
  edges { node { id similarJobs(first: 1) { id } } } pageInfo { hasNextPage endCursor } } }`;

/**
 * Similar jobs after a bulk import, as a reader sees them: a cached gateway on an empty database,
 * the feed imported by the compiled importer (`build`: the bench's build directory), then every
 * job read through that gateway, page by page, until each job whose list exists in the database
 * shows it and the queue is empty. The reads go through the response cache, so an answer
 * cached while a list was still missing counts against it until the refresher invalidates it.
 */
export async function freshnessAfterImport(
  serverUrl: string,
  build: string,
  node: string,
  env: NodeJS.ProcessEnv,
  port: number,
  feed: string,
  say: (msg: string) => void,
): Promise<Freshness | null> {
  if (!existsSync(feed)) {
    say(`  freshness after import not measured: no feed at ${feed}`);
    return null;
  }
  const name = `chommie_bench_fresh_${process.pid}`;
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  const db = new pg.Client({ connectionString: url.toString() });
  const served = await gateway(join(build, 'src', 'main.js'), 'fresh', port, { ...env, DATABASE_URL: url.toString(), CACHE_ENABLED: 'true' }, node);
  try {
    await db.connect();
    let started = performance.now();
    await promisify(execFile)(node, [join(build, 'scripts', 'import.js'), feed], {
      env: { ...process.env, ...env, DATABASE_URL: url.toString(), NODE_OPTIONS: '' },
    });
    const importS = (performance.now() - started) / 1000;
    started = performance.now();
    for (;;) {
      const [{ queued, without }] = (
        await db.query<{ queued: number; without: number }>(`SELECT (SELECT count(*)::int FROM job_similar_queue) AS queued,
          (SELECT count(*)::int FROM job j WHERE j.is_active AND NOT EXISTS (
            SELECT 1 FROM job_similar s JOIN job o ON o.id = s.similar_id AND o.is_active WHERE s.job_id = j.id)) AS without`)
      ).rows;
      let shownWithout = 0;
      let jobs = 0;
      let after: string | null = null;
      do {
        const res: Response = await fetch(`${served.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: PAGE, variables: { after } }),
        });
        const page: Page = ((await res.json()) as { data: { jobs: Page } }).data.jobs;
        jobs += page.edges.length;
        shownWithout += page.edges.filter((e) => e.node.similarJobs.length === 0).length;
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      } while (after);
      const listsS = (performance.now() - started) / 1000;
      if (queued === 0 && shownWithout === without) return { feed, jobs, importS, listsS, withoutList: without };
      if (listsS > 600) throw new Error(`similar jobs still missing 600 s after the import (${shownWithout} shown without a list, ${queued} queued)`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await served.stop();
    await db.end().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}
