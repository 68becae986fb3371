-- A job's keywords and similar-jobs list are derived data, computed after the write that
-- changed the job. Queue that work in the writing transaction itself, by trigger, so a write
-- that commits can never lose it: not when the process computing it dies, nor when its
-- connection does (an import interrupted by the database used to leave its committed rows
-- without keywords or similar jobs, and a rerun saw them "unchanged").
-- `reindex`: the job's own keywords must be recomputed too, not only its list.
ALTER TABLE "job_similar_queue" ADD COLUMN "reindex" BOOLEAN NOT NULL DEFAULT false;

CREATE FUNCTION chommie_queue_similar() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  INSERT INTO job_similar_queue (job_id, reindex) VALUES (NEW.id, true)
  ON CONFLICT (job_id) DO UPDATE SET reindex = true;
  RETURN NULL;
END $$;

CREATE TRIGGER job_queue_similar
AFTER INSERT OR UPDATE OF title, description, skills, job_type, location, is_active ON job
FOR EACH ROW EXECUTE FUNCTION chommie_queue_similar();
