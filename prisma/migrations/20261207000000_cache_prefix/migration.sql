-- The CACHE_PREFIX of every deployment whose gateways used this database with a shared (Redis)
-- cache. A write invalidates its own prefix only, and invalidation debts and intents are the
-- database's, so two prefixes over one database serve each other's stale results: a gateway
-- refuses to start when another prefix is listed here (see src/http/server.ts).
CREATE TABLE "cache_prefix" (
    "prefix" TEXT NOT NULL,
    "first_seen" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "last_seen" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),

    CONSTRAINT "cache_prefix_pkey" PRIMARY KEY ("prefix")
);
