import type { Config } from '../config';
import type { Freshness } from '../domain/changes';

/**
 * A kind of result, each with its configured TTL. This file is the TTL policy: how long cached
 * results and the tag versions they depend on live. Its own piece because the
 * two are tied: a tag version must outlive every entry that can depend on it (see tagTtlMs), so
 * the entry TTLs, their cap and the tag TTL are decided in one place, from the same settings.
 */
export type TtlKind = Freshness;

export type TtlConfig = Pick<Config, 'CACHE_TTL_PAGE_S' | 'CACHE_TTL_SEARCH_S' | 'CACHE_TTL_LIST_S' | 'CACHE_TTL_TRENDING_S' | 'CACHE_TTL_PRIVATE_S'>;

/**
 * Past the longest entry TTL, a tag version lives this much longer: it covers the time between
 * an entry's freshness check and its store (a few CACHE_TIMEOUT_MS) and clock skew between
 * instances, with room to spare.
 */
const TAG_TTL_MARGIN_MS = 3_600_000;

/** The TTL configured for a kind of result; an execution that read several kinds is kept for the shortest. */
export function ttlMsOf(c: TtlConfig, kind: TtlKind | 'private'): number {
  const { CACHE_TTL_PAGE_S, CACHE_TTL_SEARCH_S, CACHE_TTL_LIST_S, CACHE_TTL_TRENDING_S, CACHE_TTL_PRIVATE_S } = c;
  const s = { page: CACHE_TTL_PAGE_S, search: CACHE_TTL_SEARCH_S, list: CACHE_TTL_LIST_S, trending: CACHE_TTL_TRENDING_S, private: CACHE_TTL_PRIVATE_S }[kind];
  return s * 1000;
}

/** What decides how long one execution's result may be kept (RequestCacheState gathers it). */
export interface TtlHints {
  /** The kinds of result its fields read. */
  readonly ttlKinds: Iterable<TtlKind>;
  /** It read who is asking. */
  readonly private: boolean;
}

/**
 * How long a result may be kept: the shortest TTL of the kinds it read ('list' when it read
 * none), and of CACHE_TTL_PRIVATE_S when it read the viewer. The one rule for the response
 * cache's entries and HTTP caching's max-age (`ttlOf` is the configured TTL of a kind), so an
 * HTTP copy never outlives the entry it was answered from. HTTP caching never makes a private
 * result shareable whatever its TTL (http-cache.ts): counting the private TTL here only keeps
 * the two figures equal.
 */
export function resultTtlMs(ttlOf: (kind: TtlKind | 'private') => number, hints: TtlHints): number {
  const kinds = [...hints.ttlKinds];
  return Math.min(...(kinds.length ? kinds : (['list'] as const)).map(ttlOf), ...(hints.private ? [ttlOf('private')] : []));
}

/** The longest any entry may live: entries are stored with at most this TTL. */
export const maxEntryTtlMs = (c: TtlConfig) =>
  Math.max(c.CACHE_TTL_PAGE_S, c.CACHE_TTL_SEARCH_S, c.CACHE_TTL_LIST_S, c.CACHE_TTL_TRENDING_S, c.CACHE_TTL_PRIVATE_S) * 1000;

/**
 * How long a tag version (and LAST) lives: longer than any entry that can depend on it, else
 * an expired version would make an invalidated entry look fresh again.
 */
export const tagTtlMs = (c: TtlConfig) => maxEntryTtlMs(c) + TAG_TTL_MARGIN_MS;
