import { join } from 'node:path';
import pg from 'pg';
import { benchPackage, node22, serve, type Served } from './processes';

/**
 * The peer, installed on first use into .bench/postgraphile/ like its Node 22: as a
 * devDependency it made every `npm install` on Node 20 print its engines warnings.
 */
export const PEER_PACKAGE = 'postgraphile@5.1.5';
/**
 * The same similar-jobs lists the gateway reads, as a computed column PostGraphile exposes
 * (`Job.similarJobs`). Created in the benchmark's own database only, never by our migrations.
 */
const SIMILAR_FUNCTION = `CREATE OR REPLACE FUNCTION job_similar_jobs(j job) RETURNS SETOF job LANGUAGE sql STABLE AS $$
  SELECT s2.* FROM job_similar s JOIN job s2 ON s2.id = s.similar_id AND s2.is_active
  WHERE s.job_id = j.id ORDER BY s.rank $$;
  -- PostGraphile offers conditions on indexed columns only; is_active's indexes are partial.
  COMMENT ON COLUMN job.is_active IS '@behavior +filterBy'`;

/** The headline and job page, asked of PostGraphile's generated schema (amber preset). */
export const PEER_QUERIES = {
  headline: `{ allJobs(first: 50, orderBy: CREATED_AT_DESC, condition: { isActive: true }) { nodes { rowId title
    companyByCompanyId { name } applicationsByJobId { totalCount }
    similarJobs(first: 5) { nodes { title companyByCompanyId { name } } } } } }`,
  jobPage: `query JobPage($id: Int!) { jobByRowId(rowId: $id) { rowId title description location salaryMin salaryMax
    companyByCompanyId { rowId name } applicationsByJobId { totalCount }
    similarJobs(first: 5) { nodes { rowId title companyByCompanyId { name } } } } }`,
};

export async function startPeer(dbUrl: string, port: number, say: (msg: string) => void): Promise<Served> {
  const dir = benchPackage(PEER_PACKAGE, 'postgraphile', say);
  const node = node22(say);
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  await c.query(SIMILAR_FUNCTION);
  await c.end();
  const peer = await serve(
    'postgraphile',
    node,
    [
      join(dir, 'node_modules', 'postgraphile', 'dist', 'cli-run.js'),
      '-c',
      dbUrl,
      '-s',
      'public',
      '-P',
      'postgraphile/presets/amber',
      '-p',
      String(port),
      '-n',
      '127.0.0.1',
    ],
    { ...process.env, NODE_OPTIONS: '', GRAPHILE_ENV: 'production' },
    `http://127.0.0.1:${port}`,
    /Server listening|listening on|http:\/\/127\.0\.0\.1:\d+/i,
    undefined,
    // Its presets (`-P`) resolve from the working directory: the one it is installed in.
    dir,
  );
  // Its answers must be real data, or the comparison means nothing.
  const res = await fetch(`${peer.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: PEER_QUERIES.headline }),
  });
  const body = (await res.json()) as { data?: { allJobs?: { nodes: unknown[] } }; errors?: { message: string }[] };
  if (!body.data?.allJobs?.nodes.length) {
    await peer.stop();
    throw new Error(`PostGraphile answered the headline query with ${JSON.stringify(body.errors ?? body).slice(0, 500)}`);
  }
  return peer;
}
