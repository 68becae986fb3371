import { Writable } from 'node:stream';
import { createLogger } from '../src/log';
import type { Database } from '../src/db/database';
import { openTestDatabase, type TestDatabase } from './helpers/db';
import { testGateway, tokenFor } from './helpers/gateway';

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
