/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "mutation ApplyToJob($jobId: ID!) {\n  applyToJob(jobId: $jobId) {\n    id\n    status\n    createdAt\n    job {\n      id\n      title\n      applicationCount\n    }\n  }\n}": typeof types.ApplyToJobDocument,
    "query JobPage($id: ID!) {\n  job(id: $id) {\n    id\n    title\n    description\n    location\n    jobType\n    experienceLevel\n    skills\n    salaryMin\n    salaryMax\n    isActive\n    createdAt\n    applicationCount\n    recentApplications: applicationCount(days: 7)\n    company {\n      id\n      name\n      jobCount\n    }\n    similarJobs(first: 5) {\n      id\n      title\n      company {\n        name\n      }\n    }\n  }\n}": typeof types.JobPageDocument,
    "query JobSearch($search: String, $location: String, $salaryMin: Int, $first: Int = 20, $after: String) {\n  jobs(\n    filter: {search: $search, location: $location, salaryMin: $salaryMin}\n    orderBy: RELEVANCE\n    first: $first\n    after: $after\n  ) {\n    totalCount\n    edges {\n      node {\n        id\n        title\n        location\n        salaryMin\n        salaryMax\n        remote\n        company {\n          id\n          name\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": typeof types.JobSearchDocument,
    "query MyApplications($first: Int = 20, $after: String, $status: ApplicationStatus) {\n  me {\n    id\n    name\n    applications(first: $first, after: $after, status: $status) {\n      totalCount\n      edges {\n        node {\n          id\n          status\n          createdAt\n          job {\n            id\n            title\n            company {\n              name\n            }\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}": typeof types.MyApplicationsDocument,
    "query SearchMore($filter: JobFilter, $first: Int = 20, $after: String!) {\n  jobs(filter: $filter, orderBy: RELEVANCE, first: $first, after: $after) {\n    edges {\n      node {\n        id\n        title\n        location\n        salaryMin\n        salaryMax\n        remote\n        company {\n          id\n          name\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": typeof types.SearchMoreDocument,
    "query SearchPage($filter: JobFilter, $first: Int = 20, $after: String) {\n  jobs(filter: $filter, orderBy: RELEVANCE, first: $first, after: $after) {\n    totalCount\n    edges {\n      node {\n        id\n        title\n        location\n        salaryMin\n        salaryMax\n        remote\n        company {\n          id\n          name\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    facets {\n      jobType {\n        value\n        count\n      }\n      remote {\n        value\n        count\n      }\n      experienceLevel {\n        value\n        count\n      }\n      locations(first: 10) {\n        value\n        count\n      }\n      salaryBands {\n        min\n        max\n        count\n      }\n    }\n    searchInfo {\n      understoodAs\n      ignoredWords\n      didYouMean\n    }\n  }\n}": typeof types.SearchPageDocument,
    "query SearchSuggestions($prefix: String!, $first: Int = 8) {\n  searchSuggestions(prefix: $prefix, first: $first) {\n    kind\n    value\n    jobCount\n  }\n}": typeof types.SearchSuggestionsDocument,
    "query Trending($days: Int = 7, $first: Int = 10) {\n  trendingJobs(days: $days, first: $first) {\n    id\n    title\n    company {\n      name\n    }\n    applicationCount(days: $days)\n  }\n}": typeof types.TrendingDocument,
};
const documents: Documents = {
    "mutation ApplyToJob($jobId: ID!) {\n  applyToJob(jobId: $jobId) {\n    id\n    status\n    createdAt\n    job {\n      id\n      title\n      applicationCount\n    }\n  }\n}": types.ApplyToJobDocument,
    "query JobPage($id: ID!) {\n  job(id: $id) {\n    id\n    title\n    description\n    location\n    jobType\n    experienceLevel\n    skills\n    salaryMin\n    salaryMax\n    isActive\n    createdAt\n    applicationCount\n    recentApplications: applicationCount(days: 7)\n    company {\n      id\n      name\n      jobCount\n    }\n    similarJobs(first: 5) {\n      id\n      title\n      company {\n        name\n      }\n    }\n  }\n}": types.JobPageDocument,
    "query JobSearch($search: String, $location: String, $salaryMin: Int, $first: Int = 20, $after: String) {\n  jobs(\n    filter: {search: $search, location: $location, salaryMin: $salaryMin}\n    orderBy: RELEVANCE\n    first: $first\n    after: $after\n  ) {\n    totalCount\n    edges {\n      node {\n        id\n        title\n        location\n        salaryMin\n        salaryMax\n        remote\n        company {\n          id\n          name\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": types.JobSearchDocument,
    "query MyApplications($first: Int = 20, $after: String, $status: ApplicationStatus) {\n  me {\n    id\n    name\n    applications(first: $first, after: $after, status: $status) {\n      totalCount\n      edges {\n        node {\n          id\n          status\n          createdAt\n          job {\n            id\n            title\n            company {\n              name\n            }\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}": types.MyApplicationsDocument,
    "query SearchMore($filter: JobFilter, $first: Int = 20, $after: String!) {\n  jobs(filter: $filter, orderBy: RELEVANCE, first: $first, after: $after) {\n    edges {\n      node {\n        id\n        title\n        location\n        salaryMin\n        salaryMax\n        remote\n        company {\n          id\n          name\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": types.SearchMoreDocument,
    "query SearchPage($filter: JobFilter, $first: Int = 20, $after: String) {\n  jobs(filter: $filter, orderBy: RELEVANCE, first: $first, after: $after) {\n    totalCount\n    edges {\n      node {\n        id\n        title\n        location\n        salaryMin\n        salaryMax\n        remote\n        company {\n          id\n          name\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    facets {\n      jobType {\n        value\n        count\n      }\n      remote {\n        value\n        count\n      }\n      experienceLevel {\n        value\n        count\n      }\n      locations(first: 10) {\n        value\n        count\n      }\n      salaryBands {\n        min\n        max\n        count\n      }\n    }\n    searchInfo {\n      understoodAs\n      ignoredWords\n      didYouMean\n    }\n  }\n}": types.SearchPageDocument,
    "query SearchSuggestions($prefix: String!, $first: Int = 8) {\n  searchSuggestions(prefix: $prefix, first: $first) {\n    kind\n    value\n    jobCount\n  }\n}": types.SearchSuggestionsDocument,
    "query Trending($days: Int = 7, $first: Int = 10) {\n  trendingJobs(days: $days, first: $first) {\n    id\n    title\n    company {\n      name\n    }\n    applicationCount(days: $days)\n  }\n}": types.TrendingDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation ApplyToJob($jobId: ID!) {\n  applyToJob(jobId: $jobId) {\n    id\n    status\n    createdAt\n    job {\n      id\n      title\n      applicationCount\n    }\n  }\n}"): (typeof documents)["mutation ApplyToJob($jobId: ID!) {\n  applyToJob(jobId: $jobId) {\n    id\n    status\n    createdAt\n    job {\n      id\n      title\n      applicationCount\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query JobPage($id: ID!) {\n  job(id: $id) {\n    id\n    title\n    description\n    location\n    jobType\n    experienceLevel\n    skills\n    salaryMin\n    salaryMax\n    isActive\n    createdAt\n    applicationCount\n    recentApplications: applicationCount(days: 7)\n    company {\n      id\n      name\n      jobCount\n    }\n    similarJobs(first: 5) {\n      id\n      title\n      company {\n        name\n      }\n    }\n  }\n}"): (typeof documents)["query JobPage($id: ID!) {\n  job(id: $id) {\n    id\n    title\n    description\n    location\n    jobType\n    experienceLevel\n    skills\n    salaryMin\n    salaryMax\n    isActive\n    createdAt\n    applicationCount\n    recentApplications: applicationCount(days: 7)\n    company {\n      id\n      name\n      jobCount\n    }\n    similarJobs(first: 5) {\n      id\n      title\n      company {\n        name\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query JobSearch($search: String, $location: String, $salaryMin: Int, $first: Int = 20, $after: String) {\n  jobs(\n    filter: {search: $search, location: $location, salaryMin: $salaryMin}\n    orderBy: RELEVANCE\n    first: $first\n    after: $after\n  ) {\n    totalCount\n    edges {\n      node {\n        id\n        title\n        location\n        salaryMin\n        salaryMax\n        remote\n        company {\n          id\n          name\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"): (typeof documents)["query JobSearch($search: String, $location: String, $salaryMin: Int, $first: Int = 20, $after: String) {\n  jobs(\n    filter: {search: $search, location: $location, salaryMin: $salaryMin}\n    orderBy: RELEVANCE\n    first: $first\n    after: $after\n  ) {\n    totalCount\n    edges {\n      node {\n        id\n        title\n        location\n        salaryMin\n        salaryMax\n        remote\n        company {\n          id\n          name\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query MyApplications($first: Int = 20, $after: String, $status: ApplicationStatus) {\n  me {\n    id\n    name\n    applications(first: $first, after: $after, status: $status) {\n      totalCount\n      edges {\n        node {\n          id\n          status\n          createdAt\n          job {\n            id\n            title\n            company {\n              name\n            }\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}"): (typeof documents)["query MyApplications($first: Int = 20, $after: String, $status: ApplicationStatus) {\n  me {\n    id\n    name\n    applications(first: $first, after: $after, status: $status) {\n      totalCount\n      edges {\n        node {\n          id\n          status\n          createdAt\n          job {\n            id\n            title\n            company {\n              name\n            }\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query SearchMore($filter: JobFilter, $first: Int = 20, $after: String!) {\n  jobs(filter: $filter, orderBy: RELEVANCE, first: $first, after: $after) {\n    edges {\n      node {\n        id\n        title\n        location\n        salaryMin\n        salaryMax\n        remote\n        company {\n          id\n          name\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"): (typeof documents)["query SearchMore($filter: JobFilter, $first: Int = 20, $after: String!) {\n  jobs(filter: $filter, orderBy: RELEVANCE, first: $first, after: $after) {\n    edges {\n      node {\n        id\n        title\n        location\n        salaryMin\n        salaryMax\n        remote\n        company {\n          id\n          name\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query SearchPage($filter: JobFilter, $first: Int = 20, $after: String) {\n  jobs(filter: $filter, orderBy: RELEVANCE, first: $first, after: $after) {\n    totalCount\n    edges {\n      node {\n        id\n        title\n        location\n        salaryMin\n        salaryMax\n        remote\n        company {\n          id\n          name\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    facets {\n      jobType {\n        value\n        count\n      }\n      remote {\n        value\n        count\n      }\n      experienceLevel {\n        value\n        count\n      }\n      locations(first: 10) {\n        value\n        count\n      }\n      salaryBands {\n        min\n        max\n        count\n      }\n    }\n    searchInfo {\n      understoodAs\n      ignoredWords\n      didYouMean\n    }\n  }\n}"): (typeof documents)["query SearchPage($filter: JobFilter, $first: Int = 20, $after: String) {\n  jobs(filter: $filter, orderBy: RELEVANCE, first: $first, after: $after) {\n    totalCount\n    edges {\n      node {\n        id\n        title\n        location\n        salaryMin\n        salaryMax\n        remote\n        company {\n          id\n          name\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    facets {\n      jobType {\n        value\n        count\n      }\n      remote {\n        value\n        count\n      }\n      experienceLevel {\n        value\n        count\n      }\n      locations(first: 10) {\n        value\n        count\n      }\n      salaryBands {\n        min\n        max\n        count\n      }\n    }\n    searchInfo {\n      understoodAs\n      ignoredWords\n      didYouMean\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query SearchSuggestions($prefix: String!, $first: Int = 8) {\n  searchSuggestions(prefix: $prefix, first: $first) {\n    kind\n    value\n    jobCount\n  }\n}"): (typeof documents)["query SearchSuggestions($prefix: String!, $first: Int = 8) {\n  searchSuggestions(prefix: $prefix, first: $first) {\n    kind\n    value\n    jobCount\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Trending($days: Int = 7, $first: Int = 10) {\n  trendingJobs(days: $days, first: $first) {\n    id\n    title\n    company {\n      name\n    }\n    applicationCount(days: $days)\n  }\n}"): (typeof documents)["query Trending($days: Int = 7, $first: Int = 10) {\n  trendingJobs(days: $days, first: $first) {\n    id\n    title\n    company {\n      name\n    }\n    applicationCount(days: $days)\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;