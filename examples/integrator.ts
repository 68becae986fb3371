// An integrator's program: typed operations generated from our schema (client/generated/),
// sent with nothing but fetch. Run it against a gateway:
//   GATEWAY_URL=http://localhost:4000/graphql npx tsx examples/integrator.ts [search words]
// With TOKEN set (npm run token -- --user 3 --role SEEKER) it also lists your applications.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { documentId, JobPageDocument, JobSearchDocument, MyApplicationsDocument, TrendingDocument } from '../client';

const url = process.env.GATEWAY_URL ?? 'http://localhost:4000/graphql';

/** The gateway did not answer at all: not running, or not at `url`. */
class GatewayUnreachable extends Error {
  constructor(cause: unknown) {
    const code = (cause as { cause?: { code?: string } }).cause?.code;
    super(`The gateway at ${url} is unreachable${code ? ` (${code})` : ''}: start it with \`npm start\`, or set GATEWAY_URL to where it runs.`);
  }
}

/** "1 application", "2 applications". */
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

class GraphQLRequestError extends Error {
  constructor(readonly errors: { message: string; extensions?: { code?: string } }[]) {
    super(errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('; '));
  }
}

/**
 * One operation, typed end to end: variables checked at compile time, result typed. It is sent
 * by its manifest id (the hash codegen put in `__meta__`), which is all a gateway in trusted
 * documents mode (production) accepts; the text is never sent.
 */
async function request<Result, Variables>(document: TypedDocumentNode<Result, Variables>, variables: Variables): Promise<Result> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      ...(process.env.TOKEN ? { authorization: `Bearer ${process.env.TOKEN}` } : {}),
    },
    body: JSON.stringify({ documentId: documentId(document), variables }),
  }).catch((err: unknown) => {
    throw new GatewayUnreachable(err);
  });
  const body = (await response.json()) as { data?: Result; errors?: GraphQLRequestError['errors'] };
  if (body.errors?.length || !body.data) throw new GraphQLRequestError(body.errors ?? [{ message: `HTTP ${response.status}` }]);
  return body.data;
}

async function main() {
  const search = process.argv.slice(2).join(' ') || 'python';
  const { jobs } = await request(JobSearchDocument, { search, first: 5 });
  console.log(`${count(jobs.totalCount, 'job')} match${jobs.totalCount === 1 ? 'es' : ''} "${search}"`);
  for (const { node } of jobs.edges) {
    const pay = node.salaryMin != null ? ` ($${node.salaryMin.toLocaleString('en-US')}–${node.salaryMax?.toLocaleString('en-US') ?? '?'})` : '';
    console.log(`- ${node.title} at ${node.company.name}, ${node.location}${pay}`);
  }
  const first = jobs.edges[0]?.node;
  if (first) {
    const { job } = await request(JobPageDocument, { id: first.id });
    if (job) {
      console.log(`\n${job.title}: ${count(job.applicationCount, 'application')} (${job.recentApplications} this week). Similar:`);
      for (const s of job.similarJobs) console.log(`- ${s.title} at ${s.company.name}`);
    }
  }
  const { trendingJobs } = await request(TrendingDocument, { days: 7, first: 3 });
  console.log(`\nTrending: ${trendingJobs.map((j) => `${j.title} (${j.applicationCount})`).join(', ')}`);
  if (process.env.TOKEN) {
    const { me } = await request(MyApplicationsDocument, { first: 5 });
    console.log(`\n${me?.name}: ${count(me?.applications?.totalCount ?? 0, 'application')}`);
  }
}

main().catch((err) => {
  console.error(err instanceof GatewayUnreachable ? err.message : err instanceof GraphQLRequestError ? `The gateway said: ${err.message}` : err);
  process.exit(1);
});
