import type { Viewer } from './auth/viewer';
import type { Database } from './db/database';
import { createLoaders, type Loaders } from './loaders';
import type { SimilarJobsRefresher } from './similar/refresher';

export interface Context {
  db: Database;
  loaders: Loaders;
  /** Null for anonymous requests. */
  viewer: Viewer | null;
  /** Keeps similar-jobs lists current after job writes. */
  similar: SimilarJobsRefresher;
}

export function createContext(db: Database, viewer: Viewer | null, similar: SimilarJobsRefresher): Context {
  return { db, viewer, similar, loaders: createLoaders(db.prisma) };
}
