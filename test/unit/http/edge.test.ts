import type { IncomingMessage } from 'node:http';
import { signToken } from '../../../src/auth/viewer';
import { createCors } from '../../../src/http/cors';
import { createEdge } from '../../../src/http/edge';
import { RateLimiter } from '../../../src/ops/rate-limiter';

const SECRET = 'edge-test-secret';
const config = {
  RATE_LIMIT_POINTS: 100,
  RATE_LIMIT_WINDOW_S: 60,
  TRUST_PROXY_HOPS: 0,
  CACHE_PREFIX: 'edge',
  CACHE_TIMEOUT_MS: 100,
  EXPORT_ROWS_PER_WINDOW: 1000,
};

function setup() {
  const limiter = new RateLimiter(config, null, () => undefined);
  const take = jest.spyOn(limiter, 'take');
  const lines: unknown[] = [];
  const log = { info: (line: unknown) => lines.push(line), warn: (line: unknown) => lines.push(line) } as never;
  const edge = createEdge({
    jwtSecret: SECRET,
    limiter,
    cors: createCors({ CORS_ORIGINS: ['https://app.example'], CORS_MAX_AGE_S: 600 }),
    log,
    slowMs: 60_000,
  });
  return { edge, take, lines };
}

const message = (headers: Record<string, string>): IncomingMessage => ({ headers, socket: { remoteAddress: '10.0.0.7' } }) as unknown as IncomingMessage;
const bearer = (userId: number) => `Bearer ${signToken({ userId, role: 'SEEKER', companyId: null }, SECRET)}`;

describe('the request edge', () => {
  it('identifies and charges a request once, whichever paths look at it (Node, then Yoga)', async () => {
    const { edge, take } = setup();
    const req = message({ authorization: bearer(7), 'x-request-id': 'abc-1' });
    const arrival = edge.arrive(req);
    const request = new Request('http://gateway.test/graphql', { headers: { authorization: bearer(8) } });
    expect(edge.arriveInYoga(request, req, 'arrival')).toBe(arrival);
    expect(edge.arrive(req)).toBe(arrival);
    expect(edge.viewerOf(request)).toMatchObject({ userId: 7 });
    expect(take).toHaveBeenCalledTimes(1);
    expect(take).toHaveBeenCalledWith('u:7', 1);
    expect(await edge.headers(arrival)).toEqual({
      'x-request-id': 'abc-1',
      'ratelimit-policy': '"query-cost";q=100;w=60',
      ratelimit: expect.stringMatching(/^"query-cost";r=99;t=\d+$/),
    });
  });

  it('keeps the refusal of a bad token, charges it to the address, and gives an unusable request id a new one', async () => {
    const { edge, take } = setup();
    const arrival = edge.arrive(message({ authorization: 'Bearer not-a-token', 'x-request-id': 'has spaces' }));
    expect(() => edge.viewer(arrival)).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) }));
    expect(take).toHaveBeenCalledWith('ip:10.0.0.7', 1);
    expect(arrival.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('runs an export page as its download: same caller, client and id, priced by rows from the export budget', async () => {
    const { edge, take } = setup();
    const download = new Request('http://gateway.test/export/jobs.csv', { headers: { authorization: bearer(9) } });
    const outer = edge.arriveInYoga(download, undefined, null);
    expect(outer.charge).toBeNull(); // the download itself is not a GraphQL request
    const page = edge.arriveInYoga(new Request('http://gateway.internal/graphql'), undefined, { outer, rows: 100 });
    expect(page).toMatchObject({ id: outer.id, client: 'u:9', exportPage: true, caller: outer.caller });
    expect(take).toHaveBeenCalledWith('u:9', 100, 'export');
    const single = edge.arriveInYoga(new Request('http://gateway.internal/graphql'), undefined, { outer });
    expect(single.exportPage).toBe(false);
    expect(take).toHaveBeenLastCalledWith('u:9', 1);
  });

  it('adds the CORS headers of a listed origin to answers written outside Yoga, and writes one log line', async () => {
    const { edge, lines } = setup();
    const req = message({ origin: 'https://app.example' });
    const arrival = edge.arrive(req);
    expect(edge.answerHeaders(arrival, req, await arrival.charge)).toMatchObject({
      'access-control-allow-origin': 'https://app.example',
      vary: 'Origin',
      'x-request-id': arrival.id,
      ratelimit: expect.stringMatching(/r=99;/),
    });
    edge.finish(arrival, 200);
    expect(lines).toEqual([]); // not a GraphQL request (no operation read): no line
    const read = edge.arrive(message({ origin: 'https://app.example' }));
    read.operation = { name: 'Jobs', type: 'query' };
    read.cache = 'hit';
    edge.finish(read, 200);
    // Once: the connection's close, after the answer, finishes it again for nothing.
    edge.finish(read, 200);
    expect(lines).toEqual([expect.objectContaining({ reqId: read.id, operation: 'Jobs', status: 200, cache: 'hit' })]);
  });
});
