-- A saved search's new jobs are its matches not yet seen, flagged per match, rather than those
-- matched after its last_seen_at: a matcher batch that began before a markSavedSearchSeen and
-- committed after it recorded matches dated before last_seen_at, never shown as new. The flag
-- is set by markSavedSearchSeen on the matches it can see (committed ones), so a match
-- committed later stays new whatever the clocks of the instances (src/data/saved-searches.ts).
ALTER TABLE "saved_search_match" ADD COLUMN "seen" BOOLEAN NOT NULL DEFAULT false;

UPDATE "saved_search_match" m SET "seen" = true FROM "saved_search" s
WHERE s.id = m.saved_search_id AND m.matched_at <= s.last_seen_at;

-- CreateIndex
CREATE INDEX "saved_search_match_saved_search_id_seen_idx" ON "saved_search_match"("saved_search_id", "seen");
