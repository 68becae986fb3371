import { openTestDatabase, type TestDatabase } from '../../helpers/db';

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(() => db.destroy());

/** The error PostgreSQL (or PGlite) gives `sql`, or null when it was accepted. */
async function refusal(sql: string, params: unknown[] = []) {
  try {
    await db.raw.transaction((tx) => tx.query(sql, params));
    return null;
  } catch (err) {
    const e = err as { code?: string; constraint?: string };
    return { code: e.code, constraint: e.constraint };
  }
}

const insert = (user: number, name: string, filter = '{}') =>
  refusal(`INSERT INTO saved_search (user_id, name, filter) VALUES ($1, $2, $3::jsonb)`, [user, name, filter]);

describe('saved-search invariants in the database', () => {
  it.each([
    ['saved_search_name_check', ''],
    ['saved_search_name_check', ' padded'],
    ['saved_search_name_check', 'x'.repeat(101)],
  ])('%s refuses the name %j', async (constraint, name) => {
    expect(await insert(400, name)).toEqual({ code: '23514', constraint });
  });

  it('refuses a filter that is not a JSON object, or too large', async () => {
    expect(await insert(400, 'array', '[]')).toEqual({ code: '23514', constraint: 'saved_search_filter_check' });
    expect(await insert(400, 'big', JSON.stringify({ search: 'x'.repeat(5000) }))).toEqual({ code: '23514', constraint: 'saved_search_filter_check' });
  });

  it('keeps names unique per user, and at most 25 saved searches per user, whoever inserts', async () => {
    expect(await insert(401, 'same')).toBeNull();
    expect((await insert(401, 'same'))?.code).toBe('23505');
    expect(await insert(402, 'same')).toBeNull();
    for (let i = 1; i < 25; i++) expect(await insert(401, `n${i}`)).toBeNull();
    expect(await insert(401, 'one too many')).toEqual({ code: '23514', constraint: 'saved_search_per_user_check' });
    const [{ n }] = await db.raw.query<{ n: number }>('SELECT count(*)::int AS n FROM saved_search WHERE user_id = 401');
    expect(n).toBe(25);
  });

  it('queues every new job for matching in its own transaction, and only new ones', async () => {
    const [{ id }] = await db.raw.query<{ id: number }>(
      `INSERT INTO job (title, description, company_id, location, job_type) SELECT 'Queued', 'x', id, 'Austin, TX', 'FULL_TIME' FROM company LIMIT 1 RETURNING id`,
    );
    expect(await db.raw.query('SELECT job_id FROM saved_search_queue WHERE job_id = $1', [id])).toEqual([{ job_id: id }]);
    await db.raw.query('DELETE FROM saved_search_queue WHERE job_id = $1', [id]);
    await db.raw.query(`UPDATE job SET title = 'Queued again' WHERE id = $1`, [id]);
    expect(await db.raw.query('SELECT job_id FROM saved_search_queue WHERE job_id = $1', [id])).toEqual([]);
  });

  it('keeps one digest per user and day, never empty', async () => {
    const digest = (count: number) =>
      refusal(`INSERT INTO job_alert (user_id, day, job_count, searches) VALUES (403, DATE '2026-12-01', $1, '[]'::jsonb)`, [count]);
    expect(await digest(0)).toEqual({ code: '23514', constraint: 'job_alert_job_count_check' });
    expect(await digest(2)).toBeNull();
    expect((await digest(3))?.code).toBe('23505');
  });
});
