import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serverAudits } from 'graphql-http';
import { makeCache } from '../../helpers/cache';
import { testGateway, useGatewaySuite } from '../../helpers/gateway';

const suite = useGatewaySuite();

describe('GraphQL-over-HTTP compliance (graphql-http server audits)', () => {
  it('passes every MUST audit; SHOULD/MAY results are listed', async () => {
    // The gateway as deployed: over HTTP, with its response cache (and the hits it answers
    // before Yoga), every audit run twice so the second finds the first's result cached.
    const cache = makeCache();
    const { gateway } = testGateway(suite.db, { responseCache: cache });
    const server = createServer((req, res) => gateway.serveNode(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const audits = serverAudits({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` });
    for (const a of audits) await a.fn();
    const results = await Promise.all(audits.map(async (a) => ({ ...(await a.fn()), name: a.name })));
    await new Promise((r) => server.close(r));
    const counts = results.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});
    const notOk = results.filter((r) => r.status !== 'ok').map((r) => `${r.status}: ${r.name}${'reason' in r && r.reason ? ` (${r.reason})` : ''}`);

    console.log(`graphql-http audits: ${JSON.stringify(counts)}\n${notOk.join('\n')}`);
    expect(results.filter((r) => r.name.startsWith('MUST') && r.status !== 'ok')).toEqual([]);
    expect(results.length).toBeGreaterThan(40);
    await cache.store.close();
  });
});
