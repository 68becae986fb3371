import type { Database, RawSql } from '../db/database';
import { refreshSearchTerms } from './search';
import { rebuildAllSimilar } from './similar';
import { INDUSTRIES, LEVELS, LOCATIONS, NAME_PARTS, ROLES, SENTENCES, USER_NAMES } from './seed-data';

export interface SeedSize {
  companies: number;
  jobs: number;
  users: number;
  applications: number;
}

/** How far a seed has got: `done` of `total` units (rows, or jobs for the derived data) of `step`. */
export interface SeedProgress {
  step: 'companies' | 'jobs' | 'users' | 'applications' | 'similar jobs' | 'search terms';
  done: number;
  total: number;
}
export type OnSeedProgress = (p: SeedProgress) => void;

export const DEMO_SIZE: SeedSize = { companies: 220, jobs: 2400, users: 600, applications: 12_000 };

// INTERNSHIP is the intern level's job type, and only its: a "Senior" internship makes no sense.
const JOB_TYPES = ['FULL_TIME', 'FULL_TIME', 'FULL_TIME', 'PART_TIME', 'CONTRACT', 'TEMPORARY', 'OTHER'];
const PLANS = ['FREE', 'FREE', 'BASIC', 'PREMIUM', 'ENTERPRISE'];
const DAY = 86_400_000;

/** mulberry32: a tiny deterministic PRNG, so every seed of the same size is the same data. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)],
    /** One of `xs`, each as likely as its `weight` (one draw, like `pick`). */
    weighted: <T extends { weight: number }>(xs: readonly T[]) => {
      let x = next() * xs.reduce((sum, w) => sum + w.weight, 0);
      return xs.find((w) => (x -= w.weight) < 0) ?? xs[xs.length - 1];
    },
  };
}

async function insertJson(raw: Pick<RawSql, 'query'>, target: string, columns: string, rows: unknown[], progress: (done: number) => void, chunk = 1000) {
  progress(0);
  for (let i = 0; i < rows.length; i += chunk) {
    await raw.query(`INSERT INTO ${target} SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(${columns})`, [JSON.stringify(rows.slice(i, i + chunk))]);
    progress(Math.min(i + chunk, rows.length));
  }
}

/**
 * Writes the demo data set into an empty database. Content is deterministic; timestamps are
 * relative to `now` so "the last 30 days" always has applications.
 */
export async function seedDemo(raw: RawSql, size: SeedSize = DEMO_SIZE, now = Date.now(), onProgress: OnSeedProgress = () => {}): Promise<void> {
  const r = rng(42);
  const companies = Array.from({ length: size.companies }, (_, i) => ({
    id: i + 1,
    name: `${NAME_PARTS.first[i % NAME_PARTS.first.length]} ${NAME_PARTS.second[Math.floor(i / NAME_PARTS.first.length) % NAME_PARTS.second.length]}${i >= NAME_PARTS.first.length * NAME_PARTS.second.length ? ` ${Math.floor(i / 240) + 1}` : ''}`,
    industry: r.pick(INDUSTRIES),
    rating: Math.round((2.5 + r.next() * 2.5) * 10) / 10,
  }));
  const jobs = Array.from({ length: size.jobs }, (_, i) => {
    const role = r.pick(ROLES);
    const level = r.weighted(LEVELS);
    const place = r.pick(LOCATIONS);
    const remote = r.next() < 0.25;
    const skills = role.skills.filter(() => r.next() < 0.7);
    if (skills.length === 0) skills.push(role.skills[0]);
    const sentences = Array.from({ length: 6 }, () => r.pick(SENTENCES).replace('{skill}', r.pick(role.skills)).replace('{skill2}', r.pick(role.skills)));
    const hasSalary = r.next() < 0.8;
    const mid = Math.round((role.base * level.factor * (0.85 + r.next() * 0.3)) / 1000) * 1000;
    const company = companies[r.int(companies.length)];
    return {
      id: i + 1,
      title: level.prefix ? `${level.prefix} ${role.title}` : role.title,
      description: `${company.name} is hiring a ${role.title.toLowerCase()} in ${place.city}. ${sentences.join(' ')}`,
      company_id: company.id,
      location: remote ? `Remote (${place.city}, ${place.state})` : `${place.city}, ${place.state}`,
      city: place.city,
      state: place.state,
      job_type: level.level === 'INTERN' ? 'INTERNSHIP' : r.pick(JOB_TYPES),
      salary_min: hasSalary ? Math.round(mid * 0.85) : null,
      salary_max: hasSalary ? Math.round(mid * 1.15) : null,
      remote,
      experience_level: level.level,
      skills,
      is_active: r.next() < 0.92,
      source: 'seed',
      external_id: `seed-${i + 1}`,
      created_at: new Date(now - r.int(60 * DAY)).toISOString(),
    };
  });
  const users = Array.from({ length: size.users }, (_, i) => ({
    id: i + 1,
    email: `${USER_NAMES[i % USER_NAMES.length].toLowerCase()}.${i + 1}@example.com`,
    name: `${r.pick(USER_NAMES)} ${String.fromCharCode(65 + (i % 26))}.`,
    subscription_plan: r.pick(PLANS),
    last_login_at: new Date(now - r.int(90 * DAY)).toISOString(),
  }));
  // A few jobs are hot (trending means something); pairs are unique per (user, job).
  const seen = new Set<string>();
  const applications: unknown[] = [];
  const maxPairs = size.users * size.jobs;
  while (applications.length < Math.min(size.applications, maxPairs / 2)) {
    const job = r.next() < 0.3 ? 1 + r.int(Math.min(50, size.jobs)) : 1 + r.int(size.jobs);
    const user = 1 + r.int(size.users);
    const key = `${user}:${job}`;
    if (seen.has(key)) continue;
    seen.add(key);
    applications.push({
      job_id: job,
      user_id: user,
      status: r.pick(['SUBMITTED', 'SUBMITTED', 'REVIEWING', 'INTERVIEWING', 'REJECTED']),
      created_at: new Date(now - r.int(30 * DAY)).toISOString(),
    });
  }

  const history = progressApplications(applications as SeededApplication[], now);

  const rows = (step: SeedProgress['step'], total: number) => (done: number) => onProgress({ step, done, total });
  await raw.transaction(async (tx) => {
    await insertJson(
      tx,
      'company (id, name, industry, rating)',
      'id int, name text, industry text, rating float8',
      companies,
      rows('companies', companies.length),
    );
    await insertJson(
      tx,
      'job (id, title, description, company_id, location, city, state, job_type, salary_min, salary_max, remote, experience_level, skills, is_active, source, external_id, created_at)',
      `id int, title text, description text, company_id int, location text, city text, state text, job_type "JobType", salary_min int, salary_max int, remote bool, experience_level "ExperienceLevel", skills text[], is_active bool, source text, external_id text, created_at timestamptz`,
      jobs,
      rows('jobs', jobs.length),
    );
    await insertJson(
      tx,
      '"user" (id, email, name, subscription_plan, last_login_at)',
      `id int, email text, name text, subscription_plan "SubscriptionPlan", last_login_at timestamptz`,
      users,
      rows('users', users.length),
    );
    await insertJson(
      tx,
      'application (job_id, user_id, status, created_at)',
      `job_id int, user_id int, status "ApplicationStatus", created_at timestamptz`,
      applications,
      rows('applications', applications.length),
      5000,
    );
    // Over what the trigger recorded (submitted when created, the status when inserted).
    for (let i = 0; i < history.length; i += 5000) {
      await tx.query(
        `INSERT INTO application_status_change (application_id, status, changed_at)
           SELECT a.id, h.status, h.changed_at FROM jsonb_to_recordset($1::jsonb) AS h(job_id int, user_id int, status "ApplicationStatus", changed_at timestamptz)
           JOIN application a USING (job_id, user_id)
         ON CONFLICT (application_id, status) DO UPDATE SET changed_at = EXCLUDED.changed_at`,
        [JSON.stringify(history.slice(i, i + 5000))],
      );
    }
    await tx.query(`UPDATE application a SET updated_at = h.last FROM (SELECT application_id, max(changed_at) AS last FROM application_status_change GROUP BY 1) h
      WHERE h.application_id = a.id`);
    // Explicit ids above: move the sequences past them.
    for (const t of ['company', 'job', 'user', 'application']) {
      await tx.query(`SELECT setval(pg_get_serial_sequence('"${t}"', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM "${t}"), false)`);
    }
  });
}

interface SeededApplication {
  job_id: number;
  user_id: number;
  status: string;
  created_at: string;
}

/**
 * Moves some demo applications on to the end of the funnel (a fifth of the interviewed are
 * offered the job, a third of those hired; a few applicants withdraw), and returns the steps
 * each went through, hours apart, so that the analysts' funnel has every stage and durations
 * to show: reviewed within days, interviewed within a week or two, an offer within days; a
 * rejection comes after review or straight away. From its own generator, so the rest of the
 * data set stays what it was.
 */
function progressApplications(applications: SeededApplication[], now: number) {
  const r = rng(7);
  const review: [string, number, number] = ['REVIEWING', 12, 96];
  const interview: [string, number, number] = ['INTERVIEWING', 48, 240];
  const offer: [string, number, number] = ['OFFERED', 24, 120];
  const steps: Record<string, [string, number, number][]> = {
    REVIEWING: [review],
    INTERVIEWING: [review, interview],
    OFFERED: [review, interview, offer],
    HIRED: [review, interview, offer, ['HIRED', 24, 168]],
    WITHDRAWN: [['WITHDRAWN', 2, 200]],
  };
  const history: { job_id: number; user_id: number; status: string; changed_at: string }[] = [];
  for (const a of applications) {
    if (a.status === 'INTERVIEWING' && r.next() < 0.2) a.status = r.next() < 0.35 ? 'HIRED' : 'OFFERED';
    else if (a.status === 'SUBMITTED' && r.next() < 0.06) a.status = 'WITHDRAWN';
    const path =
      a.status === 'REJECTED' ? [...(r.next() < 0.6 ? steps.REVIEWING : []), ['REJECTED', 24, 168] as [string, number, number]] : (steps[a.status] ?? []);
    const created = Date.parse(a.created_at);
    const hours = path.map(([, min, max]) => min + r.int(max - min));
    // Compressed into the time since the application was made: nothing happens in the future.
    const total = hours.reduce((s, h) => s + h, 0);
    const scale = Math.min(1, (now - created) / 3_600_000 / (total || 1)) * 0.95;
    let at = created;
    path.forEach(([status], i) => {
      at += hours[i] * scale * 3_600_000;
      history.push({ job_id: a.job_id, user_id: a.user_id, status, changed_at: new Date(at).toISOString() });
    });
  }
  return history;
}

export async function isEmpty(db: Database): Promise<boolean> {
  return (await db.prisma.job.count()) === 0 && (await db.prisma.company.count()) === 0;
}

/**
 * Demo data plus its similar-jobs lists and search terms, saying how far it has got through
 * `onProgress`. Refuses to write into a database that has jobs.
 */
export async function seed(db: Database, size: SeedSize = DEMO_SIZE, onProgress: OnSeedProgress = () => {}): Promise<void> {
  if (!(await isEmpty(db))) throw new Error('the database already has jobs or companies: refusing to seed over them');
  await seedDemo(db.raw, size, Date.now(), onProgress);
  // One statement each, or nearly: they report a start and an end.
  onProgress({ step: 'similar jobs', done: 0, total: size.jobs });
  await rebuildAllSimilar(db.prisma);
  onProgress({ step: 'similar jobs', done: size.jobs, total: size.jobs });
  onProgress({ step: 'search terms', done: 0, total: 1 });
  await refreshSearchTerms(db.prisma, { minAgeS: 0 });
  onProgress({ step: 'search terms', done: 1, total: 1 });
}

/** Rows per table, for what a seed or an import reports. */
export async function tableCounts(db: Database) {
  const [jobs, companies, users, applications] = await Promise.all([
    db.prisma.job.count(),
    db.prisma.company.count(),
    db.prisma.user.count(),
    db.prisma.application.count(),
  ]);
  return { jobs, companies, users, applications };
}
