// Measures the similar-jobs lists of the configured database (DATABASE_URL, or the embedded one).
//   npx tsx scripts/similar-measure.ts rebuild          time a full rebuild (rebuildAllSimilar)
//   npx tsx scripts/similar-measure.ts rebuild --sql    the same, the way it was done before rank.ts:
//                                                       every list by replaceSimilar's SQL, 500 jobs a statement
//   npx tsx scripts/similar-measure.ts drain [--batch-ms N] [--sql]
//                                                       time working off the queue as the background worker does
//                                                       (--sql: in batches of 200 ranked by SQL, as before rank.ts)
//   npx tsx scripts/similar-measure.ts coverage         active jobs without a list, queue length
//   npx tsx scripts/similar-measure.ts relevance [--source glassdoor] [--sample 300]
// Relevance, on a fixed sample of active jobs (every k-th by id) of a source:
//   recall@10  share of each list that is in the exact top 10: a brute-force cosine over the
//              same keyword vectors against every active job (ties to the 10th score count as hits);
//   family@5   share of the top 5 whose title, lower-cased without seniority words, punctuation
//              and what follows a dash, comma or parenthesis, is the job's own;
//   head@5     share of the top 5 whose title ends in the same word (engineer, nurse, analyst…).
import { parseArgs } from 'node:util';
import { doneEagerly, queueLength, rebuildAllSimilar, replaceKeywords, replaceSimilar } from '../src/data/similar';
import { SimilarJobsRefresher } from '../src/similar/refresher';
import { withDatabase } from './with-database';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    sql: { type: 'boolean', default: false },
    'batch-ms': { type: 'string' },
    source: { type: 'string', default: 'glassdoor' },
    sample: { type: 'string', default: '300' },
  },
});

const SENIORITY = new Set('senior sr jr junior lead principal staff associate intern internship entry level mid i ii iii iv v head chief assistant'.split(' '));
/** A title's family: lower case, without seniority words, nor what follows " - ", "," or "(". */
export function family(title: string): string {
  return title
    .toLowerCase()
    .split(/\s[-–|/]\s|,|\(/)[0]
    .replace(/[^a-z ]+/g, ' ')
    .split(/\s+/)
    .filter((w) => w && !SENIORITY.has(w))
    .join(' ');
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

withDatabase(async (db) => {
  const cmd = positionals[0];
  if (cmd === 'rebuild' && values.sql) {
    const t = performance.now();
    const ids = (await db.prisma.job.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map((j) => j.id);
    for (let i = 0; i < ids.length; i += 500) await replaceKeywords(db.prisma, ids.slice(i, i + 500));
    const k = performance.now();
    for (let i = 0; i < ids.length; i += 500) await replaceSimilar(db.prisma, ids.slice(i, i + 500));
    await doneEagerly(db.prisma, ids);
    console.log(`rebuild by SQL: ${ids.length} jobs in ${secs(performance.now() - t)} (keywords ${secs(k - t)})`);
  } else if (cmd === 'rebuild') {
    const t = performance.now();
    const n = await rebuildAllSimilar(db.prisma);
    console.log(`rebuildAllSimilar: ${n} jobs in ${secs(performance.now() - t)}`);
  } else if (cmd === 'drain') {
    const queued = await queueLength(db.prisma);
    const refresher = new SimilarJobsRefresher(db.prisma, {
      intervalMs: 60_000,
      batchMs: values['batch-ms'] ? Number(values['batch-ms']) : undefined,
      bulkAbove: values.sql ? Infinity : undefined,
    });
    const t = performance.now();
    const batches: string[] = [];
    let done = 0;
    const n = await refresher.drain((total) => {
      batches.push(`${total - done} in ${refresher.lastBatchMs.toFixed(0)} ms`);
      done = total;
    });
    console.log(`drain: ${queued} queued, ${n} refreshed in ${batches.length} batches, ${secs(performance.now() - t)}: ${batches.join(', ')}`);
  } else if (cmd === 'coverage') {
    const [r] = await db.raw.query<{ active: number; missing: number; short: number }>(`SELECT count(*)::int AS active,
      count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM job_similar s WHERE s.job_id = j.id))::int AS missing,
      count(*) FILTER (WHERE (SELECT count(*) FROM job_similar s WHERE s.job_id = j.id) < 10)::int AS short
      FROM job j WHERE is_active`);
    console.log(`coverage: ${r.active} active jobs, ${r.missing} without a list, ${r.short} with fewer than 10; queue ${await queueLength(db.prisma)}`);
  } else if (cmd === 'relevance') {
    const source = values.source;
    const want = Number(values.sample);
    const [{ n }] = await db.raw.query<{ n: number }>('SELECT count(*)::int AS n FROM job WHERE is_active AND source = $1', [source]);
    const step = Math.max(1, Math.floor(n / want));
    const sample = (
      await db.raw.query<{ id: number }>(
        'SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS r FROM job WHERE is_active AND source = $1) t WHERE r % $2 = 0 LIMIT $3',
        [source, step, want],
      )
    ).map((r) => r.id);
    const titles = new Map<number, string>();
    const listed = new Map<number, number[]>(sample.map((id) => [id, []]));
    for (const r of await db.raw.query<{ job_id: number; similar_id: number }>(
      'SELECT s.job_id, s.similar_id FROM job_similar s JOIN job j ON j.id = s.similar_id AND j.is_active WHERE s.job_id = ANY($1::int[]) ORDER BY s.job_id, s.rank',
      [sample],
    ))
      listed.get(r.job_id)!.push(r.similar_id);
    const ids = [...new Set([...sample, ...[...listed.values()].flat()])];
    for (const r of await db.raw.query<{ id: number; title: string }>('SELECT id, title FROM job WHERE id = ANY($1::int[])', [ids])) titles.set(r.id, r.title);
    // Exact cosine against every active job, over the same keyword vectors.
    const exact = new Map<number, { id: number; score: number }[]>();
    for (let i = 0; i < sample.length; i += 50) {
      const rows = await db.raw.query<{ job_id: number; other: number; score: number }>(
        `SELECT job_id, other, score FROM (
           SELECT s.job_id, o.job_id AS other, sum(s.weight * o.weight) AS score,
                  row_number() OVER (PARTITION BY s.job_id ORDER BY sum(s.weight * o.weight) DESC) AS r
           FROM job_keyword s JOIN job_keyword o ON o.term = s.term AND o.job_id <> s.job_id
           JOIN job a ON a.id = o.job_id AND a.is_active
           WHERE s.job_id = ANY($1::int[]) GROUP BY s.job_id, o.job_id) t WHERE r <= 10`,
        [sample.slice(i, i + 50)],
      );
      for (const r of rows) (exact.get(r.job_id) ?? exact.set(r.job_id, []).get(r.job_id)!).push({ id: r.other, score: r.score });
    }
    let hits = 0;
    let slots = 0;
    let fam = 0;
    let head = 0;
    let top5 = 0;
    let withList = 0;
    const scores = new Map<string, number>();
    for (const r of await db.raw.query<{ job_id: number; similar_id: number; score: number }>(
      `SELECT s.job_id, s.similar_id, coalesce(sum(a.weight * b.weight), 0) AS score FROM job_similar s
       LEFT JOIN job_keyword a ON a.job_id = s.job_id LEFT JOIN job_keyword b ON b.job_id = s.similar_id AND b.term = a.term
       WHERE s.job_id = ANY($1::int[]) GROUP BY s.job_id, s.similar_id`,
      [sample],
    ))
      scores.set(`${r.job_id}:${r.similar_id}`, r.score);
    for (const id of sample) {
      const list = listed.get(id)!;
      const best = exact.get(id) ?? [];
      if (list.length) withList += 1;
      // Ties at the 10th exact score are as good as the exact list's own pick.
      const floor = best.length >= 10 ? best[9].score - 1e-9 : -Infinity;
      slots += Math.min(10, best.length);
      hits += list.slice(0, 10).filter((o) => (scores.get(`${id}:${o}`) ?? 0) >= floor && (best.length >= 10 || best.some((b) => b.id === o))).length;
      const f = family(titles.get(id)!);
      const h = f.split(' ').at(-1);
      for (const o of list.slice(0, 5)) {
        top5 += 1;
        const fo = family(titles.get(o)!);
        if (fo === f) fam += 1;
        if (fo.split(' ').at(-1) === h) head += 1;
      }
    }
    const pct = (a: number, b: number) => `${((100 * a) / Math.max(b, 1)).toFixed(1)}%`;
    console.log(
      `relevance (${source}, ${sample.length} sampled of ${n} active, ${withList} with a list): recall@10 ${pct(hits, slots)}, family@5 ${pct(fam, top5)}, head@5 ${pct(head, top5)}`,
    );
  } else {
    console.error('usage: npx tsx scripts/similar-measure.ts rebuild|drain|coverage|relevance [--source S] [--sample N]');
    process.exitCode = 2;
  }
});
