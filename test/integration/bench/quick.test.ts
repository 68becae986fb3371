// `npm run bench -- --quick` (scripts/bench/quick.ts) is CI's check under load; this holds its
// verdicts to what they promise, and the scenarios to their SQL budgets on the test data, on
// both backends, in the ordinary test run.
import { failures, observer, table, type QuickCell } from '../../../scripts/bench/quick';
import type { LoadResult } from '../../../scripts/bench/load';
import { loadPools, scenarios, sqlBudget, SQL_BUDGET, type Req } from '../../../scripts/bench/scenarios';
import { refreshTrending } from '../../../src/data/trending';
import { emptyAndClose, makeCache } from '../../helpers/cache';
import { testGateway, TEST_JWT_SECRET, useGatewaySuite } from '../../helpers/gateway';

const loaded = (over: Partial<LoadResult> = {}): LoadResult => ({
  answeredPerS: 100,
  answered: 300,
  refused429: 0,
  refused503: 0,
  failed: 0,
  timeouts: 0,
  p50: 10,
  p90: 20,
  p99: 30,
  refusedP50: 0,
  refusedP99: 0,
  requests: 300,
  ...over,
});

const cell = (over: Partial<QuickCell> = {}): QuickCell => ({
  scenario: 'headline',
  mode: 'uncached',
  seconds: 3,
  load: loaded(),
  warmupFailed: 0,
  answeredAtAll: true,
  sql: { max: 2, total: 600, counted: 300, missing: 0 },
  budget: 2,
  cpuMsPerAnswer: 5,
  firstFailure: null,
  ...over,
});

describe('the quick bench’s verdicts', () => {
  it('passes a cell that answered within its budget, refusals and timeouts being load rather than breakage', () => {
    expect(failures([cell(), cell({ mode: 'cached', load: loaded({ refused503: 40, timeouts: 2 }) })])).toEqual([]);
  });

  it('fails a request over its scenario’s budget, naming the scenario, the count and the budget', () => {
    expect(failures([cell({ budget: 1 })])).toEqual(['headline (uncached): SQL budget exceeded: a request sent 2 statements, the budget is 1']);
    // The declared budget, lowered by one, fails what the declared one passes.
    const budget = sqlBudget('search+facets');
    const measured = cell({ scenario: 'search+facets', sql: { max: budget, total: budget, counted: 1, missing: 0 }, budget });
    expect(failures([measured])).toEqual([]);
    expect(failures([{ ...measured, budget: budget - 1 }])).toHaveLength(1);
  });

  it('fails a broken scenario: failed responses (the warm-up’s too), or nothing answered', () => {
    const [broken] = failures([cell({ warmupFailed: 1, firstFailure: 'HTTP 200: {"errors":[…]}' })]);
    expect(broken).toMatch(/^headline \(uncached\): BROKEN: 1 response failed .*first: HTTP 200/);
    const none = { load: loaded({ answered: 0, answeredPerS: 0, refused503: 12 }), sql: { max: 0, total: 0, counted: 0, missing: 0 } };
    expect(failures([cell({ ...none, answeredAtAll: false, firstFailure: 'HTTP 503: {"errors":[…]}' })])).toEqual([
      'headline (uncached): BROKEN: answered nothing, neither under load (12 refused, 0 timed out, 0 failed in 3 s) nor one request alone within 30 s: HTTP 503: {"errors":[…]}',
    ]);
    // Nothing within the cell, but an answer to one request alone: slow (a cold gateway, a busy machine), not broken.
    expect(failures([cell(none)])).toEqual([]);
  });

  it('cannot check a budget without extensions.sql, and says so', () => {
    expect(failures([cell({ sql: { max: 2, total: 2, counted: 1, missing: 4 } })])).toEqual([
      'headline (uncached): 4 2xx responses without extensions.sql: the SQL budget cannot be checked',
    ]);
  });

  it('reads the statement count from the end of each body, and keeps the first failure', () => {
    const seen = cell({ sql: { max: 0, total: 0, counted: 0, missing: 0 } });
    const see = observer(seen);
    // A string value holding the marker is escaped: only the extensions' own one counts.
    see(200, JSON.stringify({ data: { job: { title: '"sql":{"statements":99' } }, extensions: { sql: { statements: 1, ms: 0.5 } } }), true);
    see(200, '{"data":{"jobs":null},"extensions":{"sql":{"statements":3,"ms":2}}}', true);
    see(503, '{"errors":[{"message":"busy"}]}', false);
    see(200, '{"errors":[{"message":"boom"}],"data":null,"extensions":{"sql":{"statements":0,"ms":0}}}', false);
    see(200, '{"data":{}}', true);
    expect(seen.sql).toEqual({ max: 3, total: 4, counted: 3, missing: 1 });
    expect(seen.firstFailure).toBe('HTTP 200: {"errors":[{"message":"boom"}],"data":null,"extensions":{"sql":{"statements":0,"ms":0}}}');
    expect(table([seen]).split('\n')[1]).toMatch(/^headline +uncached .* 3 ! +1\.33 +2 +5\.00$/);
  });
});

const suite = useGatewaySuite();

describe('the bench’s scenarios on the test data', () => {
  // As a gateway's refresher keeps it (trending/refresher.ts): without it, trending is computed live.
  beforeAll(() => refreshTrending(suite.db.prisma, 7, { minAgeS: 0, freshForS: 3600 }));

  const send = (gql: typeof suite.gql, req: Req) => {
    const { query, variables } = JSON.parse(req.body) as { query: string; variables?: Record<string, unknown> };
    return gql(query, variables, { token: req.token });
  };

  it('every declared scenario has a budget', async () => {
    const { list, applications } = scenarios(await loadPools(suite.db.raw, TEST_JWT_SECRET));
    for (const s of [...list, applications]) expect(sqlBudget(s.name)).toBeGreaterThan(0);
    expect(Object.keys(SQL_BUDGET).sort()).toEqual(
      [...list, applications]
        .map((s) => s.name)
        .filter((n) => n !== 'mixed')
        .sort(),
    );
  });

  it.each([
    ['uncached', false],
    ['cached', true],
  ])('answers what each scenario draws within its SQL budget, %s', async (_mode, cached) => {
    const cache = cached ? makeCache() : null;
    try {
      const gql = cache ? testGateway(suite.db, { responseCache: cache }).gql : suite.gql;
      const { list, applications } = scenarios(await loadPools(suite.db.raw, TEST_JWT_SECRET), cached ? 2 : 1);
      const most: Record<string, number> = {};
      for (const s of [...list, applications]) {
        for (let i = 0; i < (s.name === 'mixed' ? 40 : 8); i++) {
          const res = await send(gql, s.next());
          expect({ scenario: s.name, errors: res.errors }).toEqual({ scenario: s.name, errors: undefined });
          most[s.name] = Math.max(most[s.name] ?? 0, res.extensions!.sql!.statements);
        }
      }
      for (const [name, n] of Object.entries(most)) expect({ name, n, within: n <= sqlBudget(name) }).toEqual({ name, n, within: true });
    } finally {
      if (cache) await emptyAndClose([cache]);
    }
  });
});
