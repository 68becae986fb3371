import type { Viewer } from '../auth/viewer';
import { invalidator } from '../cache/tags';
import { RequestCacheState } from '../cache/request-state';
import { countedDb, type SqlStats } from '../db/sql-stats';
import { createLoaders } from '../loaders';
import type { Context } from '../schema/context';
import type { Services } from '../services';

/** The context as the HTTP layer's plugins see it: the schema's, plus what they keep per request. */
export interface RequestContext extends Context {
  cache: RequestCacheState;
  /** SQL this request sent (extensions.sql, the request log, the admission slot of a cancelled execution). */
  sqlStats: SqlStats;
}

export function createContext(
  services: Services,
  viewer: Viewer | null,
  limits: Context['limits'],
  onBatch?: (loader: string, size: number) => void,
  /** Aborted when the client goes away. */
  signal?: AbortSignal,
): RequestContext {
  const cache = new RequestCacheState();
  const sqlStats: SqlStats = { statements: 0, ms: 0 };
  const prisma = countedDb(services.db.prisma, sqlStats, signal);
  return {
    db: { ...services.db, prisma },
    similar: services.similar,
    loaders: createLoaders({ db: prisma, onBatch, batching: services.batching ?? true, signal }),
    sqlStats,
    cache,
    limits,
    auth: {
      // Whatever reads who is asking may differ between viewers: never share that result.
      get viewer() {
        cache.private = true;
        return viewer;
      },
    },
    intents: services.responseCache?.settlesIntents ?? false,
    log: services.log,
    invalidate: services.responseCache ? invalidator(services.responseCache) : async () => undefined,
  };
}
