-- Hand-written throughout: Prisma's schema language has no CHECK constraints.
-- The rules every row must satisfy, enforced by the database so that no writer (a mutation
-- racing another, the importer, a hand-written UPDATE) can store a row that breaks them.
-- The limits are LIMITS of src/domain/job-input.ts; keep both in step.

-- Rows are repaired and checked under a bounded wait: a migration queued behind a long import
-- batch would otherwise hold every reader of these tables behind it. Past it, the migration
-- fails whole (nothing is applied) and the next start tries again.
SET LOCAL lock_timeout = '10s';

-- Text as the gateway stores it: not blank, no surrounding whitespace (what JavaScript's trim()
-- removes in ASCII; it removes more, so trimmed input always passes). The functions call each
-- other, so each keeps the search_path it was created with: pg_restore runs with an empty one,
-- and would otherwise fail to load every row these constraints check.
CREATE FUNCTION chommie_trim(s TEXT) RETURNS TEXT
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT
    AS $$ SELECT btrim(s, E' \t\n\x0b\f\r') $$;
CREATE FUNCTION chommie_trimmed(s TEXT) RETURNS BOOLEAN
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT
    AS $$ SELECT s <> '' AND s = chommie_trim(s) $$;
CREATE FUNCTION chommie_skills_ok(skills TEXT[]) RETURNS BOOLEAN
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT
    AS $$ SELECT cardinality(skills) <= 50
          AND NOT EXISTS (SELECT FROM unnest(skills) s WHERE s IS NULL OR NOT chommie_trimmed(s) OR char_length(s) > 60) $$;

-- Existing rows are repaired where the intent is obvious, so that the constraints below hold
-- for them too: impossible salaries and ratings become unknown (NULL, as the importer treats
-- garbage), reversed salary ranges are swapped, text is trimmed and over-long text cut, empty
-- optional text becomes NULL, bad skills are dropped and the rest capped at 50. Repaired rows
-- count as updated.
UPDATE "job" SET "salary_min" = NULL, "updated_at" = now() WHERE NOT "salary_min" BETWEEN 0 AND 10000000;
UPDATE "job" SET "salary_max" = NULL, "updated_at" = now() WHERE NOT "salary_max" BETWEEN 0 AND 10000000;
UPDATE "job" SET "salary_min" = "salary_max", "salary_max" = "salary_min", "updated_at" = now() WHERE "salary_min" > "salary_max";
UPDATE "job" SET "title" = left(chommie_trim("title"), 200), "updated_at" = now()
    WHERE NOT (chommie_trimmed("title") AND char_length("title") <= 200) AND chommie_trim("title") <> '';
UPDATE "job" SET "description" = left(chommie_trim("description"), 20000), "updated_at" = now()
    WHERE NOT (chommie_trimmed("description") AND char_length("description") <= 20000) AND chommie_trim("description") <> '';
UPDATE "job" SET "location" = left(chommie_trim("location"), 200), "updated_at" = now()
    WHERE NOT (chommie_trimmed("location") AND char_length("location") <= 200) AND chommie_trim("location") <> '';
UPDATE "job" SET "city" = nullif(left(chommie_trim("city"), 100), ''), "updated_at" = now()
    WHERE NOT (chommie_trimmed("city") AND char_length("city") <= 100);
UPDATE "job" SET "state" = nullif(left(chommie_trim("state"), 100), ''), "updated_at" = now()
    WHERE NOT (chommie_trimmed("state") AND char_length("state") <= 100);
UPDATE "job" SET "updated_at" = now(), "skills" = ARRAY(
        SELECT t FROM unnest("skills") WITH ORDINALITY AS u(w, i), chommie_trim(w) AS t
        WHERE t <> '' AND char_length(t) <= 60 ORDER BY i LIMIT 50)
    WHERE NOT chommie_skills_ok("skills");
UPDATE "company" SET "rating" = NULL, "updated_at" = now() WHERE NOT "rating" BETWEEN 1 AND 5;
-- Names and emails are unique: trimmed only where that collides with no other row.
UPDATE "company" c SET "name" = chommie_trim("name"), "updated_at" = now()
    WHERE "name" <> chommie_trim("name") AND chommie_trim("name") <> ''
      AND NOT EXISTS (SELECT FROM "company" o WHERE o."id" <> c."id" AND chommie_trim(o."name") = chommie_trim(c."name"));
UPDATE "user" u SET "email" = chommie_trim("email")
    WHERE "email" <> chommie_trim("email")
      AND NOT EXISTS (SELECT FROM "user" o WHERE o."id" <> u."id" AND chommie_trim(o."email") = chommie_trim(u."email"));
UPDATE "user" SET "name" = chommie_trim("name") WHERE "name" <> chommie_trim("name");
-- Derived data: the similar-jobs refresher recomputes what is deleted here.
DELETE FROM "job_similar" WHERE "similar_id" = "job_id" OR "rank" < 1;

-- NOT VALID first: from here on every insert and update is checked; the rows already stored
-- are checked by VALIDATE below.
ALTER TABLE "job"
    ADD CONSTRAINT "job_title_check" CHECK (chommie_trimmed("title") AND char_length("title") <= 200) NOT VALID,
    ADD CONSTRAINT "job_description_check" CHECK (chommie_trimmed("description") AND char_length("description") <= 20000) NOT VALID,
    ADD CONSTRAINT "job_location_check" CHECK (chommie_trimmed("location") AND char_length("location") <= 200) NOT VALID,
    ADD CONSTRAINT "job_city_check" CHECK (chommie_trimmed("city") AND char_length("city") <= 100) NOT VALID,
    ADD CONSTRAINT "job_state_check" CHECK (chommie_trimmed("state") AND char_length("state") <= 100) NOT VALID,
    ADD CONSTRAINT "job_salary_min_check" CHECK ("salary_min" BETWEEN 0 AND 10000000) NOT VALID,
    ADD CONSTRAINT "job_salary_max_check" CHECK ("salary_max" BETWEEN 0 AND 10000000) NOT VALID,
    ADD CONSTRAINT "job_salary_range_check" CHECK ("salary_min" <= "salary_max") NOT VALID,
    ADD CONSTRAINT "job_skills_check" CHECK (chommie_skills_ok("skills")) NOT VALID;
ALTER TABLE "company"
    ADD CONSTRAINT "company_name_check" CHECK (chommie_trimmed("name") AND char_length("name") <= 200) NOT VALID,
    ADD CONSTRAINT "company_rating_check" CHECK ("rating" BETWEEN 1 AND 5) NOT VALID;
ALTER TABLE "user"
    ADD CONSTRAINT "user_email_check" CHECK ("email" ~ '^[^@[:space:]]+@[^@[:space:]]+$' AND char_length("email") <= 254) NOT VALID,
    ADD CONSTRAINT "user_name_check" CHECK (chommie_trimmed("name")) NOT VALID;
ALTER TABLE "job_similar"
    ADD CONSTRAINT "job_similar_check" CHECK ("similar_id" <> "job_id" AND "rank" >= 1) NOT VALID;

-- What no repair can fix (a blank title, a malformed email) must not stop the gateway from
-- starting: such a constraint stays NOT VALID (still enforced on every write) with a warning;
-- `SELECT conname FROM pg_constraint WHERE NOT convalidated` lists them once the rows are fixed
-- by hand, then `ALTER TABLE … VALIDATE CONSTRAINT …` completes them.
DO $$
DECLARE c RECORD;
BEGIN
    FOR c IN SELECT conrelid::regclass AS tbl, conname FROM pg_constraint
             WHERE contype = 'c' AND NOT convalidated AND connamespace = current_schema()::regnamespace
               AND conrelid IN ('"job"'::regclass, '"company"'::regclass, '"user"'::regclass, '"job_similar"'::regclass)
    LOOP
        BEGIN
            EXECUTE format('ALTER TABLE %s VALIDATE CONSTRAINT %I', c.tbl, c.conname);
        EXCEPTION WHEN check_violation THEN
            RAISE WARNING 'constraint % on % left NOT VALID: existing rows break it', c.conname, c.tbl;
        END;
    END LOOP;
END $$;
