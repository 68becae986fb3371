-- Companies keep the id a feed gives them, so re-imports find them even if renamed.
ALTER TABLE "company" ADD COLUMN "external_ref" TEXT;
CREATE UNIQUE INDEX "company_external_ref_key" ON "company"("external_ref");

-- Similar-jobs candidates read each term's strongest postings first (impact-ordered lists).
DROP INDEX "job_keyword_term_idx";
CREATE INDEX "job_keyword_term_weight_idx" ON "job_keyword"("term", "weight" DESC);

-- A persistent queue of jobs whose similar-jobs list must be recomputed (see src/similar/refresher.ts).
CREATE TABLE "job_similar_queue" (
    "job_id" INTEGER NOT NULL,
    "queued_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "job_similar_queue_pkey" PRIMARY KEY ("job_id")
);
CREATE INDEX "job_similar_queue_queued_at_idx" ON "job_similar_queue"("queued_at");
