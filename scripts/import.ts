// npm run import -- <path> [--format glassdoor|linkedin|jsonl] [--source NAME] [--dry-run]
//                         [--rejects FILE] [--batch-size N] [--skip-similar] [--refresh-similar]
// Similar jobs of what changed are queued for the gateway's background refresher; with
// --refresh-similar this command works the queue off itself before it exits.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { ResponseCache } from '../src/cache/response-cache';
import { openCacheStore } from '../src/cache/store';
import { invalidationOf } from '../src/cache/tags';
import { refreshSearchTerms } from '../src/data/search';
import { Writes } from '../src/data/writes';
import { createEventBus, writeEvents } from '../src/events/bus';
import { loadConfig } from '../src/config';
import { FeedError } from '../src/ingest/csv';
import { openFeed } from '../src/ingest/feeds';
import { ImportInterrupted, runImport } from '../src/ingest/pipeline';
import { SimilarJobsRefresher } from '../src/similar/refresher';
import { withDatabase } from './with-database';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    format: { type: 'string' },
    source: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    rejects: { type: 'string' },
    'batch-size': { type: 'string', default: '500' },
    'skip-similar': { type: 'boolean', default: false },
    'refresh-similar': { type: 'boolean', default: false },
  },
});
if (positionals.length !== 1) {
  console.error(
    'usage: npm run import -- <path> [--format glassdoor|linkedin|jsonl] [--source NAME] [--dry-run] [--rejects FILE] [--batch-size N] [--skip-similar] [--refresh-similar]',
  );
  process.exit(2);
}

let feed: ReturnType<typeof openFeed>;
try {
  feed = openFeed(positionals[0], values.format);
} catch (err) {
  if (!(err instanceof FeedError)) throw err;
  console.error(err.message);
  process.exit(1);
}

const unsettled = (cache: ResponseCache) =>
  cache.debtRecorded()
    ? 'Warning: Redis was unreachable, so cached results were not invalidated; this is recorded in the database, and gateways read nothing from the cache until one of them has emptied it.'
    : 'Warning: Redis and the database were unreachable, so cached results were not invalidated: gateways may serve older results until their TTLs run out.';

withDatabase(async (db) => {
  const { format, rows } = feed;
  const source = values.source ?? format;
  const tty = process.stderr.isTTY;
  const bar = tty
    ? new SingleBar({ format: '{phase} [{bar}] {value}/{total} rows | {speed} rows/s | ETA {eta}s', hideCursor: true }, Presets.shades_classic)
    : null;
  const started = Date.now();
  let phase = '';
  // Gateways sharing Redis see the import at once; an in-memory cache lives in the gateway's
  // own process, out of reach, and catches up within its TTLs. An invalidation that cannot
  // reach Redis is recorded in the database, and the gateways empty their cache for it.
  const config = loadConfig();
  const cache =
    config.REDIS_URL && config.CACHE_ENABLED
      ? new ResponseCache(
          openCacheStore(config, (m) => console.error(m)),
          config,
          undefined,
          db,
        )
      : null;
  // Subscribers of the gateways sharing Redis (newJobs, jobUpdated) hear of the imported jobs.
  const events = config.REDIS_URL
    ? createEventBus({ prefix: config.CACHE_PREFIX, redisUrl: config.REDIS_URL, timeoutMs: config.CACHE_TIMEOUT_MS, warn: (m) => console.error(m) })
    : null;
  const writes = new Writes(cache && invalidationOf(cache), null, events && writeEvents(events));
  const similar = values['skip-similar'] ? undefined : new SimilarJobsRefresher(db.prisma, { intervalMs: 1000, writes });
  const summary = await runImport(db, rows, {
    source,
    dryRun: values['dry-run'],
    batchSize: Number(values['batch-size']),
    similar,
    writes,
    onProgress: (p, done, total) => {
      if (!bar) return;
      const speed = Math.round(done / Math.max((Date.now() - started) / 1000, 0.001));
      if (p !== phase) {
        if (phase) bar.stop();
        phase = p;
        bar.start(total ?? 0, done, { phase: p === 'read' ? 'reading' : 'writing', speed });
      }
      if (total) bar.setTotal(total);
      bar.update(done, { speed });
    },
  }).catch(async (err) => {
    bar?.stop();
    if (cache && !(await cache.settle(10_000))) console.error(unsettled(cache));
    await cache?.close();
    await events?.close();
    if (!(err instanceof ImportInterrupted)) throw err;
    // Whole batches are committed, invalidated and queued for similar jobs; say how to finish.
    console.error(err.message);
    process.exitCode = 1;
    return null;
  });
  if (!summary) return;
  bar?.stop();
  // Type-ahead shows the new titles, skills and companies now, not at a gateway's next refresh.
  if (!summary.dryRun) {
    await writes.commit(
      (owe) => refreshSearchTerms(db.prisma, { minAgeS: 0, owe }),
      ({ changed }) => (changed ? ['searchTerms'] : []),
    );
  }
  if (cache && !(await cache.settle(10_000))) console.error(unsettled(cache));
  await cache?.close();
  await events?.close();
  if (summary.rejects.length) {
    const file = values.rejects ?? `import-rejects-${source.replace(/[^\w.-]/g, '_')}.jsonl`;
    writeFileSync(file, summary.rejects.map((r) => JSON.stringify(r)).join('\n') + '\n');
    console.log(`Rejected rows (line and reason) written to ${file}`);
  }
  const s = summary;
  console.log(
    `${s.dryRun ? 'Dry run (nothing written): ' : ''}${s.rows} rows from ${positionals[0]} (${format}, source "${source}"): ` +
      `${s.created} created, ${s.updated} updated, ${s.unchanged} unchanged, ${s.merged} merged into an earlier row, ${s.rejected} rejected ` +
      `in ${(s.ms / 1000).toFixed(1)} s (${Math.round(s.rows / (s.ms / 1000))} rows/s).`,
  );
  for (const r of s.rejects.slice(0, 5)) console.log(`  line ${r.line}: ${r.reason}`);
  if (s.rejects.length > 5) console.log(`  … and ${s.rejects.length - 5} more`);
  if (!similar || s.dryRun) return;
  if (values['refresh-similar']) {
    const t = Date.now();
    const n = await similar.drain((done) => tty && process.stderr.write(`\rsimilar jobs: ${done} refreshed`));
    if (tty) process.stderr.write('\n');
    console.log(`Similar jobs refreshed for ${n} jobs in ${((Date.now() - t) / 1000).toFixed(1)} s.`);
  } else {
    console.log(`Similar jobs: ${(await similar.stats()).pending} jobs queued; a running gateway refreshes them in the background.`);
  }
});
