import { WRITE_TX } from '../db/database';
import { badInput, checkRange } from '../errors';
import { Prisma, type PrismaClient } from '../generated/prisma/client';
import type { Db } from './client';
import { recordIntent, type Intent } from './invalidations';
import { jobFilterSql, type JobFilterInput } from './jobs';

// What a front end builds a search page from, beside the list itself: facet counts, type-ahead,
// and why a search found nothing. The search itself is in jobs.ts (searchQuery); the vocabulary
// it applies is the migration search_vocabulary and src/domain/search-vocabulary.ts.

/** Yearly salary bands of the salary facet, as `filter.salaryMin`/`salaryMax` would select them. */
export const SALARY_BANDS: readonly (readonly [number, number | null])[] = [
  [0, 29_999],
  [30_000, 49_999],
  [50_000, 74_999],
  [75_000, 99_999],
  [100_000, 124_999],
  [125_000, 149_999],
  [150_000, 199_999],
  [200_000, null],
];

/** The most locations the location facet returns. */
export const MAX_FACET_LOCATIONS = 100;

export interface Facets {
  jobType: { value: string; count: number }[];
  remote: { value: boolean; count: number }[];
  experienceLevel: { value: string; count: number }[];
  locations: { value: string; count: number }[];
  salaryBands: { min: number; max: number | null; count: number }[];
}

const bandsSql = Prisma.raw(SALARY_BANDS.map(([lo, hi]) => `(${lo}, ${hi ?? 'NULL'}::int)`).join(', '));

/**
 * Facet counts over the active jobs matching a filter, in one statement: the matching jobs are
 * read once (a materialized CTE) and grouped five ways. A salary band counts the jobs that
 * `salaryMin: min, salaryMax: max` would list (ranges overlapping it), so bands overlap as
 * ranges do and jobs without a salary are in none. Locations are the most frequent display
 * locations (what `filter.location` matches by prefix), at most MAX_FACET_LOCATIONS.
 */
export async function jobFacets(db: Db, filter: JobFilterInput | null | undefined): Promise<Facets> {
  const rows = await db.$queryRaw<{ facet: keyof Facets; value: string | null; lo: number | null; hi: number | null; n: number }[]>`
    WITH m AS MATERIALIZED (
      SELECT j.job_type, j.remote, j.experience_level, j.location, j.salary_min, j.salary_max FROM job j WHERE ${jobFilterSql(filter)}
    )
    SELECT 'jobType' AS facet, job_type::text AS value, NULL::int AS lo, NULL::int AS hi, count(*)::int AS n FROM m GROUP BY job_type
    UNION ALL SELECT 'remote', remote::text, NULL, NULL, count(*)::int FROM m GROUP BY remote
    UNION ALL SELECT 'experienceLevel', experience_level::text, NULL, NULL, count(*)::int FROM m WHERE experience_level IS NOT NULL GROUP BY experience_level
    UNION ALL (SELECT 'locations', location, NULL, NULL, count(*)::int FROM m GROUP BY location ORDER BY count(*) DESC, location LIMIT ${MAX_FACET_LOCATIONS}::int)
    UNION ALL SELECT 'salaryBands', NULL, b.lo, b.hi, (SELECT count(*)::int FROM m
        WHERE coalesce(m.salary_max, m.salary_min) >= b.lo AND (b.hi IS NULL OR coalesce(m.salary_min, m.salary_max) <= b.hi))
      FROM (VALUES ${bandsSql}) b(lo, hi)`;
  const facets: Facets = { jobType: [], remote: [], experienceLevel: [], locations: [], salaryBands: [] };
  for (const r of rows) {
    if (r.facet === 'salaryBands') facets.salaryBands.push({ min: r.lo!, max: r.hi, count: r.n });
    else if (r.facet === 'remote') facets.remote.push({ value: r.value === 'true', count: r.n });
    else facets[r.facet].push({ value: r.value!, count: r.n });
  }
  const byCount = (a: { count: number }, b: { count: number }) => b.count - a.count;
  facets.jobType.sort(byCount);
  facets.remote.sort(byCount);
  facets.experienceLevel.sort(byCount);
  facets.salaryBands.sort((a, b) => a.min - b.min);
  return facets;
}

export type SuggestionKind = 'TITLE' | 'SKILL' | 'COMPANY' | 'LOCATION';

export interface Suggestion {
  kind: SuggestionKind;
  value: string;
  jobCount: number;
}

export const MAX_SUGGESTIONS = 50;

/**
 * Type-ahead: titles, skills, companies and locations of active jobs that start with the
 * prefix, then those that contain it, each by how many active jobs have them. One indexed
 * statement over search_term (never the jobs): a prefix of one or two characters, too short
 * for trigrams, matches starts only (a btree range); longer ones anywhere (the trigram index).
 */
export async function searchSuggestions(db: Db, prefix: string, first: number): Promise<Suggestion[]> {
  checkRange(first, 1, MAX_SUGGESTIONS, 'first');
  const folded = prefix.trim().toLowerCase().replace(/\s+/g, ' ');
  if (folded.length > 100) throw badInput('`prefix` is limited to 100 characters', 'prefix');
  if (!folded) return [];
  const escaped = folded.replace(/[\\%_]/g, (c) => `\\${c}`);
  const starts = `${escaped}%`;
  const where = folded.length < 3 ? Prisma.sql`folded LIKE ${starts}` : Prisma.sql`folded LIKE ${`%${escaped}%`}`;
  return db.$queryRaw<Suggestion[]>`SELECT kind, value, jobs AS "jobCount" FROM search_term
    WHERE kind <> 'WORD' AND ${where}
    ORDER BY folded LIKE ${starts} DESC, jobs DESC, value LIMIT ${first}::int`;
}

export interface SearchInfo {
  /** The search as PostgreSQL ran it: the tsquery after normalising and the vocabulary. */
  understoodAs: string;
  ignoredWords: string[];
  didYouMean: string | null;
}

/** The words of a search, without web-search syntax (quotes, exclusion, `or`). */
function wordsOf(search: string): string[] {
  const words = search.match(/[\p{L}\p{N}][\p{L}\p{N}+#.'-]*/gu) ?? [];
  return [...new Set(words.map((w) => w.replace(/[.'-]+$/, '')))];
}

/**
 * How close a word of the jobs must be to a word searched for to be suggested instead (pg_trgm
 * similarity). Two swapped letters in a short word score below pg_trgm's own threshold (0.3;
 * "pyhton" and "python" 0.27), which is the only one its index can answer: the words are
 * scanned instead, which costs a few milliseconds and happens only for searches that found nothing.
 */
const SIMILAR_ENOUGH = 0.25;

/**
 * Why a search found what it found, in one statement: what PostgreSQL made of it, the words it
 * left out (stop words, which no job is indexed by), and, when it found nothing (`empty`), a
 * search that would find something: each word that matches no active job, or only a few
 * while a common word of the jobs' titles and skills is close to it (trigrams, from
 * search_term), replaced by that word; or, when every word matches jobs but no job has them
 * all, the same words joined by `or`.
 */
export async function explainSearch(db: Db, search: string, empty: boolean): Promise<SearchInfo> {
  // "or" between two words is web-search syntax, not a word searched for.
  const all = wordsOf(search);
  const words = all.filter((w, i) => w.toLowerCase() !== 'or' || i === 0 || i === all.length - 1);
  const rows = await db.$queryRaw<{ understood: string; word: string | null; ignored: boolean; found: number | null; closest: string | null }[]>`
    SELECT (SELECT chommie_tsquery(${search}))::text AS understood, w.word, w.ignored, w.found, w.closest
    FROM (SELECT 1) one LEFT JOIN LATERAL (
      SELECT x.word, q.n = 0 AS ignored,
        ${
          empty
            ? Prisma.sql`(SELECT count(*)::int FROM (SELECT 1 FROM job j WHERE q.n > 0 AND j.is_active AND j.search_vector @@ q.q LIMIT ${RARE}::int) f)`
            : Prisma.sql`NULL::int`
        } AS found,
        ${
          empty
            ? Prisma.sql`(SELECT t.value FROM search_term t WHERE t.kind = 'WORD' AND t.jobs >= ${RARE}::int
                 AND similarity(t.folded, lower(x.word)) >= ${SIMILAR_ENOUGH}::float4
                 ORDER BY similarity(t.folded, lower(x.word)) DESC, t.jobs DESC, t.value LIMIT 1)`
            : Prisma.sql`NULL::text`
        } AS closest
      FROM unnest(${words}::text[]) WITH ORDINALITY x(word, n)
      CROSS JOIN LATERAL (SELECT chommie_tsquery(x.word) AS q) t
      CROSS JOIN LATERAL (SELECT numnode(t.q) AS n, t.q) q
      ORDER BY x.n
    ) w ON true`;
  const looked = rows.filter((r) => r.word != null);
  const ignoredWords = looked.filter((r) => r.ignored).map((r) => r.word!);
  let didYouMean: string | null = null;
  if (empty) {
    const searched = looked.filter((r) => !r.ignored);
    // A word in fewer than RARE jobs with a common word close to it is most likely misspelt
    // (the feeds themselves have "pyhton" in a description).
    const missing = searched.filter((r) => r.found! < RARE && (r.found === 0 || r.closest));
    if (missing.length > 0 && missing.every((r) => r.closest && r.closest !== r.word!.toLowerCase())) {
      didYouMean = missing.reduce((s, r) => s.replace(new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(r.word!)}(?![\\p{L}\\p{N}])`, 'u'), r.closest!), search);
    } else if (missing.length === 0 && searched.length > 1) {
      didYouMean = searched.map((r) => r.word).join(' or ');
    }
  }
  return { understoodAs: rows[0]?.understood ?? '', ignoredWords, didYouMean };
}

/** Fewer jobs than this make a word rare: a misspelling when a common word is close to it. */
const RARE = 5;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Any constant: the advisory lock of search-term refreshes (one instance at a time). */
const SEARCH_TERMS_LOCK = 72_610_435;

/**
 * Recomputes search_term from the active jobs, unless another instance is doing it or did it
 * less than `minAgeS` ago. Returns whether the terms came out different (type-ahead results
 * cached before are then stale), with the invalidation it owes recorded when `owe` is set.
 */
export function refreshSearchTerms(prisma: PrismaClient, options: { minAgeS: number; owe?: boolean }): Promise<{ changed: boolean; intent?: Intent }> {
  return prisma.$transaction(
    async (tx) => {
      const [{ mine }] = await tx.$queryRaw<{ mine: boolean }[]>`SELECT pg_try_advisory_xact_lock(${SEARCH_TERMS_LOCK}::int) AS mine`;
      if (!mine) return { changed: false };
      const [recent] = await tx.$queryRaw<unknown[]>`SELECT 1 FROM search_term_state
        WHERE computed_at > now() - make_interval(secs => ${options.minAgeS}::float8)`;
      if (recent) return { changed: false };
      const digest = async () =>
        (await tx.$queryRaw<{ d: string | null }[]>`SELECT md5(string_agg(kind || value || jobs, ',' ORDER BY kind, value)) AS d FROM search_term`)[0].d;
      const before = await digest();
      await tx.$executeRaw`DELETE FROM search_term`;
      // A value is spelt as most of its jobs spell it (mode), grouped by its lower case.
      await tx.$executeRaw`INSERT INTO search_term (kind, value, folded, jobs)
        SELECT kind, value, lower(value), jobs FROM (
          SELECT 'TITLE' AS kind, mode() WITHIN GROUP (ORDER BY title) AS value, count(*)::int AS jobs FROM job WHERE is_active GROUP BY lower(title)
          UNION ALL
          SELECT 'COMPANY', mode() WITHIN GROUP (ORDER BY company_name), count(*)::int FROM job WHERE is_active AND company_name IS NOT NULL GROUP BY lower(company_name)
          UNION ALL
          SELECT 'LOCATION', mode() WITHIN GROUP (ORDER BY location), count(*)::int FROM job WHERE is_active GROUP BY lower(location)
          UNION ALL
          SELECT 'SKILL', mode() WITHIN GROUP (ORDER BY s), count(DISTINCT j.id)::int FROM job j, unnest(j.skills) s WHERE j.is_active GROUP BY lower(s)
          UNION ALL
          SELECT 'WORD', w, count(DISTINCT j.id)::int FROM job j,
            regexp_split_to_table(lower(j.title || ' ' || array_to_string(j.skills, ' ')), '[^[:alnum:]+#]+') w
          WHERE j.is_active AND length(w) > 2 GROUP BY w
        ) t`;
      await tx.$executeRaw`INSERT INTO search_term_state (id, computed_at) VALUES (true, now())
        ON CONFLICT (id) DO UPDATE SET computed_at = EXCLUDED.computed_at`;
      const changed = (await digest()) !== before;
      return { changed, intent: changed && options.owe ? await recordIntent(tx) : undefined };
    },
    { maxWait: WRITE_TX.maxWait, timeout: 60_000 },
  );
}
