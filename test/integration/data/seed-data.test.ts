import { openTestDatabase, type TestDatabase } from '../../helpers/db';

// The demo data is what newcomers, analysts and screenshots see first: it must read like a
// real job board. Checked over the seeded template every test file starts from.
let db: TestDatabase;
let jobs: { id: number; title: string; jobType: string; experienceLevel: string | null; isActive: boolean }[];
beforeAll(async () => {
  db = await openTestDatabase();
  jobs = await db.prisma.job.findMany({ where: { source: 'seed' }, select: { id: true, title: true, jobType: true, experienceLevel: true, isActive: true } });
});
afterAll(() => db.destroy());

/** The level each seniority word in a title stands for (no word: MID). */
const WORD_LEVEL: Record<string, string> = { intern: 'INTERN', junior: 'ENTRY', senior: 'SENIOR', lead: 'LEAD', principal: 'EXECUTIVE' };
const seniorityWords = (title: string) => title.toLowerCase().match(/\b(intern|junior|senior|lead|principal)\b/g) ?? [];

describe('demo data', () => {
  it('has jobs to check', () => {
    expect(jobs.length).toBeGreaterThan(1000);
  });

  it('titles carry at most one seniority word, and it agrees with the experience level', () => {
    const bad = jobs.filter((j) => {
      const words = seniorityWords(j.title);
      return words.length > 1 || /\//.test(j.title) || (words.length ? WORD_LEVEL[String(words[0])] : 'MID') !== j.experienceLevel;
    });
    expect(bad.map((j) => `${j.id}: ${j.title} (${j.experienceLevel})`)).toEqual([]);
  });

  it('internships are exactly the intern-level postings', () => {
    const bad = jobs.filter((j) => (j.jobType === 'INTERNSHIP') !== (j.experienceLevel === 'INTERN'));
    expect(bad.map((j) => `${j.id}: ${j.title} (${j.jobType}, ${j.experienceLevel})`)).toEqual([]);
  });

  it('internships are under 10 % of the active jobs, and there are some', () => {
    const active = jobs.filter((j) => j.isActive);
    const internships = active.filter((j) => j.jobType === 'INTERNSHIP').length;
    expect(internships).toBeGreaterThan(0);
    expect(internships / active.length).toBeLessThan(0.1);
  });
});
