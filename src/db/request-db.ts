import { counted, running, type SqlStats } from './sql-stats';
import { isRawMethod, modelAccess, rawAccess, sqlText, type Access } from './statements';

/**
 * Where one request's statements go, when there are read replicas (db/replicas.ts `route`).
 * `read` may send its statement to a replica, and must fall back to `primary` itself; `write`
 * sends to the primary and learns when it settled, committed or not.
 */
export interface Route {
  read<T>(send: (client: object) => Promise<T>, primary: object): Promise<T>;
  write<T>(send: () => Promise<T>): Promise<T>;
}

export interface RequestDbOptions {
  /** Every statement sent through the view is added here. */
  stats: SqlStats;
  /** Aborted when the client leaves: reads outside transactions are refused from then on. */
  signal?: AbortSignal;
  /** Replica routing; without it everything goes to `db`. */
  route?: Route;
}

type AnyFn = (...args: unknown[]) => Promise<unknown>;

/**
 * `db` (the Prisma client) as one request sees it. Each call is classified once
 * (db/statements.ts) and then:
 *
 * - counted in `stats` (raw SQL, a model operation, and those inside its interactive
 *   transactions, not their BEGIN and COMMIT); work a service does on its own (the
 *   similar-jobs refresher) is not the request's;
 * - refused, when it reads outside a transaction after `signal` aborted (the client left),
 *   before it reaches the pool, whatever sends it: a loader, a connection's `totalCount`, a
 *   compiled execution that does not watch the signal. Writes and transactions go on: a write
 *   stopped halfway is rolled back anyway, and the bookkeeping after a commit must not be cut;
 * - with a `route`, sent to a replica when it reads, else to the primary (a transaction and
 *   everything in it included).
 *
 * One proxy for all three, so they cannot disagree on what a read is. Written by hand, and per
 * request rather than in the driver adapter with an AsyncLocalStorage: holding a store switches
 * on Node's promise hooks for every promise of the process, which cost a fifth of the gateway's
 * CPU on an uncached headline (docs/BENCHMARKS.md). The data layer sends one statement per raw
 * query and per model read by ids, so counting the calls counts what reaches the driver
 * (test/integration/db/sql-budget.test.ts checks it at the driver).
 */
export function requestDb<D extends object>(db: D, options: RequestDbOptions): D {
  const { stats, signal, route } = options;
  // `access` is asked only when something depends on it (a client that left, a replica route):
  // classifying a raw statement reads its whole text, which most requests never need.
  const send = async (access: () => Access, what: () => string, call: (client: object) => Promise<unknown>): Promise<unknown> => {
    if (signal?.aborted && access() === 'read') signal.throwIfAborted();
    return counted(stats, what, () => (!route ? call(db) : access() === 'read' ? route.read(call, db) : route.write(() => call(db))));
  };
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(db, {
    get(target, prop) {
      const found = wrapped.get(prop);
      if (found !== undefined) return found;
      const value: unknown = Reflect.get(target, prop, target);
      let view: unknown = value;
      if (isRawMethod(prop)) {
        view = (...args: unknown[]) =>
          send(
            () => rawAccess(prop, args),
            () => sqlText(args),
            (client) => (Reflect.get(client, prop, client) as AnyFn).apply(client, args),
          );
      } else if (prop === '$transaction') {
        const fn = value as (run: unknown, options?: unknown) => Promise<unknown>;
        // Running for all of it: a transaction holds its connection between statements too.
        // The batch form (an array of queries) is not used by the data layer: passed on as it is.
        // Its statements are the request's, sent where the transaction is, never refused.
        view = (run: unknown, txOptions?: unknown) => {
          const begin = () =>
            fn.call(target, typeof run === 'function' ? (tx: object) => (run as (tx: object) => Promise<unknown>)(requestDb(tx, { stats })) : run, txOptions);
          return running(stats, () => (route ? route.write(begin) : begin()));
        };
      } else if (typeof prop === 'string' && !prop.startsWith('$') && value && typeof value === 'object') {
        // A model (`db.job`): each of its operations is one statement.
        const operations = new Map<PropertyKey, unknown>();
        view = new Proxy(value, {
          get: (model, op) => {
            const known = operations.get(op);
            if (known !== undefined) return known;
            const fn = Reflect.get(model, op, model) as unknown;
            if (typeof fn !== 'function') return fn;
            const call = (...args: unknown[]) =>
              send(
                () => modelAccess(op),
                () => `${prop}.${String(op)}`,
                (client) => {
                  const on = Reflect.get(client, prop, client) as Record<PropertyKey, AnyFn>;
                  return on[op](...args);
                },
              );
            operations.set(op, call);
            return call;
          },
        });
      } else if (typeof value === 'function') view = (value as AnyFn).bind(target);
      wrapped.set(prop, view);
      return view;
    },
  });
}
