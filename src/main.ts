import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { loadConfig, ConfigError, type Config } from './config';
import { createLogger } from './log';
import { runPrimary } from './cluster';
import { isConnectionError } from './db/connection-errors';
import { DataDirInUseError } from './db/data-dir-lock';
import { runGateway, StartupError } from './app';
import { TracingConfigError, tracingWanted } from './tracing';

/** `--workers N` wins over WEB_CONCURRENCY; either way, more than one needs a shared database. */
function workerCount(config: Config): number {
  const { values } = parseArgs({ options: { workers: { type: 'string' } }, strict: false });
  const workers = values.workers === undefined ? config.WEB_CONCURRENCY : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new ConfigError(`--workers must be an integer from 1 to 64, got ${values.workers}`);
  if (workers > 1 && !config.DATABASE_URL)
    throw new ConfigError('--workers/WEB_CONCURRENCY above 1 needs DATABASE_URL: the embedded database belongs to one process');
  return workers;
}

async function main() {
  const config = loadConfig();
  // Told in one line before anything starts (and before a primary forks workers that would each fail).
  tracingWanted(process.env);
  const log = createLogger(config);
  // A promise some dependency forgot to handle (a driver's, a client's) must not end a process
  // that is serving everyone else: Node's default for it is to exit. It is logged as the bug it is.
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled promise rejection (not fatal; please report it)'));
  const workers = cluster.isPrimary ? workerCount(config) : 1;
  if (workers > 1) {
    if (!config.REDIS_URL) log.warn('several workers without REDIS_URL: response cache off, rate limits per worker');
    return runPrimary(config, log, workers);
  }
  // Per-process caches cannot see each other's invalidations: a read on one worker could
  // return what a write on another just changed. Without Redis, be right, not fast.
  if (cluster.isWorker && !config.REDIS_URL) config.CACHE_ENABLED = false;
  await runGateway(config, log);
}

main().catch((err) => {
  // Problems an operator fixes (configuration, a busy port or data directory, an unreachable
  // database) in one line; anything else with its stack.
  const expected = err instanceof ConfigError || err instanceof StartupError || err instanceof DataDirInUseError || err instanceof TracingConfigError;
  console.error(expected ? err.message : isConnectionError(err) ? `Cannot reach the database: ${(err as Error).message}` : err);
  process.exit(1);
});
