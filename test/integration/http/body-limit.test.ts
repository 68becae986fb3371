import { request } from 'node:http';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { loadConfig } from '../../../src/config';
import { tokenFor } from '../../helpers/gateway';
import { useHttpGateways } from '../../helpers/http';

// Request bodies are read once, bounded, before either the cache's fast path or Yoga sees
// them (src/http/gateway.ts), over real HTTP as in production.
const suite = useHttpGateways();

const SMALL = 64 * 1024;

/** A gateway behind a real HTTP server, with or without a response cache; its port. */
const serve = async (cached: boolean, limit?: number) => (await suite.serve({ cached, config: limit ? { MAX_BODY_BYTES: limit } : {} })).port;

const paths = [
  ['cache on', true],
  ['cache off', false],
] as const;

const HEAD = '{"query":"{ __typename }","variables":{"pad":"';

/** A valid body of exactly `bytes` bytes. */
const bodyOf = (bytes: number) => Buffer.from(`${HEAD}${'x'.repeat(bytes - HEAD.length - 3)}"}}`);

/** The start of a body `bytes` long, in pieces made as they are sent (one buffer, reused). */
function* lazily(bytes: number, chunk = 64 * 1024) {
  const pad = Buffer.alloc(chunk, 'x');
  yield Buffer.from(HEAD);
  for (let left = bytes - HEAD.length; left > 0; left -= chunk) yield left >= chunk ? pad : pad.subarray(0, left);
}

/** `body` in pieces of `size` bytes (chunked transfer when sent without Content-Length). */
function* pieces(body: Buffer, size: number) {
  for (let at = 0; at < body.length; at += size) yield body.subarray(at, at + size);
}

interface Sent {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: any;
  /** Bytes the client had handed over when it stopped. */
  sent: number;
}

/** POSTs the pieces with back-pressure; resolves with the response, whether or not the client got to send everything. */
function post(port: number, body: Iterable<Buffer>, headers: Record<string, string | number | undefined> = {}): Promise<Sent> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    const counted = Readable.from(
      (function* () {
        for (const piece of body) {
          sent += piece.length;
          yield piece;
        }
      })(),
    );
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, json: JSON.parse(Buffer.concat(parts).toString('utf8')), sent }));
      res.on('error', reject);
    });
    // Once the server has answered and closed, the rest of the body has nowhere to go.
    req.on('error', reject);
    counted.pipe(req);
  });
}

const refused = (limit: number) => ({ errors: [{ message: expect.stringContaining(`${limit} bytes`), extensions: { code: 'PAYLOAD_TOO_LARGE', limit } }] });

describe.each(paths)('request bodies (%s)', (_name, cached) => {
  let port: number;
  beforeAll(async () => {
    port = await serve(cached, SMALL);
  });

  it('accepts a body of exactly the limit, chunked or not, and refuses one byte more with 413 PAYLOAD_TOO_LARGE', async () => {
    for (const headers of [{ 'content-length': SMALL }, {}]) {
      const ok = await post(port, pieces(bodyOf(SMALL), 4096), headers);
      expect(ok).toMatchObject({ status: 200, json: { data: { __typename: 'Query' } } });
    }
    for (const headers of [{ 'content-length': SMALL + 1 }, {}]) {
      const res = await post(port, pieces(bodyOf(SMALL + 1), 4096), headers);
      expect(res).toMatchObject({ status: 413, json: refused(SMALL) });
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.headers.connection).toBe('close');
    }
  });

  it('answers 413 to a client still streaming a 200 MB body, by its Content-Length and while chunked, having read little of it', async () => {
    const declared = await post(port, lazily(200e6), { 'content-length': 200e6 });
    const chunked = await post(port, lazily(200e6));
    for (const res of [declared, chunked]) {
      expect(res).toMatchObject({ status: 413, json: refused(SMALL) });
      expect(res.sent).toBeLessThan(200e6);
    }
  });
});

it('closes the connection under a client that ignores the 413 and keeps sending', async () => {
  const port = await serve(true, SMALL);
  const socket = connect(port, '127.0.0.1');
  let received = '';
  let written = 0;
  socket.on('data', (d) => (received += d.toString()));
  const closed = new Promise<void>((resolve) => {
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
  });
  socket.write('POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
  const piece = Buffer.concat([Buffer.from('10000\r\n'), Buffer.alloc(0x10000, 'x'), Buffer.from('\r\n')]);
  let open = true;
  void closed.then(() => (open = false));
  // Written with back-pressure until the server closes, or 200 MB: then it kept reading.
  while (open && written < 200e6) {
    written += piece.length;
    if (!socket.write(piece)) await new Promise((r) => socket.once('drain', r).once('close', r));
  }
  socket.end('0\r\n\r\n');
  await closed;
  expect(received).toMatch(/^HTTP\/1\.1 413 /);
  expect(received).toContain('"PAYLOAD_TOO_LARGE"');
  expect(written).toBeLessThan(200e6);
});

it('keeps memory flat under four concurrent 200 MB bodies (800 MB offered)', async () => {
  const ports = [await serve(true, SMALL), await serve(false, SMALL)];
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  try {
    const results = await Promise.all([0, 1, 2, 3].map((i) => post(ports[i % 2], lazily(200e6))));
    for (const res of results) expect(res).toMatchObject({ status: 413, json: refused(SMALL) });
  } finally {
    clearInterval(sampler);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  expect(peak - before).toBeLessThan(100 * 1024 * 1024);
});

describe('a 1,000-posting importJobs (multi-byte text, chunked) under the default limit', () => {
  const IMPORT = 'mutation($jobs: [JobInput!]!) { importJobs(jobs: $jobs) { created rejected jobs { id } } }';
  // 3,000 characters of realistic text, with 2-, 3- and 4-byte UTF-8 characters.
  const description = ('Café crew lead — €52k, 🚀 growth. ' + 'Serve espresso, train baristas, keep the till and the stock in order. ')
    .repeat(30)
    .slice(0, 3000)
    .trim();
  const body = (tag: string) =>
    Buffer.from(
      JSON.stringify({
        query: IMPORT,
        variables: {
          jobs: Array.from({ length: 1000 }, (_, i) => ({
            externalId: `${tag}-${i}`,
            companyId: '6',
            title: `Barista ${tag} ${i}`,
            description,
            location: 'Austin, TX',
            jobType: 'FULL_TIME',
          })),
        },
      }),
    );

  it('is several MB, above the old 1 MB cap and well below the default', () => {
    const size = body('size').length;
    expect(size).toBeGreaterThan(3 * 1024 * 1024);
    expect(size * 2).toBeLessThan(loadConfig({}).MAX_BODY_BYTES);
  });

  it.each(paths)('is imported whole (%s), its text intact', async (name, cached) => {
    const port = await serve(cached);
    // An odd piece size: multi-byte characters are split between pieces.
    const res = await post(port, pieces(body(name), 4099), { authorization: `Bearer ${tokenFor(1, 'ADMIN')}` });
    expect(res.status).toBe(200);
    expect(res.json.errors).toBeUndefined();
    expect(res.json.data.importJobs).toMatchObject({ created: 1000, rejected: 0 });
    const stored = await suite.db.prisma.job.findMany({ where: { externalId: { startsWith: `${name}-` } }, select: { description: true } });
    expect(stored).toHaveLength(1000);
    expect(new Set(stored.map((j) => j.description))).toEqual(new Set([description]));
  });
});
