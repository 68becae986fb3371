import { Prisma } from '../../../src/generated/prisma/client';
import { isReadOnlySql, modelAccess, rawAccess, sqlText } from '../../../src/db/statements';

// The one classifier of reads and writes (request counting and refusal, replica routing, read retries).

const tagged = (strings: TemplateStringsArray, ..._values: unknown[]) => [strings, ..._values];

describe('sqlText', () => {
  it('reads a Prisma.sql object, a tagged template and a plain string alike', () => {
    expect(sqlText([Prisma.sql`SELECT id FROM job WHERE id = ${1}`])).toBe('SELECT id FROM job WHERE id = ?');
    expect(sqlText(tagged`SELECT id FROM job WHERE id = ${1} AND company_id = ${2}`)).toBe('SELECT id FROM job WHERE id = $1 AND company_id = $2');
    expect(sqlText(['SELECT 1', 2])).toBe('SELECT 1');
    expect(sqlText([])).toBe('');
  });
});

describe('isReadOnlySql', () => {
  it.each([
    ['SELECT 1', true],
    ['  with t AS (SELECT 1) SELECT * FROM t', true],
    ['SHOW server_version', true],
    ['INSERT INTO job DEFAULT VALUES RETURNING id', false],
    ['WITH gone AS (DELETE FROM job_similar_queue RETURNING job_id) SELECT count(*) FROM gone', false],
    ['SELECT job_id FROM job_similar_queue FOR UPDATE SKIP LOCKED', false],
    ['SELECT pg_try_advisory_xact_lock(1)', false],
    ["SELECT nextval('job_id_seq')", false],
    ['SELECT * INTO copy FROM job', false],
    ['UPDATE job SET title = title', false],
  ])('%s: %s', (sql, read) => expect(isReadOnlySql(sql)).toBe(read));
});

describe('rawAccess and modelAccess', () => {
  it('reads a raw query by its text, and takes every $executeRaw for a write', () => {
    expect(rawAccess('$queryRaw', tagged`SELECT count(*) FROM job`)).toBe('read');
    expect(rawAccess('$queryRawUnsafe', ['SELECT 1'])).toBe('read');
    expect(rawAccess('$queryRaw', [Prisma.sql`INSERT INTO cache_invalidation_intent DEFAULT VALUES RETURNING id`])).toBe('write');
    expect(rawAccess('$executeRaw', tagged`SELECT 1`)).toBe('write');
    expect(rawAccess('$executeRawUnsafe', ['SELECT 1'])).toBe('write');
  });

  it('reads only the find, count and aggregate operations of a model', () => {
    for (const op of ['findMany', 'findFirst', 'findFirstOrThrow', 'findUnique', 'findUniqueOrThrow', 'count', 'aggregate', 'groupBy'])
      expect(modelAccess(op)).toBe('read');
    for (const op of ['create', 'createMany', 'createManyAndReturn', 'update', 'updateMany', 'upsert', 'delete', 'deleteMany', 'somethingNew'])
      expect(modelAccess(op)).toBe('write');
  });
});
