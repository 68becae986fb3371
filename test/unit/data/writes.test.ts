import type { PrismaClient } from '../../../src/generated/prisma/client';
import type { Change } from '../../../src/domain/changes';
import { Writes, type Invalidation } from '../../../src/data/writes';

// The write protocol on stand-ins: what happens in the transaction, and what after its commit.

function world({ settles = true, loseInvalidation = false } = {}) {
  const log: string[] = [];
  let nextIntent = 41;
  // A transaction client: `$queryRaw` is how an intent is recorded (data/invalidations.ts).
  const tx = {
    $queryRaw: async () => {
      log.push('tx: INSERT intent');
      nextIntent += 1;
      return [{ id: nextIntent }];
    },
  };
  const db = {
    $transaction: async <T>(run: (t: typeof tx) => Promise<T>) => {
      log.push('BEGIN');
      const value = await run(tx);
      log.push('COMMIT');
      return value;
    },
  } as unknown as PrismaClient;
  const cache: Invalidation = {
    settlesIntents: settles,
    invalidate: async (changes: Change[], intent?: number) => {
      // The cache records a debt when its store fails, and still resolves (cache/debts.ts).
      log.push(`${loseInvalidation ? 'debt for' : 'invalidate'} ${JSON.stringify(changes)} intent ${intent}`);
    },
  };
  const replicas = { noteWrite: () => void log.push('replicas fenced') };
  return { log, db, cache, replicas };
}

const job = { id: 7, jobType: 'FULL_TIME', companyId: 3 };

describe('Writes', () => {
  it('records the intent inside the transaction, then fences replicas and invalidates after the commit', async () => {
    const { log, db, cache, replicas } = world();
    const writes = new Writes(cache, replicas);
    const value = await writes.transaction(
      db,
      async () => {
        log.push('tx: UPDATE job');
        return job;
      },
      (j) => [{ job: j }],
    );
    expect(value).toBe(job);
    expect(log).toEqual(['BEGIN', 'tx: UPDATE job', 'tx: INSERT intent', 'COMMIT', 'replicas fenced', `invalidate [{"job":${JSON.stringify(job)}}] intent 42`]);
  });

  it('owes nothing and tells no one when the write changed nothing', async () => {
    const { log, db, cache, replicas } = world();
    const moved = await new Writes(cache, replicas).transaction(
      db,
      async () => false,
      (m) => (m ? ['trending'] : []),
    );
    expect(moved).toBe(false);
    expect(log).toEqual(['BEGIN', 'COMMIT']);
  });

  it('records no intent for a cache that does not settle them, and invalidates all the same', async () => {
    const { log, db, cache } = world({ settles: false });
    await new Writes(cache).transaction(
      db,
      async () => job,
      () => ['everything'],
    );
    expect(log).toEqual(['BEGIN', 'COMMIT', 'invalidate ["everything"] intent undefined']);
  });

  it('fences replicas after a committed write when there is no cache', async () => {
    const { log, db, replicas } = world();
    const writes = new Writes(null, replicas);
    expect(writes.invalidates).toBe(false);
    await writes.transaction(
      db,
      async () => job,
      (j) => [{ job: j }],
    );
    expect(log).toEqual(['BEGIN', 'COMMIT', 'replicas fenced']);
  });

  it('hands a writer with its own transaction `owe`, and pays the intent it returns once it resolved', async () => {
    const { log, db, cache } = world({ loseInvalidation: true });
    const writes = new Writes(cache);
    const result = await writes.commit(
      (owe) =>
        db.$transaction(async (tx) => {
          log.push('tx: refresh');
          return { changed: true, intent: await owe(tx) };
        }),
      ({ changed }) => (changed ? ['searchTerms'] : []),
    );
    expect(result).toEqual({ changed: true, intent: 42 });
    expect(log).toEqual(['BEGIN', 'tx: refresh', 'tx: INSERT intent', 'COMMIT', 'debt for ["searchTerms"] intent 42']);
  });

  it('lets a failed write fail, with nothing invalidated', async () => {
    const { log, db, cache, replicas } = world();
    await expect(
      new Writes(cache, replicas).transaction(
        db,
        async () => {
          throw new Error('constraint');
        },
        () => ['everything'],
      ),
    ).rejects.toThrow('constraint');
    expect(log).toEqual(['BEGIN']);
  });
});
