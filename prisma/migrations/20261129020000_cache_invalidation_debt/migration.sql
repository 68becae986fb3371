-- A write whose cache invalidation could not reach Redis used to be remembered in the writer's
-- memory only: a restart forgot it and stale results came back with Redis. The debt lives
-- here, in the database the write reached, until some instance empties the cache.
CREATE TABLE "cache_invalidation_debt" (
    "id" BIGSERIAL NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cache_invalidation_debt_pkey" PRIMARY KEY ("id")
);
