import { cpSync, readFileSync, rmSync } from 'node:fs';
import { fromRoot } from '../../../src/paths';
import { openTestDatabase, type TestDatabase } from '../../helpers/db';
import { startGateway, type GatewayProcess } from '../../helpers/process';
import { prometheusPath, startPrometheus, type Prometheus, type QueryAnswer } from '../../helpers/prometheus';
import { describeIf } from '../../helpers/skip';
import { pgUrl, TEMPLATE_ENV, tempDir, uniqueName } from '../../helpers/template';

// deploy/grafana/chommie-gateway.json against what the gateway really exports: a gateway process
// (as `npm start` runs it) under a load of a few operations, one that errors and a client that
// gets rate limited, scraped every second by a private Prometheus (Debian's package). Every
// panel's expression must parse in Prometheus, read only metrics the gateway exports, and the
// panels that show the load must show it.

const DASHBOARD_FILE = fromRoot('deploy', 'grafana', 'chommie-gateway.json');
const JOB = 'chommie-gateway';

/**
 * What Grafana would put in place of the dashboard's variables. `$__rate_interval` is a minute:
 * the whole load falls inside it, so every rate is over the load rather than over the last
 * scrapes alone (Grafana's own value, at least four scrape intervals, would be 4 s here). The
 * template variables are what "All" selects, and the job this test's Prometheus scrapes.
 */
const VARIABLES: Record<string, string> = { __rate_interval: '1m', job: JOB, instance: '.*', operation: '.*' };

interface Target {
  expr: string;
  legendFormat?: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  __inputs: { name: string; pluginId: string }[];
  panels: Panel[];
  templating: { list: { name: string; type: string; query: string | { query: string } }[] };
}

const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;

/** Every panel, those inside collapsed rows too. */
const allPanels = (panels: Panel[]): Panel[] => panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
const panels = allPanels(dashboard.panels).filter((p) => p.type !== 'row');
const expressions = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr, legend: t.legendFormat })));

/** The expression Prometheus is asked: the variables replaced; one it does not know fails the test. */
function substitute(expr: string): string {
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, (whole, braced?: string, bare?: string) => {
    const value = VARIABLES[(braced ?? bare)!];
    if (value === undefined) throw new Error(`unknown dashboard variable ${whole} in ${expr}`);
    return value;
  });
}

const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

/**
 * The metric names a PromQL expression reads: its identifiers once strings, label matchers,
 * ranges, grouping clauses and numbers are taken out, other than functions and aggregations
 * (followed by a parenthesis) and keywords.
 */
function metricNamesIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/(?<![\w:])\d[\w.+-]*/g, ' ');
  const names = [...bare.matchAll(/[a-zA-Z_:][\w:]*(?![\w:])(?!\s*\()/g)].map((m) => m[0]);
  return [...new Set(names.filter((w) => !PROMQL_WORDS.has(w.toLowerCase())))];
}

/** The names a Prometheus text exposition declares (`# TYPE`), with a histogram's and a summary's series. */
function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name);
    if (type === 'histogram') ['_bucket', '_sum', '_count'].forEach((s) => names.add(name + s));
    if (type === 'summary') ['_sum', '_count'].forEach((s) => names.add(name + s));
  }
  return names;
}

type Vector = { metric: Record<string, string>; value: [number, string] }[];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const vector = (answer: QueryAnswer): Vector => (answer.data?.resultType === 'vector' ? (answer.data.result as Vector) : []);

describe('the Grafana dashboard file', () => {
  it('is importable: every panel reads the templated Prometheus data source, asked for on import', () => {
    expect(dashboard.__inputs).toEqual([expect.objectContaining({ name: 'DS_PROMETHEUS', pluginId: 'prometheus' })]);
    const datasource = dashboard.templating.list.find((v) => v.name === 'datasource');
    expect(datasource).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const p of panels)
      expect({ panel: p.title, datasource: p.datasource }).toEqual({ panel: p.title, datasource: { type: 'prometheus', uid: '${datasource}' } });
    const ids = allPanels(dashboard.panels).map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(expressions.length).toBeGreaterThan(40);
  });

  it('finds the metric names in an expression, and nothing else', () => {
    expect(
      metricNamesIn(
        'histogram_quantile(0.99, sum by (operation, le) (rate(graphql_request_duration_seconds_bucket{job=~"$job", operation!="x y"}[$__rate_interval])))',
      ),
    ).toEqual(['graphql_request_duration_seconds_bucket']);
    expect(metricNamesIn('sum(rate(a_total{outcome="answered"}[1m])) / ignoring (outcome) group_left sum by (operation) (b_total) > 1e3 and on() c')).toEqual([
      'a_total',
      'b_total',
      'c',
    ]);
  });
});

describeIf(prometheusPath(), 'needs prometheus (apt-get install prometheus): the dashboard is checked against a real Prometheus')(
  'the Grafana dashboard against a gateway under load',
  () => {
    let gateway: GatewayProcess;
    let prometheus: Prometheus;
    let db: TestDatabase | undefined;
    let exposition: string;
    const dataDir = tempDir('chommie-grafana');
    const statuses = new Map<string, number>();
    const ask = async (query: string, variables: Record<string, unknown>, client: string) => {
      const res = await fetch(`${gateway.base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
        body: JSON.stringify({ query, variables }),
      });
      await res.arrayBuffer();
      const key = `${/(query|mutation) (\w+)/.exec(query)?.[2]} ${res.status}`;
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
      return res.status;
    };

    beforeAll(async () => {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        NODE_ENV: 'test',
        LOG_FORMAT: 'json',
        SEED_ON_EMPTY: 'false',
        SHUTDOWN_GRACE_MS: '0',
        CACHE_PREFIX: uniqueName('grafana'),
        // Clients told apart by X-Forwarded-For, each with a budget one greedy client soon spends.
        TRUST_PROXY_HOPS: '1',
        RATE_LIMIT_POINTS: '5000',
      };
      delete env.DATABASE_URL;
      delete env.METRICS_PORT;
      if (pgUrl()) {
        db = await openTestDatabase();
        env.DATABASE_URL = db.url;
      } else cpSync(process.env[TEMPLATE_ENV]!, dataDir, { recursive: true });
      env.DATA_DIR = dataDir;
      gateway = await startGateway(env);
      prometheus = await startPrometheus({ jobs: { [JOB]: { targets: [new URL(gateway.base).host] } }, intervalS: 1 });
      await prometheus.waitForScrapes(JOB, 1);

      // Seconds of load while it scrapes, so that every series grows across several samples (a
      // series' first sample is not an increase to rate()). Among it, a client spending its
      // budget on uncached pages a few times a second: answered at first, then refused.
      const page = 'query JobsPage($first: Int!) { jobs(first: $first) { edges { node { id title company { name } } } } }';
      const greedy = page.replace('JobsPage', 'GreedyPage');
      const one = 'query OneJob($id: ID!) { job(id: $id) { id title } }';
      const suggest = 'query Suggest($prefix: String!) { searchSuggestions(prefix: $prefix) { value kind jobCount } }';
      const bad = 'query BadJob { job(id: "not-an-id") { title } }';
      const until = Date.now() + 6000;
      let greedyAt = 0;
      let greedyFirst = 100;
      let refusals = 0;
      for (let round = 0; Date.now() < until || refusals < 3; round += 1) {
        if (greedyFirst === 0) throw new Error(`the greedy client was never refused: ${JSON.stringify([...statuses])}`);
        const client = `10.0.${round % 250}.1`;
        const requests: Promise<unknown>[] = [
          ask(page, { first: 5 + (round % 4) }, client),
          ask(one, { id: String(1 + (round % 12)) }, client),
          ask(one, { id: String(1 + ((round * 7) % 12)) }, client),
          ask(suggest, { prefix: ['py', 'java', 'rem', 'data'][round % 4] }, client),
          ask(bad, {}, client),
        ];
        if (Date.now() >= greedyAt) {
          greedyAt = Date.now() + 400;
          requests.push(ask(greedy, { first: greedyFirst-- }, '10.9.9.9').then((status) => (refusals += status === 429 ? 1 : 0)));
        }
        await Promise.all(requests);
        await sleep(20);
      }
      await prometheus.waitForScrapes(JOB, 2);
      exposition = await (await fetch(`${gateway.base}/metrics`)).text();
    }, 180_000);

    afterAll(async () => {
      if (gateway && gateway.child.exitCode === null) gateway.child.kill('SIGKILL');
      await prometheus?.stop();
      await db?.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('put the intended load on the gateway: answered, failed and refused requests', () => {
      expect(Object.fromEntries(statuses)).toMatchObject({
        'JobsPage 200': expect.any(Number),
        'BadJob 200': expect.any(Number),
        'GreedyPage 200': expect.any(Number),
        'GreedyPage 429': expect.any(Number),
      });
      expect([...statuses.values()].reduce((a, b) => a + b)).toBeGreaterThan(200);
    });

    it('Prometheus scrapes the gateway and parses what it exports', async () => {
      expect(vector(await prometheus.query(`up{job="${JOB}"}`)).map((s) => s.value[1])).toEqual(['1']);
    });

    it.each(expressions)('$panel: `$expr` is valid PromQL', async ({ expr }) => {
      const answer = await prometheus.query(substitute(expr));
      expect({ status: answer.status, error: answer.error }).toEqual({ status: 'success', error: undefined });
    });

    it('reads only metrics the gateway exports (redis_up only with Redis)', () => {
      const exported = exportedNames(exposition);
      expect(exported).toContain('graphql_request_duration_seconds_bucket');
      // Absent by contract without REDIS_URL: no Redis to be up or down.
      const conditional = process.env.REDIS_URL ? [] : ['redis_up'];
      for (const name of conditional) expect(exported).not.toContain(name);
      const unknown = expressions.flatMap(({ panel, expr }) => {
        const names = metricNamesIn(expr);
        if (!names.length) return [{ panel, expr, problem: 'reads no metric' }];
        return names.filter((n) => !exported.has(n) && !conditional.includes(n)).map((n) => ({ panel, expr, problem: `${n} is not exported` }));
      });
      expect(unknown).toEqual([]);
    });

    it("reads only exported metrics in the variables' queries", () => {
      const exported = exportedNames(exposition);
      const queries = dashboard.templating.list.filter((v) => v.type === 'query').map((v) => (typeof v.query === 'string' ? v.query : v.query.query));
      expect(queries.length).toBeGreaterThanOrEqual(3);
      for (const q of queries) {
        const name = /^label_values\((\w+)/.exec(q)?.[1];
        expect({ q, exported: name !== undefined && exported.has(name) }).toEqual({ q, exported: true });
      }
    });

    /** The series a panel's expression gives, by its legend. */
    const shown = async (panel: string, legend?: string) => {
      const targets = expressions.filter((e) => e.panel === panel && (legend === undefined || e.legend === legend));
      expect(targets.length).toBeGreaterThan(0);
      return (await Promise.all(targets.map(async (t) => vector(await prometheus.query(substitute(t.expr)))))).flat();
    };
    const positive = (series: Vector) => series.filter((s) => Number(s.value[1]) > 0);

    it('shows the requests answered, refused and the client’s mistakes (invalid), per operation', async () => {
      const byOutcome = await shown('Requests by outcome');
      expect(
        positive(byOutcome)
          .map((s) => s.metric.outcome)
          .sort(),
      ).toEqual(['answered', 'invalid', 'refused']);
      const perOperation = positive(await shown('Requests by operation and outcome')).map((s) => `${s.metric.operation} ${s.metric.outcome}`);
      expect(perOperation).toEqual(
        expect.arrayContaining(['JobsPage answered', 'OneJob answered', 'Suggest answered', 'BadJob invalid', 'GreedyPage answered', 'GreedyPage refused']),
      );
    });

    it('shows latency percentiles overall and by operation', async () => {
      const overall = await shown('Latency percentiles, all selected operations');
      expect(overall).toHaveLength(3);
      for (const s of overall) expect(Number(s.value[1])).toBeGreaterThan(0);
      const byOperation = await shown('Latency percentiles by operation');
      expect(new Set(byOperation.filter((s) => Number.isFinite(Number(s.value[1]))).map((s) => s.metric.operation))).toEqual(
        new Set(['JobsPage', 'OneJob', 'Suggest', 'BadJob', 'GreedyPage']),
      );
    });

    it('shows SQL statements per request and a cache hit ratio between 0 and 1', async () => {
      const statements = await shown('SQL statements per request', 'mean');
      expect(statements).toHaveLength(1);
      expect(Number(statements[0].value[1])).toBeGreaterThan(0);
      expect(await shown('SQL statements per request')).toHaveLength(4);
      const ratio = Number((await shown('Cache hit ratio'))[0]?.value[1]);
      expect(ratio).toBeGreaterThan(0);
      expect(ratio).toBeLessThan(1);
    });

    it('shows the rate-limited requests and the background refreshes this process runs', async () => {
      expect(positive(await shown('Rate-limited requests', 'rate limited'))).toHaveLength(1);
      const ages = await shown('Background refresh age');
      const refreshes = Object.fromEntries(ages.map((s) => [s.metric.refresh, Number(s.value[1])]));
      // The similar-jobs batch runs every second (SIMILAR_JOBS_REFRESH_MS): it has succeeded by now.
      expect(refreshes.similar_jobs).toBeGreaterThanOrEqual(0);
      expect(refreshes.similar_jobs).toBeLessThan(30);
      expect(Object.keys(refreshes).sort()).toEqual(['search_terms', 'similar_jobs', 'trending']);
    });

    it('shows the primary database up for the gateway under load', async () => {
      const database = await shown('Database, Redis and cache state', '{{instance}} database up');
      expect(database.map((s) => [s.metric.instance, s.value[1]])).toEqual([[new URL(gateway.base).host, '1']]);
    });

    it('shows Redis up when the gateway has one, and no Redis series when it has none', async () => {
      const redis = await shown('Database, Redis and cache state', '{{instance}} Redis up');
      expect(redis.map((s) => s.value[1])).toEqual(process.env.REDIS_URL ? ['1'] : []);
    });
  },
);
