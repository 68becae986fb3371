import type { Entity, Freshness, ResultHints } from '../domain/changes';
import { entityTag, jobListTag, SEARCH_TERMS, similarListTag, STATS, TRENDING } from './tags';
import type { TtlHints } from './ttl';

/**
 * What one execution's result depends on, gathered while it runs from its fields' cache
 * declarations (schema/cache-declaration.ts): the entities and lists it read (tags), how long it
 * may be kept (ttl.ts resultTtlMs), and whether it read who is asking (then it is cached per
 * viewer only).
 */
export class RequestCacheState implements ResultHints, TtlHints {
  readonly tags = new Set<string>();
  private: boolean = false;
  readonly ttlKinds = new Set<Freshness>();

  private tag(...tags: string[]): void {
    for (const t of tags) this.tags.add(t);
  }

  entity(type: Entity, id: number | string): void {
    this.tags.add(entityTag(type, id));
  }

  jobList(filter: { jobType?: string | null; companyId?: string | number | null }): void {
    this.tag(...jobListTag(filter));
  }

  similarList(jobId: number): void {
    this.tags.add(similarListTag(jobId));
  }

  trending(): void {
    this.tags.add(TRENDING);
  }

  searchTerms(): void {
    this.tags.add(SEARCH_TERMS);
  }

  stats(): void {
    this.tags.add(STATS);
  }

  freshness(kind: Freshness): void {
    this.ttlKinds.add(kind);
  }
}
