-- A writer that dies between its COMMIT and its cache invalidation (killed, out of memory, a
-- lost host) left cached results stale for their whole TTL: nothing remembered that it owed
-- one. Writers now record the invalidation they owe in the writing transaction itself and
-- delete the row once it is done (or recorded as a debt); a row left behind by a writer that
-- never came back is found by any instance and turned into a debt (an emptied cache).
CREATE TABLE "cache_invalidation_intent" (
    "id" BIGSERIAL NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT clock_timestamp(),

    CONSTRAINT "cache_invalidation_intent_pkey" PRIMARY KEY ("id")
);
