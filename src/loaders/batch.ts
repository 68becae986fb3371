import DataLoader from 'dataloader';
import type { Db } from '../data/client';
import { inSpan } from '../tracing';

/** How a request's loaders reach the database, and what they report. */
export interface LoaderOptions {
  db: Db;
  /** Each batch sent, by loader name and size (SQL statistics, tests). */
  onBatch?: (loader: string, size: number) => void;
  /** False only for the benchmark's naive baseline: one statement per load, nothing cached. */
  batching?: boolean;
  /** Aborted when the client goes away: a batch still due then sends no SQL, nobody will read it. */
  signal?: AbortSignal;
}

type Fetch<V> = (db: Db, ids: readonly number[]) => Promise<(V | Error)[]>;

/** A loader of one data function: the loads of one execution tick become one call of `fetch`. */
export function loader<V>(options: LoaderOptions, name: string, fetch: Fetch<V>): DataLoader<number, V> {
  return new DataLoader<number, V>(
    (ids) => {
      options.signal?.throwIfAborted();
      options.onBatch?.(name, ids.length);
      return inSpan(`dataloader.batch ${name}`, { 'dataloader.name': name, 'dataloader.batch_size': ids.length }, () => fetch(options.db, ids));
    },
    options.batching === false ? { batch: false, cache: false } : undefined,
  );
}

/**
 * A loader per distinct argument list (a `days` window, a page size and cursor): loads with
 * the same arguments batch together, loads with different ones cannot share a statement.
 */
export function keyedLoaders<A extends unknown[], V>(
  options: LoaderOptions,
  name: string,
  fetchFor: (...args: A) => Fetch<V>,
): (...args: A) => DataLoader<number, V> {
  const loaders = new Map<string, DataLoader<number, V>>();
  return (...args: A) => {
    const key = JSON.stringify(args);
    let found = loaders.get(key);
    if (!found) {
      found = loader(options, name, fetchFor(...args));
      loaders.set(key, found);
    }
    return found;
  };
}

/**
 * The rows of `ids` that exist, in order. A row gone since its id was recorded (null) is left
 * out; a load that failed (the database, not the row) is thrown, never passed off as a shorter list.
 */
export async function existing<V>(loader: DataLoader<number, V | null>, ids: readonly number[]): Promise<V[]> {
  const rows = await loader.loadMany(ids);
  const failed = rows.find((r): r is Error => r instanceof Error);
  if (failed) throw failed;
  return rows.filter((r): r is V => r != null);
}
