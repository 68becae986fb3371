/**
 * What a read depended on and what a write changed, in the platform's own terms. Resolvers,
 * mutations, the importer and the similar-jobs worker speak these; the response cache alone
 * turns them into its tags (cache/tags.ts), so none of them knows how the cache keys anything.
 */

/** The rows results are made of; a result shows an entity when one of its fields returns it. */
export type Entity = 'Job' | 'Company' | 'User' | 'Application';

/** How long a kind of result may be served from the cache (CACHE_TTL_*_S): the shortest of those it read. */
export type Freshness = 'page' | 'search' | 'list' | 'trending';

/** A job as far as the lists it appears in go. */
export interface JobKey {
  id: number;
  jobType: string;
  companyId: number;
}

export type Change =
  /**
   * A job created, changed or closed (`before`: as it was, when it may have moved lists).
   * `imported`: by an import, which never changes what is trending (new jobs have no
   * applications yet, and a changed one is stale by its own id). `created`: the job is new
   * (what `newJobs` subscribers hear of).
   */
  | { job: JobKey; before?: JobKey; imported?: true; created?: true }
  /** An application created (`created`) or moved on. */
  | { application: { id: number; jobId: number; userId: number }; created?: boolean }
  /** Similar-jobs lists rewritten. */
  | { similarLists: number[] }
  /** These users' saved searches, their new jobs or their job alerts changed (saved, deleted, seen, matched). */
  | { savedSearchesOf: number[] }
  /** What is trending was recomputed (the background refresher). */
  | 'trending'
  /** The search terms that type-ahead suggests were recomputed (the background refresher). */
  | 'searchTerms'
  /**
   * Too much changed to list (a large import batch). The same write may still name its new
   * jobs (for subscribers); the cache then reads nothing else.
   */
  | 'everything';

/** What a resolver declares about the result it is part of (the per-request side of the cache). */
export interface ResultHints {
  /** The result shows, or looked for, this entity: it is stale once the entity changes (or comes to exist). */
  entity(type: Entity, id: number): void;
  /** The result lists active jobs matching this filter: new, changed or closed jobs of its kind change it. */
  jobList(filter: { jobType?: string | null; companyId?: string | number | null }): void;
  /** The result shows a job's similar-jobs list, which changes without a write to that job. */
  similarList(jobId: number): void;
  /** The result counts recent applications (trending). */
  trending(): void;
  /** The result shows search terms (type-ahead), recomputed in the background. */
  searchTerms(): void;
  /** The result is an analyst figure over jobs and applications. */
  stats(): void;
  freshness(kind: Freshness): void;
}
