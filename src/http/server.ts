import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Server as NetServer } from 'node:net';
import type { Config } from '../config';
import { createCors } from './cors';

/** How long connections accepted just before a stop may take to send their first request. */
const IDLE_LINGER_MS = 250;

/** The gateway cannot start, for a reason one line explains (no stack needed). */
export class StartupError extends Error {}

/** Listens, or says in one line why it cannot (the port is taken, or not ours to take). */
export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'EADDRINUSE'
          ? 'is already in use by another process'
          : err.code === 'EACCES'
            ? 'needs privileges this process lacks'
            : `cannot be used (${err.message})`;
      reject(new StartupError(`Port ${port} on ${host} ${why}: stop what holds it, or set PORT to another port.`));
    };
    server.once('error', fail);
    // Node's default accept backlog (511) drops the SYNs of a burst of clients while the event
    // loop is busy: they retry after 1, 3, 7 s and time out. The kernel caps it (somaxconn).
    server.listen({ port, host, backlog: 4096 }, () => {
      server.off('error', fail);
      resolve();
    });
  });
}

/** Fails like `listen` when the port is taken, and frees it again (for a primary that forks listeners). */
export async function assertPortFree(port: number, host: string): Promise<void> {
  const probe = createServer();
  await listen(probe, port, host);
  await new Promise((resolve) => probe.close(resolve));
}

/**
 * A launcher that does not pass SIGTERM on (an npm without `exec`, a shell, a killed npm)
 * would leave the gateway running with the port and the data directory after it is gone.
 * Under npm, losing the parent process is taken as SIGTERM.
 */
export function stopWhenOrphaned(stop: (reason: string) => void): void {
  if (!process.env.npm_lifecycle_event) return;
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && stop('parent process exited'), 500).unref();
}

/** The answer until the gateway is built: 503 "starting", with the CORS headers the gateway will send. */
export function whileStarting(config: Pick<Config, 'CORS_ORIGINS' | 'CORS_MAX_AGE_S'>): (req: IncomingMessage, res: ServerResponse) => void {
  const cors = createCors(config);
  return (req, res) =>
    void res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1', ...cors.headers(req.headers.origin) }).end('{"status":"starting"}');
}

/**
 * The HTTP server, listening before the gateway exists: it answers 503 "starting" until
 * `serve` hands it the gateway, and, once `lifecycle.stopping` is set, tells each client not to
 * reuse its connection.
 */
export function openHttpServer(config: Config, worker: number | undefined) {
  let handle: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const starting = whileStarting(config);
  const lifecycle = { stopping: false };
  const server = createServer((req, res) => {
    if (worker) res.setHeader('x-gateway-worker', String(worker));
    // Stopping: each answer tells its client not to reuse the connection, so by the end of the
    // grace period busy keep-alive sockets have been closed in order, by the server after an
    // answer, rather than cut while idle with a request of theirs already on the way (ECONNRESET).
    if (lifecycle.stopping) res.setHeader('connection', 'close');
    if (handle) return handle(req, res);
    starting(req, res);
  });
  // A body trickling in holds up to MAX_BODY_BYTES for as long as it takes: bound that time
  // (Node's default is 5 minutes), so slow uploads cannot pile up memory.
  server.requestTimeout = 30_000;
  return { server, lifecycle, serve: (h: typeof handle) => void (handle = h) };
}

/**
 * Requests keep being served for SHUTDOWN_GRACE_MS (so a load balancer moves away and requests
 * already on the wire are read), then new connections are refused and in-flight requests
 * finish, for at most SHUTDOWN_TIMEOUT_MS.
 */
export async function drain(config: Pick<Config, 'SHUTDOWN_GRACE_MS' | 'SHUTDOWN_TIMEOUT_MS'>, server: Server, ...others: (Server | null)[]): Promise<void> {
  await new Promise((r) => setTimeout(r, config.SHUTDOWN_GRACE_MS));
  // Stop accepting, but not yet cut idle connections as http.Server#close does: one accepted
  // a moment ago may have its first request on the way. Their requests are answered with
  // `Connection: close` (openHttpServer); what is still idle a moment later is closed then.
  for (const other of others) other?.close();
  const drained = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
  // In a setImmediate: a busy event loop (a long query) runs the timer late, before it has read
  // requests that arrived meanwhile; the I/O phase reads and parses them first, so only
  // connections with nothing on the way are closed as idle (a loaded CI run saw ECONNRESET).
  const idle = setTimeout(() => setImmediate(() => server.closeIdleConnections()), IDLE_LINGER_MS);
  const force = setTimeout(() => server.closeAllConnections(), config.SHUTDOWN_TIMEOUT_MS);
  await drained;
  clearTimeout(force);
  clearTimeout(idle);
}
