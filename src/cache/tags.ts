import type { Invalidation } from '../data/writes';
import type { Cache } from './cache';
import type { Change, Entity, JobKey } from '../domain/changes';

/**
 * The cache's tag vocabulary, the one place tag strings are spelled. A cached result carries
 * the tags of what it read; a write bumps the tags of what it changed (see ResponseCache).
 * A read's tags and a write's must meet exactly where the write can change the result.
 */

/** Every entry depends on this tag (see ResponseCache.set): bumping it empties the whole cache. */
export const ALL = '*';
export const TRENDING = 'trending';
export const STATS = 'stats';
export const SEARCH_TERMS = 'search-terms';

export const entityTag = (type: Entity, id: number | string) => `${type}:${id}`;

/**
 * Lists of jobs: a filter on a job type or a company reads only that list's tag; any other
 * list reads every job's (`jobs:all`).
 */
export function jobListTag(filter: { jobType?: string | null; companyId?: string | number | null }): string[] {
  const tags: string[] = [];
  if (filter.jobType) tags.push(`jobs:type:${filter.jobType}`);
  if (filter.companyId) tags.push(`jobs:company:${filter.companyId}`);
  return tags.length ? tags : ['jobs:all'];
}

/** Every list a job appears in: all jobs, its type's, its company's. */
const jobListsOf = (job: JobKey) => ['jobs:all', `jobs:type:${job.jobType}`, `jobs:company:${job.companyId}`];

/**
 * A job's similar-jobs list: it changes without a write to the job itself (the background
 * refresher rewrites it when other jobs change).
 */
export const similarListTag = (jobId: number) => `Job:${jobId}:similar`;

/** The tags a write's changes make stale. */
export function tagsOf(changes: Iterable<Change>): string[] {
  // What else is named (an import's new jobs, for subscribers) is stale with everything.
  if ([...changes].includes('everything')) return [ALL];
  const tags = new Set<string>();
  for (const change of changes) {
    if (change === 'everything') tags.add(ALL);
    else if (change === 'trending') tags.add(TRENDING);
    else if (change === 'searchTerms') tags.add(SEARCH_TERMS);
    else if ('job' in change) {
      // The job (before and after), its company's job count and lists, every list it was or
      // is in, and figures over jobs.
      for (const job of change.before ? [change.job, change.before] : [change.job]) {
        for (const t of [entityTag('Job', job.id), entityTag('Company', job.companyId), ...jobListsOf(job)]) tags.add(t);
      }
      tags.add(STATS);
      if (!change.imported) tags.add(TRENDING);
    } else if ('application' in change) {
      // Its own id too when created: a cached null for that id (looked for before it existed) goes.
      const { id, jobId, userId } = change.application;
      for (const t of [entityTag('Application', id), entityTag('User', userId), entityTag('Job', jobId), STATS]) tags.add(t);
      if (change.created) tags.add(TRENDING);
    } else if ('savedSearchesOf' in change) {
      // Only their owner reads them, through their User (`me`), which every such result shows.
      for (const id of change.savedSearchesOf) tags.add(entityTag('User', id));
    } else for (const id of change.similarLists) tags.add(similarListTag(id));
  }
  return [...tags];
}

/** The cache as writers see it (data/writes.ts): the changes they made, invalidated by their tags. */
export const invalidationOf = (cache: Pick<Cache, 'invalidate' | 'settlesIntents'>): Invalidation => ({
  invalidate: (changes, intent) => cache.invalidate(tagsOf(changes), intent),
  settlesIntents: cache.settlesIntents,
});
