import type { SqlDriverAdapterFactory, SqlQuery, Transaction } from '@prisma/driver-adapter-utils';
import { inSpan, SpanKind, traceComment, tracer } from '../tracing';

/** Where a driver's statements go, as its spans say. */
export interface SqlTarget {
  /** `primary`, or `replica` for a read replica's pool (db/replicas.ts). */
  role: 'primary' | 'replica';
  /** host:port/database, never the credentials. */
  name?: string;
  /** The database's kind for `db.system`: PostgreSQL, or PGlite's embedded PostgreSQL. */
  embedded?: boolean;
}

/** host:port/database of a connection string. */
export function targetName(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
}

type AnyFn = (...args: unknown[]) => unknown;

/**
 * Prisma's adapter with a span per statement, for a request being traced: its text (values are
 * bound parameters, never in it), where it went, and the trace comment (tracing.ts
 * `traceComment`) appended so the database's own logs lead back to the span. Statements run
 * outside any traced request (migrations, refreshers) get neither. Returns `factory` itself
 * when tracing is off: nothing in the way of an untraced process's statements.
 *
 * Written as a proxy over the adapter rather than with @opentelemetry/instrumentation-pg, which
 * patches `pg` for the whole process: it would not see PGlite, could not tell a replica's pool
 * from the primary's, and would comment statements that Prisma has already named.
 */
export function tracedAdapter(factory: SqlDriverAdapterFactory, target: SqlTarget): SqlDriverAdapterFactory {
  if (!tracer()) return factory;
  const attributes = {
    'db.system': 'postgresql',
    'db.system.name': 'postgresql',
    'chommie.db.role': target.role,
    ...(target.name ? { 'db.namespace': target.name.split('/').slice(1).join('/'), 'server.address': target.name.split('/')[0] } : {}),
    ...(target.embedded ? { 'chommie.db.embedded': true } : {}),
  };
  const traced = (send: AnyFn, self: object) => (query: SqlQuery) =>
    inSpan(
      spanName(query.sql),
      { ...attributes, 'db.query.text': query.sql },
      (span) => {
        const comment = traceComment(span);
        return send.call(self, comment ? { ...query, sql: query.sql + comment } : query) as Promise<unknown>;
      },
      SpanKind.CLIENT,
    );
  const wrap = <T extends object>(queryable: T): T =>
    new Proxy(queryable, {
      get(q, p): unknown {
        const v: unknown = Reflect.get(q, p, q);
        if (typeof v !== 'function') return v;
        if (p === 'queryRaw' || p === 'executeRaw') return traced(v as AnyFn, q);
        if (p === 'startTransaction') return async (...args: unknown[]) => wrap((await (v as AnyFn).apply(q, args)) as Transaction);
        return (v as AnyFn).bind(q);
      },
    });
  return new Proxy(factory, {
    get(f, prop): unknown {
      const value: unknown = Reflect.get(f, prop, f);
      if (prop === 'connect') return async () => wrap(await f.connect());
      return typeof value === 'function' ? (value as AnyFn).bind(f) : value;
    },
  });
}

/** The statement's first keyword (SELECT, INSERT, WITH…): a span name of low cardinality. */
const spanName = (sql: string) => /^\s*([A-Za-z]+)/.exec(sql)?.[1]?.toUpperCase() ?? 'SQL';
