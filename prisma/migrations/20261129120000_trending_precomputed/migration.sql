-- trendingJobs aggregated every application of its window on every read: about 60 ms of
-- PostgreSQL CPU for 7 days on the 20k-job / 200k-application bench. The windows clients ask
-- for (TRENDING_WINDOWS) are now computed in the background, their top jobs kept here and read
-- by index; a window that is not kept, or whose list is past `fresh_until` (its refresher
-- stopped), is computed live as before.
CREATE TABLE "trending_window" (
    "days" INTEGER NOT NULL,
    "computed_at" TIMESTAMPTZ(3) NOT NULL,
    "fresh_until" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "trending_window_pkey" PRIMARY KEY ("days"),
    CONSTRAINT "trending_window_days_check" CHECK ("days" BETWEEN 1 AND 365),
    CONSTRAINT "trending_window_fresh_check" CHECK ("fresh_until" >= "computed_at")
);

CREATE TABLE "trending_job" (
    "days" INTEGER NOT NULL,
    "rank" INTEGER NOT NULL,
    "job_id" INTEGER NOT NULL,
    "applications" INTEGER NOT NULL,

    CONSTRAINT "trending_job_pkey" PRIMARY KEY ("days","rank"),
    CONSTRAINT "trending_job_rank_check" CHECK ("rank" >= 1),
    CONSTRAINT "trending_job_applications_check" CHECK ("applications" >= 1)
);

CREATE INDEX "trending_job_job_id_idx" ON "trending_job"("job_id");

ALTER TABLE "trending_job" ADD CONSTRAINT "trending_job_days_fkey" FOREIGN KEY ("days") REFERENCES "trending_window"("days") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "trending_job" ADD CONSTRAINT "trending_job_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "job"("id") ON DELETE CASCADE ON UPDATE CASCADE;
