-- Hand-edited: the parts Prisma's schema language cannot express are marked "Hand-written".

-- Hand-written: array_to_string is only STABLE, a generated column needs IMMUTABLE.
CREATE FUNCTION chommie_join_words(words TEXT[]) RETURNS TEXT
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT coalesce(array_to_string(words, ' '), '') $$;

-- CreateEnum
CREATE TYPE "JobType" AS ENUM ('FULL_TIME', 'PART_TIME', 'CONTRACT', 'INTERNSHIP', 'TEMPORARY', 'OTHER');

-- CreateEnum
CREATE TYPE "ExperienceLevel" AS ENUM ('INTERN', 'ENTRY', 'MID', 'SENIOR', 'LEAD', 'EXECUTIVE');

-- CreateEnum
CREATE TYPE "SubscriptionPlan" AS ENUM ('FREE', 'BASIC', 'PREMIUM', 'ENTERPRISE');

-- CreateEnum
CREATE TYPE "ApplicationStatus" AS ENUM ('SUBMITTED', 'REVIEWING', 'INTERVIEWING', 'OFFERED', 'REJECTED', 'HIRED', 'WITHDRAWN');

-- CreateTable
CREATE TABLE "company" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "industry" TEXT,
    "rating" DOUBLE PRECISION,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "company_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "job" (
    "id" SERIAL NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "company_id" INTEGER NOT NULL,
    "company_name" TEXT NOT NULL DEFAULT '',
    "location" TEXT NOT NULL,
    "city" TEXT,
    "state" TEXT,
    "job_type" "JobType" NOT NULL,
    "salary_min" INTEGER,
    "salary_max" INTEGER,
    "remote" BOOLEAN NOT NULL DEFAULT false,
    "experience_level" "ExperienceLevel",
    "skills" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "source" TEXT NOT NULL DEFAULT 'manual',
    "external_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "search_vector" tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, "title"), 'A') ||
        setweight(to_tsvector('english'::regconfig, "company_name" || ' ' || chommie_join_words("skills")), 'B') ||
        setweight(to_tsvector('english'::regconfig, "description"), 'C')
    ) STORED,

    CONSTRAINT "job_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "user" (
    "id" SERIAL NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "subscription_plan" "SubscriptionPlan" NOT NULL DEFAULT 'FREE',
    "last_login_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "user_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "application" (
    "id" SERIAL NOT NULL,
    "job_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "status" "ApplicationStatus" NOT NULL DEFAULT 'SUBMITTED',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "application_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "job_keyword" (
    "job_id" INTEGER NOT NULL,
    "term" TEXT NOT NULL,
    "weight" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "job_keyword_pkey" PRIMARY KEY ("job_id","term")
);

-- CreateTable
CREATE TABLE "job_similar" (
    "job_id" INTEGER NOT NULL,
    "similar_id" INTEGER NOT NULL,
    "rank" INTEGER NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,
    "computed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "job_similar_pkey" PRIMARY KEY ("job_id","rank")
);

-- CreateIndex
CREATE UNIQUE INDEX "company_name_key" ON "company"("name");

-- CreateIndex
CREATE INDEX "job_created_at_id_idx" ON "job"("created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "job_company_id_created_at_idx" ON "job"("company_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "job_job_type_idx" ON "job"("job_type");

-- CreateIndex
CREATE INDEX "job_salary_min_salary_max_idx" ON "job"("salary_min", "salary_max");

-- CreateIndex
CREATE UNIQUE INDEX "job_source_external_id_key" ON "job"("source", "external_id");

-- CreateIndex
CREATE UNIQUE INDEX "user_email_key" ON "user"("email");

-- CreateIndex
CREATE INDEX "user_subscription_plan_idx" ON "user"("subscription_plan");

-- CreateIndex
CREATE INDEX "user_last_login_at_idx" ON "user"("last_login_at" DESC);

-- CreateIndex
CREATE INDEX "application_user_id_created_at_idx" ON "application"("user_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "application_job_id_created_at_idx" ON "application"("job_id", "created_at");

-- CreateIndex
CREATE INDEX "application_status_idx" ON "application"("status");

-- CreateIndex
CREATE INDEX "application_created_at_idx" ON "application"("created_at");

-- CreateIndex
CREATE UNIQUE INDEX "application_user_id_job_id_key" ON "application"("user_id", "job_id");

-- CreateIndex
CREATE INDEX "job_keyword_term_idx" ON "job_keyword"("term");

-- CreateIndex
CREATE INDEX "job_similar_similar_id_idx" ON "job_similar"("similar_id");

-- AddForeignKey
ALTER TABLE "job" ADD CONSTRAINT "job_company_id_fkey" FOREIGN KEY ("company_id") REFERENCES "company"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "application" ADD CONSTRAINT "application_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "job"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "application" ADD CONSTRAINT "application_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "job_keyword" ADD CONSTRAINT "job_keyword_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "job"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "job_similar" ADD CONSTRAINT "job_similar_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "job"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "job_similar" ADD CONSTRAINT "job_similar_similar_id_fkey" FOREIGN KEY ("similar_id") REFERENCES "job"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written: full-text search, partial and expression indexes.
CREATE INDEX "job_search_vector_idx" ON "job" USING GIN ("search_vector");
CREATE INDEX "job_active_created_at_idx" ON "job"("created_at" DESC, "id" DESC) WHERE "is_active";
CREATE INDEX "job_active_salary_idx" ON "job"(coalesce("salary_max", -1) DESC, "id" DESC) WHERE "is_active";
CREATE INDEX "job_location_idx" ON "job"(lower("location") text_pattern_ops);
CREATE INDEX "job_city_idx" ON "job"(lower("city"));
CREATE INDEX "job_state_idx" ON "job"(lower("state"));
CREATE INDEX "application_job_id_status_idx" ON "application"("job_id", "status");

-- Hand-written: job.company_name mirrors company.name so the generated search vector can use it.
CREATE FUNCTION chommie_job_company_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT "name" INTO NEW."company_name" FROM "company" WHERE "id" = NEW."company_id";
    RETURN NEW;
END $$;
CREATE TRIGGER "job_company_name" BEFORE INSERT OR UPDATE OF "company_id", "company_name" ON "job"
    FOR EACH ROW EXECUTE FUNCTION chommie_job_company_name();

CREATE FUNCTION chommie_company_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE "job" SET "company_name" = NEW."name" WHERE "company_id" = NEW."id";
    RETURN NEW;
END $$;
CREATE TRIGGER "company_renamed" AFTER UPDATE OF "name" ON "company"
    FOR EACH ROW WHEN (OLD."name" IS DISTINCT FROM NEW."name") EXECUTE FUNCTION chommie_company_renamed();
