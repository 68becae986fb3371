import { tokenFor, useGatewaySuite } from '../../helpers/gateway';

// data/ and domain/ throw domain errors (src/domain/errors.ts); the gateway's error plugin alone
// gives them the code, argument, path and status clients have always read.

const suite = useGatewaySuite();

describe('domain errors as clients see them', () => {
  it('a bad argument found in data/ is BAD_USER_INPUT naming it, at the field, on the reference executor and compiled alike', async () => {
    // A nested field fails and its parent is nulled: data stays, so a compiled execution keeps its answer.
    const query = 'query($a: String) { company(id: "1") { id jobs(after: $a) { totalCount } } }';
    const answers = [];
    // The first runs on graphql-js, the later ones compiled by graphql-jit (http/plugins/jit.ts).
    for (let i = 0; i < 4; i += 1) answers.push(await suite.gql(query, { a: 'not-a-cursor' }));
    for (const res of answers) {
      expect(res.status).toBe(200);
      expect(res.data).toEqual({ company: null });
      expect(res.errors).toEqual([
        {
          message: '`after` is not a cursor this API returned (it must be an `endCursor` from a previous page)',
          locations: [{ line: 1, column: 43 }],
          path: ['company', 'jobs'],
          extensions: { code: 'BAD_USER_INPUT', argument: 'after' },
        },
      ]);
    }
  });

  it('a root field refused by domain/ (a job input rule) keeps its message, code and status', async () => {
    const res = await suite.gql('query { job(id: "0") { id } }');
    expect(res.status).toBe(200);
    expect(res.errors).toEqual([
      {
        message: '`id` must be a job-platform id (a positive integer), got "0"',
        locations: [{ line: 1, column: 9 }],
        path: ['job'],
        extensions: { code: 'BAD_USER_INPUT', argument: 'id' },
      },
    ]);
  });

  it('the application rules (domain/application-status.ts) and write refusals keep their codes and messages', async () => {
    const APPLY = 'mutation($jobId: ID!) { applyToJob(jobId: $jobId) { id } }';
    const WITHDRAW = 'mutation($id: ID!) { withdrawApplication(id: $id) { id } }';
    const refusal = (res: { status: number; data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] }) => ({
      status: res.status,
      data: res.data,
      errors: res.errors?.map((e) => ({ message: e.message, extensions: e.extensions })),
    });
    const seeker = tokenFor(16, 'SEEKER');
    const closed = await suite.db.prisma.job.findFirstOrThrow({ where: { isActive: false } });
    expect(refusal(await suite.gql(APPLY, { jobId: '987654' }, { token: seeker }))).toEqual({
      status: 200,
      data: null,
      errors: [{ message: 'job 987654 does not exist', extensions: { code: 'NOT_FOUND' } }],
    });
    expect(refusal(await suite.gql(APPLY, { jobId: String(closed.id) }, { token: seeker }))).toEqual({
      status: 200,
      data: null,
      errors: [{ message: `job ${closed.id} is closed to applications`, extensions: { code: 'CONFLICT' } }],
    });
    const job = await suite.db.prisma.job.findFirstOrThrow({ where: { isActive: true, applications: { none: { userId: 16 } } }, orderBy: { id: 'desc' } });
    const id = (await suite.gql(APPLY, { jobId: String(job.id) }, { token: seeker })).data.applyToJob.id;
    expect(refusal(await suite.gql(APPLY, { jobId: String(job.id) }, { token: seeker })).errors).toEqual([
      { message: `you have already applied to job ${job.id}`, extensions: { code: 'CONFLICT' } },
    ]);
    await suite.gql(WITHDRAW, { id }, { token: seeker });
    expect(refusal(await suite.gql(WITHDRAW, { id }, { token: seeker })).errors).toEqual([
      { message: `application ${id} is WITHDRAWN and can no longer be withdrawn`, extensions: { code: 'CONFLICT' } },
    ]);
  });
});
