import { createServer, type Server } from 'node:http';
import type { metricsAccess } from '../ops/metrics';

/**
 * The METRICS_PORT server: `/metrics` only, for Prometheus on a port that is never exposed
 * (the primary's sum of its workers with --workers, else the one process's). METRICS_TOKEN,
 * when set, is required here too.
 */
export function createMetricsServer(read: () => Promise<{ text: string; contentType: string }>, access: ReturnType<typeof metricsAccess>): Server {
  return createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    if (access(req.headers.authorization) === 'unauthorized') return void res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
    read().then(
      ({ text, contentType }) => res.writeHead(200, { 'content-type': contentType }).end(text),
      (err: Error) => res.writeHead(503).end(`metrics unavailable: ${err.message}`),
    );
  });
}
