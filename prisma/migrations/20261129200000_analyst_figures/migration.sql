-- Analysts' figures: the history of every application's status, so that the funnel can say how
-- many applications reached each status and how long each step took; and a trigram index on
-- company names for `companies(search)`.

-- Each status is entered at most once: the transitions only move forward
-- (src/domain/application-status.ts), so (application, status) is the key.
CREATE TABLE "application_status_change" (
    "application_id" INTEGER NOT NULL,
    "status" "ApplicationStatus" NOT NULL,
    "changed_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "application_status_change_pkey" PRIMARY KEY ("application_id", "status")
);

ALTER TABLE "application_status_change" ADD CONSTRAINT "application_status_change_application_id_fkey"
    FOREIGN KEY ("application_id") REFERENCES "application"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE INDEX "application_status_change_status_idx" ON "application_status_change"("status");

-- Written by the database, not by the gateway: every writer (the API, the seed, the importer,
-- an operator's psql) records history the same way. An application starts SUBMITTED; one
-- inserted in a later status (seeds, migrations of old data) entered it when it was written.
CREATE FUNCTION application_status_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO application_status_change (application_id, status, changed_at)
      VALUES (NEW.id, 'SUBMITTED', NEW.created_at) ON CONFLICT DO NOTHING;
  END IF;
  IF NEW.status <> 'SUBMITTED' AND (TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status) THEN
    INSERT INTO application_status_change (application_id, status, changed_at)
      VALUES (NEW.id, NEW.status, CASE TG_OP WHEN 'INSERT' THEN greatest(NEW.updated_at, NEW.created_at) ELSE now() END)
      ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER application_status_history AFTER INSERT OR UPDATE OF status ON application
  FOR EACH ROW EXECUTE FUNCTION application_status_history();

-- What is known of the applications that exist: submitted when created, in their status since
-- their last update. The steps in between were not recorded; the funnel still counts them as
-- reached (statuses only move forward) but has no duration for them.
INSERT INTO application_status_change (application_id, status, changed_at)
  SELECT id, 'SUBMITTED', created_at FROM application;
INSERT INTO application_status_change (application_id, status, changed_at)
  SELECT id, status, greatest(updated_at, created_at) FROM application WHERE status <> 'SUBMITTED';

CREATE INDEX "company_name_trgm_idx" ON "company" USING gin (lower("name") gin_trgm_ops);

ANALYZE application_status_change;
