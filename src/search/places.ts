import { activePlaces } from '../data/search';
import { placeIndex, type PlaceIndex } from '../domain/search-understanding';
import type { PrismaClient } from '../generated/prisma/client';

/** How long a process reads searches with the places it loaded before it loads them again. */
export const PLACES_MAX_AGE_MS = 60_000;

/**
 * The places jobs are in, as a search reads place names (domain/search-understanding.ts): one
 * statement per process a minute, never one per search. A search waits for the first load
 * only; later ones read the current index while the next loads. A failed load leaves searches
 * reading no place names (their words stay text) until a later one succeeds.
 */
export class PlaceDirectory {
  private index: PlaceIndex | null = null;
  private loadedAt = 0;
  private loading: Promise<PlaceIndex> | null = null;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly maxAgeMs = PLACES_MAX_AGE_MS,
  ) {}

  get(): Promise<PlaceIndex> {
    if (this.index && Date.now() - this.loadedAt < this.maxAgeMs) return Promise.resolve(this.index);
    const loading = (this.loading ??= this.load());
    return this.index ? Promise.resolve(this.index) : loading;
  }

  private async load(): Promise<PlaceIndex> {
    try {
      this.index = placeIndex(await activePlaces(this.prisma));
      this.loadedAt = Date.now();
    } catch {
      // Searches go on without place names; the next search tries again.
    } finally {
      this.loading = null;
    }
    return this.index ?? new Map();
  }
}
