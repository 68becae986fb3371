// What GraphiQL opens with: the headline query of the platform, ready to run.
export const EXAMPLE_QUERY = `# Welcome to Chommie Gateway. Press the run button (or Ctrl-Enter).
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
