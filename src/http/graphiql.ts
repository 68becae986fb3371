import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromRoot } from '../paths';

// What GraphiQL opens with: the headline query of the platform, ready to run.
export const EXAMPLE_QUERY = `# Welcome to Chommie Gateway.
# Press the run button (or Ctrl-Enter).
# The other tabs hold more example operations.
# For your own data and writes, make a token:
#   npm run token -- --user 3 --role SEEKER
# and put it in the Headers tab below:
#   { "Authorization": "Bearer <token>" }
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

const VARIABLES: Record<string, object> = {
  'job-search.graphql': { search: 'python', first: 5 },
  'search-page.graphql': { filter: { search: 'golang' }, first: 5 },
  'search-suggestions.graphql': { prefix: 'py' },
  'job-page.graphql': { id: '1' },
  'apply.graphql': { jobId: '1' },
};

/** GraphiQL's tabs: the headline query, then every example operation with sample variables. */
export function graphiqlTabs(dir = fromRoot('client', 'operations')) {
  const operations = readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => ({ query: readFileSync(join(dir, f), 'utf8'), variables: JSON.stringify(VARIABLES[f] ?? {}, null, 2) }));
  return [{ query: EXAMPLE_QUERY }, ...operations];
}
