import type { TtlKind } from './response-cache';

/**
 * What one execution's result depends on, gathered while it runs: the entities and lists it
 * read (tags), how long it may be kept, and whether it read who is asking (then it is cached
 * per viewer only).
 */
export class RequestCacheState {
  readonly tags = new Set<string>();
  private: boolean = false;
  readonly ttlKinds = new Set<TtlKind>();

  tag(...tags: string[]): void {
    for (const t of tags) this.tags.add(t);
  }

  ttl(kind: TtlKind): void {
    this.ttlKinds.add(kind);
  }
}

/** Tags of a job's lists: every list, lists of its type, lists of its company. */
export const jobListTags = (job: { jobType: string; companyId: number }) => ['jobs:all', `jobs:type:${job.jobType}`, `jobs:company:${job.companyId}`];

/**
 * Tag of a job's similar-jobs list, read by results that show it: the list changes without a
 * write to the job itself (the background refresher rewrites it when other jobs change).
 */
export const similarListTag = (jobId: number) => `Job:${jobId}:similar`;
