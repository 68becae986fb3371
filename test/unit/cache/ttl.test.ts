import { resultTtlMs, ttlMsOf, type TtlConfig } from '../../../src/cache/ttl';

const config: TtlConfig = { CACHE_TTL_PAGE_S: 300, CACHE_TTL_SEARCH_S: 60, CACHE_TTL_LIST_S: 120, CACHE_TTL_TRENDING_S: 30, CACHE_TTL_PRIVATE_S: 45 };
const ttl = (kinds: Parameters<typeof resultTtlMs>[1]['ttlKinds'], isPrivate = false) =>
  resultTtlMs((k) => ttlMsOf(config, k), { ttlKinds: kinds, private: isPrivate });

describe('the TTL of a result (response cache and HTTP caching alike)', () => {
  it('is the shortest of the kinds it read, a list’s when it read none', () => {
    expect(ttl(['page'])).toBe(300_000);
    expect(ttl(new Set(['page', 'search'] as const))).toBe(60_000);
    expect(ttl([])).toBe(120_000);
  });

  it('is at most the private TTL when it read the viewer', () => {
    expect(ttl(['page'], true)).toBe(45_000);
    expect(ttl(['trending'], true)).toBe(30_000);
    expect(ttl([], true)).toBe(45_000);
  });
});
