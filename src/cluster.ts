import cluster from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import type { Config } from './config';
import { migrate } from './data/migrate';
import { openConfiguredDatabase } from './db/open';
import type { Logger } from './log';
import { assertPortFree, stopWhenOrphaned } from './http/server';
import { createMetricsServer } from './http/metrics-server';
import { metricsAccess } from './ops/metrics';

/**
 * `--workers N`: N gateway processes sharing the port (node:cluster). They share nothing in
 * memory, so what must be shared lives in PostgreSQL and Redis; the primary only migrates,
 * forks, replaces a worker that dies, passes SIGTERM/SIGINT on and waits for every worker's
 * graceful stop, and (with METRICS_PORT) serves all workers' metrics summed.
 */
export async function runPrimary(config: Config, log: Logger, workers: number): Promise<void> {
  await assertPortFree(config.PORT, config.HOST);
  // Once, before any worker opens a pool: workers then find nothing to apply.
  const db = await openConfiguredDatabase(config);
  const { applied } = await migrate(db.raw);
  if (applied.length) log.info({ applied }, 'applied migrations');
  await db.close();

  let stopping = false;
  const fork = () => cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        log.info('all workers stopped');
        log.flush();
        process.exit(0);
      }
      return;
    }
    log.error({ worker: worker.id, code, signal }, 'worker died: starting another');
    setTimeout(fork, 1000);
  });
  for (let i = 0; i < workers; i++) fork();
  log.info({ workers }, 'primary started');

  const metrics =
    config.METRICS_PORT === undefined
      ? null
      : createMetricsServer(
          async () => ({ text: await aggregator.clusterMetrics(), contentType: aggregator.contentType }),
          // Its own port, never exposed: public unless a token is configured.
          metricsAccess({ token: config.METRICS_TOKEN, public: true }),
        );
  const aggregator = new AggregatorRegistry();
  metrics?.listen(config.METRICS_PORT, config.HOST);

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: stopping ${Object.keys(cluster.workers ?? {}).length} workers`);
    metrics?.close();
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  stopWhenOrphaned(() => stop('SIGTERM'));
}
