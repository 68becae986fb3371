// Similar-jobs ranking: each job keeps its top weighted terms (tf-idf over the weighted
// search vector, unit-normalised) in job_keyword; the similarity of two jobs is the dot
// product of those vectors (a cosine), computed by a join on term and kept, top 10 per job,
// in job_similar. Reading similar jobs is then an index lookup.

export const KEYWORDS_PER_JOB = 24;
export const SIMILAR_PER_JOB = 10;
/** Terms in more than this share of active jobs say little and make the term join explode. */
export const MAX_TERM_SHARE = 0.2;

// A data-modifying CTE would not make room for the INSERT (same snapshot): delete first, in
// the same transaction.
export const DELETE_KEYWORDS = 'DELETE FROM job_keyword WHERE job_id = ANY($1::int[])';
export const DELETE_SIMILAR = 'DELETE FROM job_similar WHERE job_id = ANY($1::int[])';

// $1: job ids. Title terms weigh 3, skills 2, description 1. The company name is left out
// (unlike in search): otherwise a company's jobs would all be "similar" to each other.
export const REPLACE_KEYWORDS = `
WITH stats AS (SELECT word, ndoc FROM ts_stat('SELECT search_vector FROM job WHERE is_active')),
n AS (SELECT greatest(count(*), 1)::float8 AS n FROM job WHERE is_active),
lex AS (
  SELECT j.id AS job_id, u.lexeme AS term,
         (SELECT sum(CASE w WHEN 'A' THEN 3 WHEN 'B' THEN 2 ELSE 1 END) FROM unnest(u.weights) w) AS tf
  FROM job j, unnest(
    setweight(to_tsvector('english', j.title), 'A') ||
    setweight(to_tsvector('english', chommie_join_words(j.skills)), 'B') ||
    setweight(to_tsvector('english', j.description), 'C')) u
  WHERE j.id = ANY($1::int[]) AND length(u.lexeme) > 1 AND u.lexeme !~ '^[0-9.,_-]+$'
),
scored AS (
  SELECT l.job_id, l.term, (1 + ln(l.tf)) * ln(n.n / greatest(s.ndoc, 1)) AS w
  FROM lex l CROSS JOIN n LEFT JOIN stats s ON s.word = l.term
  WHERE coalesce(s.ndoc, 1) <= greatest(n.n * ${MAX_TERM_SHARE}, 10)
),
top AS (
  SELECT job_id, term, w, row_number() OVER (PARTITION BY job_id ORDER BY w DESC, term) AS rn
  FROM scored WHERE w > 0
)
INSERT INTO job_keyword (job_id, term, weight)
SELECT job_id, term, w / sqrt(sum(w * w) OVER (PARTITION BY job_id)) FROM top WHERE rn <= ${KEYWORDS_PER_JOB}`;

/**
 * How many jobs, strongest first, each term of a job looks at for candidates. Scanning every
 * job that shares a term costs the sum of the terms' frequencies squared (116 M pairs for
 * 35k real postings); truncated, impact-ordered lists keep it to 24 × this per job, and a
 * job that shares only weak terms with another would not make its top 10 anyway.
 */
export const POSTINGS_PER_TERM = 200;
/** Candidates per job scored exactly, on all the terms they share. */
export const SHORTLIST = 50;

// $1: job ids. Partial dot products over the truncated lists of their terms (active jobs only).
const CANDIDATES = `
  SELECT s.job_id, o.job_id AS other, sum(s.weight * o.weight) AS score
  FROM job_keyword s
  CROSS JOIN LATERAL (
    SELECT k.job_id, k.weight FROM job_keyword k JOIN job a ON a.id = k.job_id AND a.is_active
    WHERE k.term = s.term AND k.job_id <> s.job_id
    ORDER BY k.weight DESC LIMIT ${POSTINGS_PER_TERM}
  ) o
  WHERE s.job_id = ANY($1::int[])
  GROUP BY s.job_id, o.job_id`;

// $1: job ids. Ties in score (to 4 decimals) go to the same job type, then the same location.
export const REPLACE_SIMILAR = `
WITH partial AS (${CANDIDATES}),
shortlist AS (
  SELECT job_id, other FROM (
    SELECT job_id, other, row_number() OVER (PARTITION BY job_id ORDER BY score DESC, other) AS n FROM partial
  ) t WHERE n <= ${SHORTLIST}
),
-- The truncated lists give a lower bound; the shortlist is scored on all shared terms.
pairs AS (
  SELECT c.job_id, c.other, sum(s.weight * o.weight) AS score
  FROM shortlist c
  JOIN job_keyword s ON s.job_id = c.job_id
  JOIN job_keyword o ON o.job_id = c.other AND o.term = s.term
  GROUP BY c.job_id, c.other
),
ranked AS (
  SELECT p.job_id, p.other AS similar_id, p.score,
         row_number() OVER (PARTITION BY p.job_id ORDER BY round(p.score::numeric, 4) DESC,
           (o.job_type = s.job_type) DESC, (o.location = s.location) DESC, p.other) AS rank
  FROM pairs p JOIN job o ON o.id = p.other JOIN job s ON s.id = p.job_id
)
INSERT INTO job_similar (job_id, similar_id, rank, score)
SELECT job_id, similar_id, rank, score FROM ranked WHERE rank <= ${SIMILAR_PER_JOB}`;

// $1: changed job ids (keywords already recomputed). The other jobs whose top list may change:
// those listing a changed job now, and those it would now enter (its score beats their 10th).
// Similarity is symmetric, so the candidates of a changed job are the jobs it can affect.
export const AFFECTED_BY_CHANGE = `
WITH cand AS (
  SELECT other AS job_id, max(score) AS score FROM (${CANDIDATES}) c
  WHERE other <> ALL($1::int[]) GROUP BY other
),
floor AS (
  SELECT job_id, count(*) AS c, min(score) AS m FROM job_similar
  WHERE job_id IN (SELECT job_id FROM cand) GROUP BY job_id
)
SELECT c.job_id AS id FROM cand c
LEFT JOIN floor f ON f.job_id = c.job_id
WHERE f.c IS NULL OR f.c < ${SIMILAR_PER_JOB} OR c.score >= f.m
UNION
SELECT job_id FROM job_similar WHERE similar_id = ANY($1::int[]) AND job_id <> ALL($1::int[])`;
