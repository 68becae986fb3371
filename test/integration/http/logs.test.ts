import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { loadConfig } from '../../../src/config';
import { createLogger } from '../../../src/log';
import type { Database } from '../../../src/db/database';
import { openTestDatabase, type TestDatabase } from '../../helpers/db';
import { testGateway, tokenFor } from '../../helpers/gateway';

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(() => db.destroy());

/** A logger writing JSON lines into an array. */
function capture() {
  const lines: Record<string, any>[] = [];
  let raw = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      raw += chunk.toString();
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { log: createLogger({ LOG_LEVEL: 'info' }, stream), lines, raw: () => raw };
}

describe('structured request logs', () => {
  it('logs one line per request with its id, operation, SQL and cache status, and never the token', async () => {
    const { log, lines, raw } = capture();
    const { gql } = testGateway(db, { log });
    const token = tokenFor(1, 'SEEKER');
    const res = await gql('query MyName { me { name } }', undefined, { token, headers: { 'x-request-id': 'req-42' } });
    expect(res.errors).toBeUndefined();
    expect(res.headers.get('x-request-id')).toBe('req-42');
    const line = lines.find((l) => l.reqId === 'req-42')!;
    expect(line).toMatchObject({
      level: 30,
      operation: 'MyName',
      type: 'query',
      status: 200,
      cache: 'none',
      sql: { statements: res.extensions!.sql!.statements },
    });
    expect(line.ms).toBeGreaterThan(0);
    expect(raw()).not.toContain(token);
    expect(raw()).not.toContain(token.split('.')[2]);
  });

  it('makes up a request id when none (or a malformed one) is sent, and logs error codes', async () => {
    const { log, lines } = capture();
    const { gql } = testGateway(db, { log });
    const res = await gql('{ job(id: "x") { id } }', undefined, { headers: { 'x-request-id': 'bad id with spaces' } });
    const id = res.headers.get('x-request-id')!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines.find((l) => l.reqId === id)).toMatchObject({ errors: ['BAD_USER_INPUT'] });
  });

  it('logs slow requests at warn with the document and slowest SQL, but not the variables', async () => {
    const { log, lines } = capture();
    const { gql } = testGateway(db, { log, config: { SLOW_REQUEST_MS: 1 } });
    const secret = `needle-${Date.now()}`;
    await gql('query Search($q: String) { jobs(first: 5, filter: { search: $q }) { totalCount } }', { q: secret });
    const slow = lines.find((l) => l.operation === 'Search')!;
    expect(slow).toMatchObject({ level: 40, slow: true });
    expect(slow.query).toContain('jobs(first: 5');
    expect(slow.slowestSql.sql).toMatch(/SELECT/i);
    expect(slow.slowestSql.ms).toBeGreaterThan(0);
    expect(JSON.stringify(lines)).not.toContain(secret);
  });
});

describe('error masking', () => {
  // A database whose every call fails with internals no client should see.
  const broken = () => {
    const fail = () => {
      throw new Error('connect ECONNREFUSED postgres://gateway:hunter2@10.1.2.3/chommie');
    };
    return { ...db, prisma: new Proxy({}, { get: () => new Proxy(fail, { get: () => fail }) }) } as unknown as Database;
  };
  const QUERY = '{ jobs(first: 1) { totalCount } }';

  it('hides unexpected errors from clients in production, and logs them', async () => {
    const { log, lines } = capture();
    const { gql } = testGateway(broken(), { log, config: { NODE_ENV: 'production' } });
    const res = await gql(QUERY);
    expect(res.errors?.[0]).toMatchObject({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(JSON.stringify(res)).not.toMatch(/hunter2|ECONNREFUSED|stack|at /);
    const logged = lines.find((l) => l.msg === 'unexpected error')!;
    expect(logged.level).toBe(50);
    expect(logged.err.message).toContain('ECONNREFUSED');
  });

  it('shows them in development', async () => {
    const { gql } = testGateway(broken(), { config: { NODE_ENV: 'development' } });
    const res = await gql(QUERY);
    expect((res.errors?.[0].extensions as any).originalError.message).toContain('ECONNREFUSED');
  });
});

describe('log format', () => {
  /** Everything a logger writes into `out`, with `isTTY` set as a terminal's stdout has it. */
  function sink(isTTY: boolean) {
    let text = '';
    const out = Object.assign(
      new Writable({
        write(chunk, _enc, done) {
          text += chunk.toString();
          done();
        },
      }),
      { isTTY },
    );
    return { out, text: () => text };
  }
  const entry = async (format: 'json' | 'pretty' | undefined, isTTY: boolean) => {
    const { out, text } = sink(isTTY);
    const log = createLogger({ LOG_LEVEL: 'info', LOG_FORMAT: format }, out);
    log.info({ reqId: 'req-7', token: 'secret-token-value' }, 'request done');
    // pino-pretty writes through a stream pipeline: let it flush.
    await new Promise((r) => setImmediate(r));
    return text();
  };

  it('writes JSON lines by default when the output is not a terminal', async () => {
    const text = await entry(undefined, false);
    expect(JSON.parse(text.trim())).toMatchObject({ level: 30, msg: 'request done', reqId: 'req-7', token: '[redacted]' });
  });

  it('writes one human-readable line per entry on a terminal, or with LOG_FORMAT=pretty', async () => {
    const onTerminal = await entry(undefined, true);
    const inFile = await entry('pretty', false);
    // Colours only where a terminal shows them.
    expect(onTerminal).toContain('\x1b[');
    expect(inFile).not.toContain('\x1b[');
    for (const text of [stripVTControlCharacters(onTerminal), inFile]) {
      expect(() => JSON.parse(text.trim())).toThrow();
      expect(text.trim().split('\n')).toHaveLength(1);
      // The time, the level and the message first; the rest of the fields after them.
      expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] .*INFO.*: request done .*"reqId":"req-7"/);
      expect(text).toContain('[redacted]');
      expect(text).not.toContain('secret-token-value');
    }
  });

  it('writes JSON on a terminal with LOG_FORMAT=json, and refuses other formats', async () => {
    expect(JSON.parse((await entry('json', true)).trim())).toMatchObject({ msg: 'request done' });
    expect(loadConfig({ LOG_FORMAT: 'json' }).LOG_FORMAT).toBe('json');
    expect(loadConfig({}).LOG_FORMAT).toBeUndefined();
    expect(() => loadConfig({ LOG_FORMAT: 'yaml' })).toThrow(/LOG_FORMAT/);
  });
});
