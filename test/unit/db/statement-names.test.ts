import type { SqlQuery } from '@prisma/driver-adapter-utils';
import { statementNames } from '../../../src/db/database';
import { findJobPage } from '../../../src/data/jobs';
import type { Db } from '../../../src/data/client';
import { Prisma } from '../../../src/generated/prisma/client';

const query = (sql: string) => ({ sql, args: [], argTypes: [] }) as unknown as SqlQuery;

/** The text findJobPage sends for `args`, as PostgreSQL receives it (`$1`, `$2`… for the values). */
async function textOf(args: Parameters<typeof findJobPage>[1], counted = false): Promise<string> {
  let text = '';
  const db = {
    $queryRaw: (strings: TemplateStringsArray, ...values: unknown[]) => {
      text = Prisma.sql(strings, ...values).text;
      return Promise.resolve([]);
    },
  } as unknown as Db;
  await findJobPage(db, args, ['id', 'title'], counted);
  return text;
}

describe('named statements (DATABASE_NAMED_STATEMENTS)', () => {
  it('names a search by its words alone: one plan serves any words', async () => {
    const name = statementNames();
    const a = await textOf({ filter: { search: 'nurse' }, orderBy: 'RELEVANCE' }, true);
    expect(await textOf({ filter: { search: 'engineer' }, orderBy: 'RELEVANCE' }, true)).toBe(a);
    expect(name(query(a))).toMatch(/^chommie_/);
  });

  it('leaves unnamed what a plan must weigh: a place, a date range, a title pattern', async () => {
    const name = statementNames();
    for (const filter of [
      { search: 'nurse', location: 'Austin' },
      { search: 'nurse', postedAfter: new Date('2026-01-01') },
      { postedBefore: new Date('2026-01-01') },
    ])
      expect(name(query(await textOf({ filter })))).toBe('');
    expect(name(query('SELECT id FROM job j WHERE j.company_id = $1'))).toBe('');
    expect(name(query('SELECT id FROM job j WHERE (j.experience_level = $1 OR j.title ~* $2)'))).toBe('');
    expect(name(query('SELECT id FROM job j WHERE lower(j.city) = $1'))).toBe('');
  });

  it('writes page sizes into a few texts: a hundred sizes of a page are at most five statements', async () => {
    const texts = new Set<string>();
    for (let first = 1; first <= 100; first++) texts.add(await textOf({ first }));
    expect(texts.size).toBeLessThanOrEqual(5);
    expect([...texts].every((t) => /LIMIT \d+/.test(t))).toBe(true);
  });
});
