import { requestDb, type Route } from '../../../src/db/request-db';
import type { SqlStats } from '../../../src/db/sql-stats';

// One request's view of Prisma, on stand-in clients: what it counts, refuses and routes.

interface Client {
  $queryRaw(strings: TemplateStringsArray): Promise<unknown>;
  $executeRaw(strings: TemplateStringsArray): Promise<unknown>;
  $transaction<T>(run: (tx: Client) => Promise<T>): Promise<T>;
  job: { findMany(): Promise<unknown>; update(): Promise<unknown> };
}

function client(name: string, log: string[]): Client {
  const say = (what: string) => async () => {
    log.push(`${name}: ${what}`);
    return what;
  };
  const self: Client = {
    $queryRaw: (strings: TemplateStringsArray) => say(strings.join('?'))(),
    $executeRaw: (strings: TemplateStringsArray) => say(strings.join('?'))(),
    $transaction: async <T>(run: (tx: Client) => Promise<T>) => {
      log.push(`${name}: BEGIN`);
      const value = await run(self);
      log.push(`${name}: COMMIT`);
      return value;
    },
    job: { findMany: say('job.findMany'), update: say('job.update') },
  };
  return self;
}

/** Reads to the replica, writes to the primary; says when a write settled. */
function routeTo(replica: object, log: string[]): Route {
  return {
    read: (send) => send(replica),
    write: async (send) => {
      try {
        return await send();
      } finally {
        log.push('fence moved');
      }
    },
  };
}

const stats = (): SqlStats => ({ statements: 0, ms: 0 });

describe('requestDb', () => {
  it('counts each statement once, those of a transaction too but not its BEGIN and COMMIT', async () => {
    const log: string[] = [];
    const s = stats();
    const db = requestDb(client('primary', log), { stats: s });
    await db.$queryRaw`SELECT 1`;
    await db.job.findMany();
    await db.$transaction(async (tx) => {
      await tx.$executeRaw`UPDATE job SET title = title`;
      await tx.job.update();
    });
    expect(s.statements).toBe(4);
    expect(s.running).toBe(0);
    expect(s.slowest?.sql()).toMatch(/SELECT|UPDATE|job\./);
  });

  it('sends reads along the route and writes, transactions included, to the primary, moving the fence once settled', async () => {
    const log: string[] = [];
    const replica = client('replica', log);
    const db = requestDb(client('primary', log), { stats: stats(), route: routeTo(replica, log) });
    await db.$queryRaw`SELECT 1`;
    await db.job.findMany();
    await db.$queryRaw`INSERT INTO x DEFAULT VALUES RETURNING id`;
    await db.job.update();
    await db.$transaction(async (tx) => void (await tx.$queryRaw`SELECT 2`));
    expect(log).toEqual([
      'replica: SELECT 1',
      'replica: job.findMany',
      'primary: INSERT INTO x DEFAULT VALUES RETURNING id',
      'fence moved',
      'primary: job.update',
      'fence moved',
      // Inside a transaction, even a read is the transaction's: on the primary.
      'primary: BEGIN',
      'primary: SELECT 2',
      'primary: COMMIT',
      'fence moved',
    ]);
  });

  it('refuses reads once the client left, and lets writes and transactions finish', async () => {
    const log: string[] = [];
    const left = new AbortController();
    const s = stats();
    const db = requestDb(client('primary', log), { stats: s, signal: left.signal });
    left.abort();
    await expect(db.$queryRaw`SELECT 1`).rejects.toThrow();
    await expect(db.job.findMany()).rejects.toThrow();
    // A raw statement that writes is a write, whichever method sends it.
    await db.$queryRaw`INSERT INTO x DEFAULT VALUES RETURNING id`;
    await db.job.update();
    await db.$transaction(async (tx) => void (await tx.$queryRaw`SELECT 2`));
    expect(log).toEqual([
      'primary: INSERT INTO x DEFAULT VALUES RETURNING id',
      'primary: job.update',
      'primary: BEGIN',
      'primary: SELECT 2',
      'primary: COMMIT',
    ]);
    expect(s.statements).toBe(3);
  });
});
