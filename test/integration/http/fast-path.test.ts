import { loadConfig } from '../../../src/config';
import { RateLimiter } from '../../../src/ops/rate-limiter';
import { readManifest } from '../../../src/http/plugins/documents';
import { quiet } from '../../helpers/cache';
import { tokenFor } from '../../helpers/gateway';
import { useHttpGateways } from '../../helpers/http';
import { uniqueName } from '../../helpers/template';

// Cache hits answered before Yoga (src/http/fast-path.ts), over real HTTP as in production.
const suite = useHttpGateways();

async function serve(options: { trusted?: boolean; limiter?: RateLimiter } = {}) {
  const { cache, url, gateway } = await suite.serve({ rateLimiter: options.limiter, config: { TRUSTED_DOCUMENTS: options.trusted ?? false } });
  const post = async (body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { status: res.status, type: res.headers.get('content-type'), requestId: res.headers.get('x-request-id'), text: await res.text() };
  };
  const fast = jest.spyOn(cache!, 'getJson');
  /** Whether the last request was answered by the fast path from the cache. */
  const answeredFast = async () => typeof (await fast.mock.results.at(-1)?.value) === 'string';
  return { cache: cache!, post, answeredFast, gateway };
}

const QUERY = 'query Title($id: ID!) { job(id: $id) { id title company { name } } }';

describe('cache hits before the GraphQL pipeline', () => {
  it('answers a repeated query with the very bytes the pipeline sends for a hit, with a request id', async () => {
    const { post, answeredFast, gateway } = await serve();
    const first = await post({ query: QUERY, variables: { id: '3' } });
    expect(JSON.parse(first.text).extensions.responseCache).toEqual({ hit: false });
    const hit = await post({ query: QUERY, variables: { id: '3' } }, { 'x-request-id': 'abc-1' });
    expect(await answeredFast()).toBe(true);
    expect(hit).toMatchObject({ status: 200, type: 'application/json; charset=utf-8', requestId: 'abc-1' });
    const viaYoga = await gateway.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: QUERY, variables: { id: '3' } }),
    });
    expect(hit.text).toBe(await viaYoga.text());
  });

  it('negotiates the response type as Yoga does, and leaves unacceptable ones to it', async () => {
    const { post } = await serve();
    await post({ query: QUERY, variables: { id: '4' } });
    // A cached query with parameters Yoga refuses is refused, not answered from the cache.
    expect((await post({ query: QUERY, variables: { id: '4' }, extensions: 'x' }, { accept: 'application/graphql-response+json' })).status).toBe(400);
    expect((await post({ query: QUERY, variables: { id: '4' }, unknown: 1 }, { accept: 'application/graphql-response+json' })).status).toBe(400);
    expect((await post({ query: QUERY, variables: { id: '4' } }, { accept: 'application/graphql-response+json, application/json' })).type).toBe(
      'application/graphql-response+json; charset=utf-8',
    );
    expect((await post({ query: QUERY, variables: { id: '4' } }, { accept: 'text/html' })).status).toBe(406);
  });

  it('never answers a bad token, a mutation or another viewer’s private data', async () => {
    const { post, answeredFast } = await serve();
    await post({ query: QUERY, variables: { id: '5' } });
    expect((await post({ query: QUERY, variables: { id: '5' } }, { authorization: 'Bearer forged' })).status).toBe(401);
    const me = { query: '{ me { email } }' };
    const alice = tokenFor(1, 'SEEKER');
    const bob = tokenFor(2, 'SEEKER');
    const aliceEmail = JSON.parse((await post(me, { authorization: `Bearer ${alice}` })).text).data.me.email;
    await post(me, { authorization: `Bearer ${alice}` });
    expect(await answeredFast()).toBe(true);
    const bobs = JSON.parse((await post(me, { authorization: `Bearer ${bob}` })).text);
    expect(bobs.data.me.email).not.toBe(aliceEmail);
    const [job] = await suite.db.raw.query<{ id: number }>('SELECT id FROM job WHERE is_active ORDER BY id DESC LIMIT 1');
    const apply = { query: 'mutation A($id: ID!) { applyToJob(jobId: $id) { id } }', variables: { id: String(job.id) } };
    const token = tokenFor(599, 'SEEKER');
    const once = JSON.parse((await post(apply, { authorization: `Bearer ${token}` })).text);
    const twice = JSON.parse((await post(apply, { authorization: `Bearer ${token}` })).text);
    expect(once.errors).toBeUndefined();
    expect(twice.errors[0].extensions.code).toBe('CONFLICT'); // executed again, not replayed
  });

  it('shows a write at once: the next read after a mutation is not the old hit', async () => {
    const { post } = await serve();
    const [{ id, companyId }] = await suite.db.raw.query<{ id: number; companyId: number }>(
      'SELECT id, company_id AS "companyId" FROM job WHERE is_active ORDER BY id LIMIT 1 OFFSET 7',
    );
    const read = { query: QUERY, variables: { id: String(id) } };
    await post(read);
    await post(read);
    const title = `Renamed ${Date.now()}`;
    await post(
      { query: 'mutation U($id: ID!, $t: String!) { updateJob(id: $id, input: { title: $t }) { id } }', variables: { id: String(id), t: title } },
      { authorization: `Bearer ${tokenFor(9, 'EMPLOYER', companyId)}` },
    );
    expect(JSON.parse((await post(read)).text).data.job.title).toBe(title);
  });

  it('charges hits to the rate limit and refuses them over budget with 429', async () => {
    const config = { ...loadConfig({}), RATE_LIMIT_POINTS: 20, CACHE_PREFIX: uniqueName('rl') };
    const { post } = await serve({ limiter: new RateLimiter(config, null, quiet) });
    const statuses: number[] = [];
    for (let i = 0; i < 40 && !statuses.includes(429); i++) statuses.push((await post({ query: QUERY, variables: { id: '6' } })).status);
    // The first run costs its query cost; every hit after it 1 point, until the budget is spent.
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(1);
    expect(statuses.at(-1)).toBe(429);
  });

  it('in trusted mode answers manifest ids from the cache, and still refuses other queries', async () => {
    const { post, answeredFast } = await serve({ trusted: true });
    const [id] = Object.keys(readManifest()).filter((k) => readManifest()[k].startsWith('query Trending'));
    const body = { documentId: id, variables: { days: 30, first: 2 } };
    const first = await post(body);
    const again = await post(body);
    expect(await answeredFast()).toBe(true);
    expect(JSON.parse(again.text).data).toEqual(JSON.parse(first.text).data);
    expect((await post({ query: QUERY, variables: { id: '3' } })).status).toBe(400);
  });
});
