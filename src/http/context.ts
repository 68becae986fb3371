import type { Viewer } from '../auth/viewer';
import { RequestCacheState } from '../cache/request-state';
import type { RouteState } from '../db/replicas';
import { requestDb } from '../db/request-db';
import type { SqlStats } from '../db/sql-stats';
import { createLoaders } from '../loaders';
import { PlaceDirectory } from '../search/places';
import type { Context, ExecutionContext } from '../schema/context';
import type { Services } from '../services';

/** The context as the HTTP layer's plugins see it: the schema's, plus what they keep per request. */
export interface RequestContext extends ExecutionContext {
  cache: RequestCacheState;
  /** SQL this request sent (extensions.sql, the request log, the admission slot of a cancelled execution). */
  sqlStats: SqlStats;
  /** How old the data its reads saw may be, when a replica served some (the response cache stamps its result with it). */
  route: RouteState;
}

export function createContext(
  services: Services,
  viewer: Viewer | null,
  limits: Context['limits'],
  onBatch?: (loader: string, size: number) => void,
  /** Aborted when the client goes away. */
  signal?: AbortSignal,
  /** A query (not a mutation): its reads may go to a replica that has caught up. */
  query = false,
): RequestContext {
  const cache = new RequestCacheState();
  const sqlStats: SqlStats = { statements: 0, ms: 0 };
  const route: RouteState = {};
  const { replicas } = services;
  const prisma = requestDb(services.db.prisma, { stats: sqlStats, signal, route: replicas?.route(route, query) });
  return {
    db: { ...services.db, prisma },
    similar: services.similar,
    places: placesOf(services),
    loaders: createLoaders({ db: prisma, onBatch, batching: services.batching ?? true, signal }),
    sqlStats,
    route,
    cache,
    limits,
    auth: {
      // Whatever reads who is asking may differ between viewers: never share that result.
      get viewer() {
        cache.private = true;
        return viewer;
      },
    },
    log: services.log,
    writes: services.writes,
    events: services.events,
  };
}

const directories = new WeakMap<Services, PlaceDirectory>();

/** The process's place directory: one per set of services (per database), made on first use. */
function placesOf(services: Services): PlaceDirectory {
  let places = directories.get(services);
  if (!places) directories.set(services, (places = new PlaceDirectory(services.db.prisma)));
  return places;
}
