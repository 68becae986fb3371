-- Hand-written: search that finds what people type (docs/SEARCH.md).
--
-- Two halves. Text, of jobs and of searches alike, first goes through chommie_search_text: it
-- keeps technical names whole that PostgreSQL's English parser would take apart or drop
-- (c++ and c# both become "c"; ".net" becomes "net"), and spells compounds one way (full-stack,
-- full stack and fullstack are all "fullstack"). That half changes what is indexed, so it
-- lives here: changing it takes a migration that redefines the function and rewrites the
-- column. Synonyms and abbreviations (golang/go, k8s/kubernetes) only change the search, so
-- they are rows of search_synonym that a search applies with ts_rewrite; the gateway writes
-- them from src/domain/search-vocabulary.ts when it migrates (syncVocabulary).

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- `for_query`: "React.js" in a job is indexed as both "reactjs" and "react", so that a search
-- for either finds it; typed into a search it is only "reactjs" (the word a job always has):
-- two words there would be an AND, and "-react.js" would exclude only one of them.
CREATE FUNCTION chommie_search_text(body TEXT, for_query BOOLEAN DEFAULT false) RETURNS TEXT
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT
    AS $$
DECLARE
  -- In order: pattern (case-insensitive), replacement in jobs, replacement in searches.
  rules CONSTANT TEXT[] := ARRAY[
    ['\mci[[:space:]]*[/&-]?[[:space:]]*cd\M', 'cicd', 'cicd'],
    -- Words joined by "/" are two words ("AI/ML", "UI/UX", "C#/.NET": the parser would keep
    -- one token, or a "/.net" no search has). First, so the names below are seen whole.
    ['([^[:space:]/])/(?=[^[:space:]/])', '\1 ', '\1 '],
    ['(^|[^[:alnum:]_+#])c\+\+', '\1 cplusplus ', '\1 cplusplus '],
    ['(^|[^[:alnum:]_+#])c#', '\1 csharp ', '\1 csharp '],
    ['(^|[^[:alnum:]_+#])f#', '\1 fsharp ', '\1 fsharp '],
    ['\masp\.net\M', 'aspnet dotnet', 'aspnet'],
    ['(^|[^[:alnum:]_.])\.net\M', '\1dotnet', '\1dotnet'],
    ['\m([[:alpha:]]+)\.js\M', '\1js \1', '\1js'],
    ['\mfull[[:space:]-]?stack\M', 'fullstack', 'fullstack'],
    ['\mfront[[:space:]-]?end\M', 'frontend', 'frontend'],
    ['\mback[[:space:]-]?end\M', 'backend', 'backend'],
    ['\mdev[[:space:]-]?sec[[:space:]-]?ops\M', 'devsecops', 'devsecops'],
    ['\mdev[[:space:]-]?ops\M', 'devops', 'devops'],
    ['\me[[:space:]-]?commerce\M', 'ecommerce', 'ecommerce'],
    ['\mon[[:space:]-]?site\M', 'onsite', 'onsite'],
    -- English stemming makes "international" "intern": "international sales" found sales interns.
    ['\minternationals?\M', 'intl', 'intl'],
    -- Hyphenated words are their parts ("entry-level" = "entry level"), as the parser also
    -- indexes them, but without the joined token that "entry level" would lack.
    -- (A search quotes such words first, so that "-part-time" excludes the whole: jobs.ts.)
    ['([[:alnum:]])-(?=[[:alpha:]])', '\1 ', '\1 ']];
  rule TEXT[];
  result TEXT := coalesce(body, '');
BEGIN
  FOREACH rule SLICE 1 IN ARRAY rules LOOP
    result := regexp_replace(result, rule[1], CASE WHEN for_query THEN rule[3] ELSE rule[2] END, 'gi');
  END LOOP;
  RETURN result;
END $$;

-- The search vector again, over the normalised text (title A; company and skills B;
-- description C). Rewriting the column recomputes it for every job.
DROP INDEX "job_search_vector_idx";
ALTER TABLE "job" DROP COLUMN "search_vector";
ALTER TABLE "job" ADD COLUMN "search_vector" tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english'::regconfig, chommie_search_text("title")), 'A') ||
    setweight(to_tsvector('english'::regconfig, chommie_search_text("company_name" || ' ' || chommie_join_words("skills"))), 'B') ||
    setweight(to_tsvector('english'::regconfig, chommie_search_text("description")), 'C')
) STORED;
CREATE INDEX "job_search_vector_idx" ON "job" USING GIN ("search_vector");
-- Similar jobs take their terms through the same normalisation (data/similar.ts): recompute
-- every active job's keywords (the gateways' workers do it), or old jobs would keep "c" and
-- "net" while new ones have "cplusplus" and "dotnet".
INSERT INTO "job_similar_queue" ("job_id", "reindex") SELECT "id", true FROM "job" WHERE "is_active"
    ON CONFLICT ("job_id") DO UPDATE SET "reindex" = true;
ANALYZE "job";

-- Synonyms: a search's tsquery has each `target` replaced by its `substitute`. ts_rewrite
-- applies rules one after the other to what the previous ones made, so a substitute would be
-- rewritten again by the rules of its own words ("golang" → "golang | go:AB", then "go" →
-- "go | golang", losing the :AB). Hence two passes: targets, longest first, become a
-- `placeholder` no rule matches; then placeholders become their substitutes.
-- `vocabulary`: "v<VOCABULARY_VERSION>:<hash of the rules>" of the vocabulary they were written from.
CREATE TABLE "search_synonym" (
    "target" tsquery NOT NULL,
    "placeholder" tsquery NOT NULL,
    "substitute" tsquery NOT NULL,
    "vocabulary" TEXT NOT NULL
);

-- What a search means, as a tsquery: normalised like the jobs' text, parsed in web-search
-- syntax, synonyms applied. Call it as a subquery, `(SELECT chommie_tsquery($1))`, so that it
-- runs once per statement, not once per row.
CREATE FUNCTION chommie_tsquery(search TEXT) RETURNS tsquery
    LANGUAGE sql STABLE PARALLEL SAFE SET search_path FROM CURRENT
    AS $$
SELECT ts_rewrite(
         ts_rewrite(websearch_to_tsquery('english', chommie_search_text(search, true)),
                    'SELECT target, placeholder FROM search_synonym ORDER BY numnode(target) DESC, placeholder::text'),
         'SELECT placeholder, substitute FROM search_synonym')
$$;

-- The data's own vocabulary, by kind (TITLE, SKILL, COMPANY, LOCATION; WORD: single words of
-- titles and skills, for "did you mean"), with the active jobs having each. Recomputed in the
-- background (refreshSearchTerms): type-ahead and suggestions read it, never the jobs.
CREATE TABLE "search_term" (
    "kind" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "folded" TEXT NOT NULL,
    "jobs" INTEGER NOT NULL,
    CONSTRAINT "search_term_pkey" PRIMARY KEY ("kind", "value")
);
-- Prefixes of one or two letters (too short for trigrams) by their start; longer ones anywhere.
CREATE INDEX "search_term_prefix_idx" ON "search_term" ("folded" text_pattern_ops);
CREATE INDEX "search_term_trgm_idx" ON "search_term" USING GIN ("folded" gin_trgm_ops);

CREATE TABLE "search_term_state" (
    "id" BOOLEAN PRIMARY KEY DEFAULT true CHECK ("id"),
    "computed_at" TIMESTAMPTZ(3) NOT NULL
);
