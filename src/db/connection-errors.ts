// PostgreSQL's SQLSTATEs that mean "this connection (or server) is gone", not "this statement
// is wrong": 08 connection exceptions, 57P01-57P03 shutdown / cannot connect now, 53300 too
// many connections.
const CONNECTION_SQLSTATE = /^(08...|57P0[1-3]|53300)$/;
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNABORTED']);
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
// Prisma's "unable to start a transaction in the given time": no pool connection within maxWait.
const PRISMA_CODES = new Set(['P2028']);
// pg reports a dropped socket with messages and no code.
const MESSAGES =
  /Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|Connection ended|terminating connection|the database system is (starting up|shutting down)|Can't reach database server/i;

/** Every error this one wraps: causes, GraphQL's originalError, Prisma's driver-adapter error. */
function* chain(err: unknown, depth = 0): Generator<Record<string, unknown>> {
  if (!err || typeof err !== 'object' || depth > 8) return;
  const e = err as Record<string, unknown>;
  yield e;
  yield* chain(e.cause, depth + 1);
  yield* chain(e.originalError, depth + 1);
  yield* chain((e.meta as { driverAdapterError?: unknown } | undefined)?.driverAdapterError, depth + 1);
  if (Array.isArray(e.errors)) for (const inner of e.errors) yield* chain(inner, depth + 1);
}

/**
 * Whether `err` says the database could not be reached or the connection died, however many
 * layers (pg, Prisma's adapter, Prisma, GraphQL) wrapped it. Such a failure is the database's,
 * not the request's: the request gets SERVICE_UNAVAILABLE and may be retried.
 */
export function isConnectionError(err: unknown): boolean {
  for (const e of chain(err)) {
    for (const code of [e.code, e.originalCode])
      if (typeof code === 'string' && (CONNECTION_SQLSTATE.test(code) || SOCKET_CODES.has(code) || PRISMA_CODES.has(code))) return true;
    if (typeof e.kind === 'string' && ADAPTER_KINDS.has(e.kind)) return true;
    // Only a driver's error without a code of its own is read by its message: pg's socket
    // errors have none, while a statement's error (which may quote the input) has its SQLSTATE,
    // and a GraphQL error's message may quote anything the client sent.
    const readable = e.code === undefined && e.originalCode === undefined && !('extensions' in e);
    if (readable && typeof e.message === 'string' && MESSAGES.test(e.message)) return true;
  }
  return false;
}
