import { WRITE_TX } from '../db/database';
import { checkRange } from '../domain/arguments';
import { InvalidInput } from '../domain/errors';
import { Prisma, type PrismaClient } from '../generated/prisma/client';
import type { Db } from './client';
import type { Intent } from './invalidations';
import type { Owe } from './writes';
import { searchTokens, type Place } from '../domain/search-understanding';
import { prepareSearch } from '../domain/search-vocabulary';
import { jobFilterSql, relaxedFold, searchQuery, type JobFilterInput } from './jobs';
import { inBatch } from './pages';

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
  if (folded.length > 100) throw new InvalidInput('`prefix` is limited to 100 characters', 'prefix');
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
  /** Whether no job had every free word, so the jobs having most of them were listed. */
  relaxed: boolean;
  /** The free words the best of those jobs lack. */
  relaxedWords: string[];
}

/** Words of a search looked at for suggestions: enough for any real search, and a bound on the statement's work. */
const MAX_LOOKED = 8;

/**
 * How close a word of the jobs must be to a word searched for to be suggested instead (pg_trgm
 * similarity). Two swapped letters in a short word score below pg_trgm's own threshold (0.3;
 * "pyhton" and "python" 0.27), which is the only one its index can answer: the words are
 * scanned instead, which costs a few milliseconds, and only for a word that matched (almost)
 * nothing in a search that found nothing or was relaxed.
 */
const SIMILAR_ENOUGH = 0.25;

/** Fewer jobs than this make a word rare: a misspelling when a common word is close to it. */
const RARE = 5;

/**
 * Why a search found what it found, in one statement: what PostgreSQL made of it, the words it
 * left out (stop words, which no job is indexed by), whether it was relaxed and which words
 * that left out, and, when it found nothing or was relaxed, a search that finds jobs
 * having all its words under the same conditions. Each word the jobs must have that matches
 * none of them, or only a few while a common word of the jobs' titles and skills is close to
 * it (trigrams, from search_term), is replaced by that word; the suggestion is offered only
 * when PostgreSQL finds a job for it, checked in the same statement.
 */
export async function explainSearch(db: Db, filter: JobFilterInput, empty: boolean): Promise<SearchInfo> {
  const search = (filter.search ?? '').trim();
  const text = filter.reading ? filter.reading.text : search;
  const tokens = searchTokens(text).filter((t) => !t.operator);
  let looked = 0;
  const asked = tokens.map((t) => !t.quoted && !t.excluded && looked++ < MAX_LOOKED);
  const words = tokens.map((t) => (t.quoted ? t.raw : t.raw.replace(/^-+/, '').replace(/[.'/-]+$/, '')));
  // Each token as the suggestion's text spells it (a word joined by "-" quoted, as in a search).
  const spelt = tokens.map((t) => prepareSearch(t.raw));
  const conditions = jobFilterSql({ ...filter, search: null });
  // What a strict page ran is the search as understood: read back, not computed again.
  const ran = filter.decided && !filter.decided.relaxed ? filter.decided.query : null;
  const understood = ran != null ? Prisma.sql`${ran}::tsquery` : text ? searchQuery(text) : Prisma.sql`''::tsquery`;
  // Relaxed as its page was; the words it kept as the page said, else (a cursor's page) folded again.
  const relaxed = filter.decided?.relaxed === true;
  const reading = filter.reading;
  const known = relaxed && filter.decided!.kept.length ? filter.decided! : null;
  const fold = known
    ? Prisma.sql`(SELECT ${known.query}::tsquery AS q, ${known.kept}::int[] AS kept)`
    : relaxed && reading && reading.free.length >= 2
      ? relaxedFold({ ...filter, reading })
      : Prisma.sql`(SELECT NULL::tsquery AS q, ARRAY[]::int[] AS kept)`;
  // OFFSET 0 keeps each word's tsquery a value of its own: flattened into the job scan,
  // chommie_tsquery would run again for every row the index leaves to recheck.
  const [row] = await db.$queryRaw<
    {
      understood: string;
      relaxed: boolean;
      kept: number[] | null;
      words: { word: string; asked: boolean; ignored: boolean; found: number | null; closest: string | null }[] | null;
      verified: boolean;
    }[]
  >`
    WITH mode AS MATERIALIZED (SELECT ${relaxed}::boolean AS relaxed),
    fold AS MATERIALIZED (SELECT f.q, f.kept FROM ${fold} f, mode WHERE mode.relaxed),
    w AS MATERIALIZED (
      SELECT x.n, x.word, x.spelt, x.asked, coalesce(numnode(t.q) = 0, false) AS ignored, f.found, c.value AS closest
      FROM unnest(${words}::text[], ${words.map(prepareSearch)}::text[], ${spelt}::text[], ${asked}::boolean[]) WITH ORDINALITY x(word, queried, spelt, asked, n)
      -- Only the words looked at: each costs the vocabulary's rewrites.
      CROSS JOIN LATERAL (SELECT CASE WHEN x.asked THEN chommie_tsquery(x.queried) END AS q OFFSET 0) t
      CROSS JOIN LATERAL (
        SELECT CASE WHEN x.asked AND numnode(t.q) > 0 AND (${empty} OR (SELECT relaxed FROM mode))
          THEN (SELECT count(*)::int FROM (SELECT 1 FROM job j WHERE ${conditions} AND j.search_vector @@ t.q LIMIT ${RARE}::int) m) END AS found
      ) f
      LEFT JOIN LATERAL (
        SELECT s.value FROM search_term s
        WHERE f.found < ${RARE}::int AND s.kind = 'WORD' AND s.jobs >= ${RARE}::int AND s.folded <> lower(x.word)
          AND similarity(s.folded, lower(x.word)) >= ${SIMILAR_ENOUGH}::float4
          -- A common word is spelt right: it is the rest of the filter that leaves no job.
          AND NOT EXISTS (SELECT 1 FROM search_term k WHERE k.kind = 'WORD' AND k.folded = lower(x.word) AND k.jobs >= ${RARE}::int)
        ORDER BY similarity(s.folded, lower(x.word)) DESC, s.jobs DESC, s.value LIMIT 1
      ) c ON true
    ),
    -- Found in no job, or in a few while a common word is close: most likely misspelt.
    miss AS (SELECT *, found = 0 OR (found < ${RARE}::int AND closest IS NOT NULL) AS misspelt FROM w),
    suggestion AS (
      SELECT string_agg(CASE WHEN misspelt THEN closest ELSE spelt END, ' ' ORDER BY n) AS text
      FROM miss HAVING bool_or(misspelt) AND bool_and(closest IS NOT NULL) FILTER (WHERE misspelt)
    )
    SELECT ${understood}::text AS understood,
      EXISTS (SELECT 1 FROM fold WHERE q IS NOT NULL) AS relaxed, (SELECT kept FROM fold) AS kept,
      (SELECT json_agg(json_build_object('word', word, 'asked', asked, 'ignored', ignored, 'found', found,
          'closest', CASE WHEN misspelt THEN closest END) ORDER BY n) FROM miss) AS words,
      EXISTS (SELECT 1 FROM suggestion s, job j WHERE ${conditions} AND j.search_vector @@ chommie_tsquery(s.text)) AS verified`;
  const looks = row.words ?? [];
  const replaced = looks.filter((w) => w.closest);
  const didYouMean =
    row.verified && replaced.length
      ? replaced.reduce((s, w) => s.replace(new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(w.word)}(?![\\p{L}\\p{N}])`, 'u'), w.closest!), search)
      : null;
  const ignored = new Set(looks.filter((w) => w.ignored).map((w) => w.word.toLowerCase()));
  const kept = new Set(row.kept ?? []);
  return {
    understoodAs: row.understood,
    ignoredWords: looks.filter((w) => w.ignored).map((w) => w.word),
    didYouMean,
    relaxed: row.relaxed,
    relaxedWords: row.relaxed && reading ? reading.free.filter((w, i) => !kept.has(i + 1) && !ignored.has(w.toLowerCase())) : [],
  };
}

/** A title or snippet with the words a search matched marked. */
export interface Highlight {
  title: { text: string; matched: boolean }[];
  snippet: { text: string; matched: boolean }[] | null;
}

// Private-use characters as ts_headline's marks: no posting has them (they are removed first),
// so the marked text splits back into parts exactly, and no markup reaches a client.
const START = '\uE000';
const STOP = '\uE001';
/** The start of a description a snippet is taken from: ts_headline parses all it is given. */
const SNIPPET_SOURCE = 20_000;

/**
 * The words of `text` (a search's text, any of its words) marked in each job's title and in a
 * short extract of its description, one statement for a page of jobs.
 */
export async function jobHighlights(db: Db, ids: readonly number[], text: string): Promise<(Highlight | Error)[]> {
  const options = `StartSel=${START}, StopSel=${STOP}`;
  const rows = await db.$queryRaw<{ id: number; title: string; snippet: string }[]>`
    WITH q AS MATERIALIZED (SELECT chommie_tsquery(${prepareSearch(text)}) AS q)
    SELECT j.id,
      ts_headline('english', translate(j.title, ${START + STOP}, ''), q.q, ${`${options}, HighlightAll=true`}) AS title,
      ts_headline('english', translate(left(j.description, ${SNIPPET_SOURCE}::int), ${START + STOP}, ''), q.q,
        ${`${options}, MaxFragments=2, MaxWords=18, MinWords=6, FragmentDelimiter=" … "`}) AS snippet
    FROM job j, q WHERE ${inBatch('j.id', ids)}`;
  const byId = new Map(rows.map((r) => [r.id, { title: parts(r.title), snippet: r.snippet ? parts(r.snippet) : null }]));
  return ids.map((id) => byId.get(id) ?? new Error(`job ${id} is missing`));
}

/** Splits ts_headline's output at its marks. */
function parts(marked: string): { text: string; matched: boolean }[] {
  const out: { text: string; matched: boolean }[] = [];
  for (const piece of marked.split(START)) {
    const [inside, after] = piece.includes(STOP) ? piece.split(STOP, 2) : [null, piece];
    if (inside) out.push({ text: inside, matched: true });
    if (after) out.push({ text: after, matched: false });
  }
  return out;
}

/** The places jobs are in (cities with their state, and states), at most this many rows. */
const MAX_PLACES = 50_000;

/**
 * The places of active jobs, for reading place names in searches. A city whose name is also a
 * common word of titles and skills ("Mobile", "Normal") is left out: the word is better read
 * as text ("mobile developer").
 */
export async function activePlaces(db: Db): Promise<Place[]> {
  const rows = await db.$queryRaw<{ city: string | null; state: string | null }[]>`
    SELECT DISTINCT p.city, p.state FROM (
      SELECT DISTINCT j.city, j.state FROM job j WHERE j.is_active AND j.city IS NOT NULL
      UNION ALL
      SELECT DISTINCT NULL, j.state FROM job j WHERE j.is_active AND j.state IS NOT NULL
    ) p
    WHERE p.city IS NULL OR NOT EXISTS (
      SELECT 1 FROM search_term w WHERE w.kind = 'WORD' AND w.folded = lower(p.city) AND w.jobs >= ${RARE}::int)
    LIMIT ${MAX_PLACES}::int`;
  return rows.map((r) => ({ ...(r.city ? { city: r.city } : {}), ...(r.state ? { state: r.state } : {}) }));
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Any constant: the advisory lock of search-term refreshes (one instance at a time). */
const SEARCH_TERMS_LOCK = 72_610_435;

/**
 * Recomputes search_term from the active jobs, unless another instance is doing it or did it
 * less than `minAgeS` ago. Only what changed is written (a full rewrite of 50k terms, indexes
 * included, cost 1.7 s each time, and held PGlite's only connection). Returns whether anything
 * changed (type-ahead results cached before are then stale), with the invalidation it owes
 * recorded when `owe` is set.
 */
export function refreshSearchTerms(prisma: PrismaClient, options: { minAgeS: number; owe?: Owe }): Promise<{ changed: boolean; intent?: Intent }> {
  return prisma.$transaction(
    async (tx) => {
      const [{ mine }] = await tx.$queryRaw<{ mine: boolean }[]>`SELECT pg_try_advisory_xact_lock(${SEARCH_TERMS_LOCK}::int) AS mine`;
      if (!mine) return { changed: false };
      const [recent] = await tx.$queryRaw<unknown[]>`SELECT 1 FROM search_term_state
        WHERE computed_at > now() - make_interval(secs => ${options.minAgeS}::float8)`;
      if (recent) return { changed: false };
      // A value is spelt as most of its jobs spell it (mode), grouped by its lower case.
      await tx.$executeRaw`CREATE TEMPORARY TABLE fresh_term ON COMMIT DROP AS
        SELECT kind, value, lower(value) AS folded, jobs FROM (
          SELECT 'TITLE' AS kind, mode() WITHIN GROUP (ORDER BY title) AS value, count(*)::int AS jobs FROM job WHERE is_active GROUP BY lower(title)
          UNION ALL
          SELECT 'COMPANY', mode() WITHIN GROUP (ORDER BY company_name), count(*)::int FROM job
          WHERE is_active AND company_name IS NOT NULL GROUP BY lower(company_name)
          UNION ALL
          SELECT 'LOCATION', mode() WITHIN GROUP (ORDER BY location), count(*)::int FROM job WHERE is_active GROUP BY lower(location)
          UNION ALL
          SELECT 'SKILL', mode() WITHIN GROUP (ORDER BY s), count(DISTINCT j.id)::int FROM job j, unnest(j.skills) s WHERE j.is_active GROUP BY lower(s)
          UNION ALL
          SELECT 'WORD', w, count(DISTINCT j.id)::int FROM job j,
            regexp_split_to_table(lower(j.title || ' ' || array_to_string(j.skills, ' ')), '[^[:alnum:]+#]+') w
          WHERE j.is_active AND length(w) > 2 GROUP BY w
        ) t`;
      const gone = await tx.$executeRaw`DELETE FROM search_term t
        WHERE NOT EXISTS (SELECT 1 FROM fresh_term f WHERE f.kind = t.kind AND f.value = t.value)`;
      const written = await tx.$executeRaw`INSERT INTO search_term (kind, value, folded, jobs) SELECT kind, value, folded, jobs FROM fresh_term
        ON CONFLICT (kind, value) DO UPDATE SET jobs = EXCLUDED.jobs WHERE search_term.jobs <> EXCLUDED.jobs`;
      await tx.$executeRaw`INSERT INTO search_term_state (id, computed_at) VALUES (true, now())
        ON CONFLICT (id) DO UPDATE SET computed_at = EXCLUDED.computed_at`;
      const changed = gone + written > 0;
      return { changed, intent: changed ? await options.owe?.(tx) : undefined };
    },
    { maxWait: WRITE_TX.maxWait, timeout: 60_000 },
  );
}
