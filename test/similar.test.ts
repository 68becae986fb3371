import { SimilarJobsRefresher } from '../src/similar/refresher';
import { useGatewaySuite } from './helpers/gateway';

const suite = useGatewaySuite();
const gql: typeof suite.gql = (...args) => suite.gql(...args);

const roleOf = (title: string) => title.replace(/^(Intern|Junior|Senior|Lead|Principal) /, '');

describe('similar jobs', () => {
  it('ranks jobs of the same role first, far above chance', async () => {
    const res = await gql('{ jobs(first: 60) { edges { node { title similarJobs(first: 5) { title isActive } } } } }');
    expect(res.errors).toBeUndefined();
    let same = 0;
    let total = 0;
    for (const { node } of res.data.jobs.edges) {
      for (const s of node.similarJobs) {
        total += 1;
        if (roleOf(s.title) === roleOf(node.title)) same += 1;
        expect(s.isActive).toBe(true);
      }
    }
    // 22 roles in the seed: chance would be under 5%.
    expect(total).toBeGreaterThan(250);
    expect(same / total).toBeGreaterThan(0.8);
  });

  it('never lists the job itself, and rejects first above the materialized 10', async () => {
    const res = await gql('{ job(id: "1") { id similarJobs(first: 10) { id } } }');
    expect(res.data.job.similarJobs.map((s: any) => s.id)).not.toContain('1');
    const bad = await gql('{ job(id: "1") { similarJobs(first: 11) { id } } }');
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('drops a closed job from every list at read time, before any refresh', async () => {
    const res = await gql('{ job(id: "2") { similarJobs(first: 1) { id } } }');
    const victim = Number(res.data.job.similarJobs[0].id);
    await suite.db.prisma.job.update({ where: { id: victim }, data: { isActive: false } });
    const after = await gql('{ job(id: "2") { similarJobs(first: 10) { id } } }');
    expect(after.data.job.similarJobs.map((s: any) => Number(s.id))).not.toContain(victim);
  });

  it('puts a new job into its own list at once and into the lists it now belongs to after the background refresh', async () => {
    const refresher = new SimilarJobsRefresher(suite.db.prisma, { intervalMs: 60_000 });
    const base = await suite.db.prisma.job.findFirstOrThrow({ where: { isActive: true, title: 'Site Reliability Engineer' } });
    // A near-copy of an existing posting: it must rank first among base's similar jobs.
    const twin = await suite.db.prisma.job.create({
      data: { ...base, id: undefined, externalId: null, title: base.title, description: base.description, source: 'test', createdAt: new Date() },
    });
    await refresher.jobsChanged([twin.id]);
    const own = await gql(`{ job(id: "${twin.id}") { similarJobs(first: 3) { id } } }`);
    expect(own.data.job.similarJobs[0].id).toBe(String(base.id));
    expect((await refresher.stats()).pending).toBeGreaterThan(0);
    const before = await gql(`{ job(id: "${base.id}") { similarJobs(first: 1) { id } } }`);
    expect(before.data.job.similarJobs[0].id).not.toBe(String(twin.id));
    await refresher.drain();
    const after = await gql(`{ job(id: "${base.id}") { similarJobs(first: 1) { id } } }`);
    expect(after.data.job.similarJobs[0].id).toBe(String(twin.id));
    expect(await refresher.stats()).toMatchObject({ pending: 0, failures: 0 });
    expect((await refresher.stats()).refreshed).toBeGreaterThan(0);
  });
});
