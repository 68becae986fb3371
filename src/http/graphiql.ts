import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromRoot } from '../paths';

// What GraphiQL opens with: the headline query of the platform, ready to run.
export const EXAMPLE_QUERY = `# Welcome to Chommie Gateway.
# Press the run button (or Ctrl-Enter).
# The other tabs hold more example operations.
# For your own data and writes, make a token:
#   npm run token -- --user 3 --role SEEKER
# (analyst figures, jobStats: --role ANALYST) and put it in the Headers tab below:
#   { "Authorization": "Bearer <token>" }
# Every tab then sends it, after a reload too (kept in this browser); "Authorization": "" forgets it.
query NewestJobs($filter: JobFilter) {
  jobs(first: 10, filter: $filter) {
    totalCount
    edges {
      node {
        id
        title
        company { name }
        location
        salaryMin
        salaryMax
        applicationCount
        similarJobs(first: 3) { title company { name } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
`;

// The first tab in trusted mode, above the JobSearch operation: what an anonymous visitor can
// run, and how to get the ANALYST token that runs anything else (the documents plugin's rule:
// manifest operations for anyone, in any spelling; any other query for ANALYST and ADMIN).
const TRUSTED_WELCOME = `# Welcome to Chommie Gateway.
# This gateway runs trusted documents only: the operations its clients publish. The tabs
# hold them, and anyone may run them (layout and comments may change, what they ask for may
# not); the ones marked SEEKER need a SEEKER token. The Docs pane shows the whole schema.
#
# Any other query needs an ANALYST (or ADMIN) token, signed with this gateway's secret: an
# operator of the gateway makes one with
#   JWT_SECRET=<the gateway's JWT_SECRET> npm run token -- --user <your user id> --role ANALYST
# Put it in the Headers tab below, then write any query (analyst figures: jobStats):
#   { "Authorization": "Bearer <token>" }
# Every tab then sends it, after a reload too (kept in this browser); "Authorization": "" forgets it.
#
# Press the run button (or Ctrl-Enter) for the newest jobs; to search, put
# { "search": "python" } in the Variables tab.
`;

// What an operation needs before it runs (a role, a variable no sample can give), atop its tab.
const NEEDS: Record<string, string> = {
  'apply.graphql': '# SEEKER: needs a SEEKER token in the Headers tab (the first tab says how to make one).\n',
  'my-applications.graphql': '# SEEKER: needs a SEEKER token in the Headers tab (the first tab says how to make one).\n',
  'top-employers.graphql': '# ANALYST: needs an ANALYST token in the Headers tab (the first tab says how to make one).\n',
  'analyst-charts.graphql': '# ANALYST: needs an ANALYST token in the Headers tab (the first tab says how to make one).\n',
  'my-application-updates.graphql': '# SEEKER: needs a SEEKER token in the Headers tab. Results stream in as employers move your applications.\n',
  'application-received.graphql': '# EMPLOYER: needs an EMPLOYER token (npm run token -- --user 2 --role EMPLOYER --company 1) in the Headers tab.\n',
  // No sample can stand for a cursor.
  'search-more.graphql': '# Needs $after in the Variables tab: the pageInfo.endCursor of a SearchPage result.\n',
};

const VARIABLES: Record<string, object> = {
  'job-search.graphql': { search: 'python', first: 5 },
  'search-page.graphql': { filter: { search: 'python developer remote' }, first: 5 },
  'search-suggestions.graphql': { prefix: 'py' },
  'job-page.graphql': { id: '1' },
  'apply.graphql': { jobId: '1' },
  'job-updated.graphql': { id: '1' },
  'new-jobs.graphql': { filter: { search: 'python' } },
  'top-employers.graphql': { search: 'data', since: new Date(Date.now() - 90 * 86_400_000).toISOString().slice(0, 10) + 'T00:00:00Z', top: 5 },
};

/**
 * GraphiQL's tabs: every example operation (the client's, so in the trusted-documents manifest)
 * with sample variables, after a first tab that runs for an anonymous visitor: the headline
 * query, or in trusted mode, where only manifest operations run for them, the job search.
 */
export function graphiqlTabs(trusted: boolean, dir = fromRoot('client', 'operations')) {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort();
  const tab = (f: string) => ({ query: (NEEDS[f] ?? '') + readFileSync(join(dir, f), 'utf8'), variables: JSON.stringify(VARIABLES[f] ?? {}, null, 2) });
  if (!trusted) return [{ query: EXAMPLE_QUERY }, ...files.map(tab)];
  const first = 'job-search.graphql';
  // Without variables: GraphiQL opens its first tab with none, whatever the tab says.
  return [{ query: TRUSTED_WELCOME + tab(first).query }, ...files.filter((f) => f !== first).map(tab)];
}
