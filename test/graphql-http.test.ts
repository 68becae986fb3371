import { serverAudits } from 'graphql-http';
import { makeCache } from './helpers/cache';
import { testGateway, useGatewaySuite } from './helpers/gateway';

const suite = useGatewaySuite();

describe('GraphQL-over-HTTP compliance (graphql-http server audits)', () => {
  it('passes every MUST audit; SHOULD/MAY results are listed', async () => {
    // The gateway as deployed: with its response cache.
    const cache = makeCache();
    const { gateway } = testGateway(suite.db, { responseCache: cache });
    const audits = serverAudits({ url: 'http://gateway.test/graphql', fetchFn: (input: RequestInfo | URL, init?: RequestInit) => gateway.fetch(new Request(String(input), init)) });
    const results = await Promise.all(audits.map(async (a) => ({ ...(await a.fn()), name: a.name })));
    const counts = results.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});
    const notOk = results.filter((r) => r.status !== 'ok').map((r) => `${r.status}: ${r.name}${'reason' in r && r.reason ? ` (${r.reason})` : ''}`);
    // eslint-disable-next-line no-console
    console.log(`graphql-http audits: ${JSON.stringify(counts)}\n${notOk.join('\n')}`);
    expect(results.filter((r) => r.name.startsWith('MUST') && r.status !== 'ok')).toEqual([]);
    expect(results.length).toBeGreaterThan(40);
    await cache.store.close();
  });
});
