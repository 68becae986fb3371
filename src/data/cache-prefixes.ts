import type { RawSql } from '../db/database';

export interface CachePrefixSeen {
  prefix: string;
  firstSeen: Date;
  lastSeen: Date;
}

/**
 * Records that `prefix` uses this database (again), and returns the other prefixes recorded,
 * most recently seen first. One statement each, so two deployments starting at once each see
 * the other.
 */
export async function claimCachePrefix(raw: Pick<RawSql, 'query'>, prefix: string): Promise<CachePrefixSeen[]> {
  await raw.query('INSERT INTO cache_prefix (prefix) VALUES ($1) ON CONFLICT (prefix) DO UPDATE SET last_seen = now()', [prefix]);
  const rows = await raw.query<{ prefix: string; first_seen: Date | string; last_seen: Date | string }>(
    'SELECT prefix, first_seen, last_seen FROM cache_prefix WHERE prefix <> $1 ORDER BY last_seen DESC',
    [prefix],
  );
  return rows.map((r) => ({ prefix: r.prefix, firstSeen: new Date(r.first_seen), lastSeen: new Date(r.last_seen) }));
}
