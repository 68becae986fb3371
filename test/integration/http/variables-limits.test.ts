import { jsonShapeProblem, VARIABLES_MAX_DEPTH, VARIABLES_MAX_VALUES } from '../../../src/http/plugins/query-limits';
import { tokenFor } from '../../helpers/gateway';
import { useHttpGateways } from '../../helpers/http';

// Variables are JSON the client chose: parsed at any depth (JSON.parse does not recurse), then
// read by code that does (the response cache's key, graphql-js's coercion). Over real HTTP, with
// the response cache (on Redis when REDIS_URL is set) and without.
const suite = useHttpGateways();

const nested = (depth: number, leaf: unknown = 1, make: (inner: unknown) => unknown = (inner) => [inner]) => {
  let value = leaf;
  for (let i = 1; i < depth; i++) value = make(value);
  return value;
};

interface Answer {
  status: number;
  body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

/** JSON text of `depth` nested arrays: JSON.stringify itself cannot write 5,000 levels. */
const deepText = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

describe.each([
  ['cache on', true],
  ['cache off', false],
] as const)('variables too deep or too large (%s)', (_name, cached) => {
  let url: string;
  beforeAll(async () => {
    url = (await suite.serve({ cached })).url;
  });

  const expectRefused = (answer: Answer, limit: string) => {
    expect({ status: answer.status, code: answer.body.errors?.[0]?.extensions?.code, limit: answer.body.errors?.[0]?.extensions?.limit }).toEqual({
      status: 400,
      code: 'BAD_USER_INPUT',
      limit,
    });
    expect(answer.body.data ?? null).toBeNull();
  };

  it.each([
    ['an unused variable of arrays 5,000 deep', '{ __typename }', `{"v":${deepText(5000)}}`],
    ['an unused variable of objects 5,000 deep', '{ __typename }', `{"v":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`],
    ['a declared filter 3,000 deep', 'query ($f: JobFilter) { jobs(filter: $f, first: 1) { totalCount } }', `{"f":{"search":${deepText(3000)}}}`],
    ['a variable one level too deep', '{ __typename }', `{"v":${deepText(VARIABLES_MAX_DEPTH)}}`],
  ])('refuses %s with BAD_USER_INPUT (HTTP 400), never a 500', async (_case, query, variables) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"query":${JSON.stringify(query)},"variables":${variables}}`,
    });
    const answer = { status: res.status, body: (await res.json()) as Answer['body'] };
    expectRefused(answer, 'variablesDepth');
    expect(answer.body.errors?.[0]?.message).toMatch(new RegExp(`variables are nested more than ${VARIABLES_MAX_DEPTH} levels deep`));
  });

  it('refuses too many values, deep extensions, and deep variables in a mutation, by GET and with a token', async () => {
    expectRefused(await post(url, { query: '{ __typename }', variables: { v: new Array(VARIABLES_MAX_VALUES).fill(0) } }), 'variablesValues');
    const deepExtensions = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"query":"{ __typename }","extensions":{"x":${deepText(5000)}}}`,
    });
    expectRefused({ status: deepExtensions.status, body: (await deepExtensions.json()) as Answer['body'] }, 'variablesDepth');
    const mutation = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenFor(3, 'SEEKER')}` },
      body: `{"query":"mutation ($id: ID!) { applyToJob(jobId: $id) { id } }","variables":{"id":"1","v":${deepText(5000)}}}`,
    });
    expectRefused({ status: mutation.status, body: (await mutation.json()) as Answer['body'] }, 'variablesDepth');
    const get = await fetch(`${url}?query=${encodeURIComponent('{ __typename }')}&variables=${encodeURIComponent(`{"v":${deepText(2000)}}`)}`, {
      headers: { accept: 'application/json' },
    });
    expectRefused({ status: get.status, body: (await get.json()) as Answer['body'] }, 'variablesDepth');
  });

  it('still answers variables within the bounds, twice (the second from the cache when on)', async () => {
    for (let i = 0; i < 2; i++) {
      const ok = await post(url, { query: '{ __typename }', variables: { v: nested(VARIABLES_MAX_DEPTH - 1), w: new Array(1000).fill('x') } });
      expect({ status: ok.status, body: ok.body.data }).toEqual({ status: 200, body: { __typename: 'Query' } });
    }
  });
});

describe('jsonShapeProblem', () => {
  it('accepts the largest legitimate input (a full importJobs) and refuses just past each bound', () => {
    const posting = { title: 't', description: 'd', location: 'l', companyId: '1', externalId: 'x', skills: new Array(50).fill('s') };
    expect(jsonShapeProblem({ jobs: new Array(1000).fill(posting) })).toBeNull();
    expect(jsonShapeProblem(nested(VARIABLES_MAX_DEPTH))).toBeNull();
    expect(jsonShapeProblem(nested(VARIABLES_MAX_DEPTH + 1, {}))).toEqual({ limit: 'depth', max: VARIABLES_MAX_DEPTH });
    expect(jsonShapeProblem(new Array(VARIABLES_MAX_VALUES - 1).fill(null))).toBeNull();
    expect(jsonShapeProblem(new Array(VARIABLES_MAX_VALUES).fill(null))).toEqual({ limit: 'values', max: VARIABLES_MAX_VALUES });
    // No recursion of its own: a million levels are refused, not overflowed.
    expect(jsonShapeProblem(JSON.parse(deepText(1_000_000)))).toEqual({ limit: 'depth', max: VARIABLES_MAX_DEPTH });
  });
});
