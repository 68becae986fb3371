import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, installed, stopChild } from './daemon';
import { tempDir } from './template';

/** Where Prometheus is (Debian's `prometheus` package), or null. */
export const prometheusPath = () => installed(['prometheus', '/usr/bin/prometheus'], ['--version']);

/** Where promtool is (the same package), or null. */
export const promtoolPath = () => installed(['promtool', '/usr/bin/promtool'], ['--version']);

/** The HTTP API's answer to an instant query: `status` "error" (with why) for an expression that is not valid PromQL. */
export interface QueryAnswer {
  status: 'success' | 'error';
  data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] | [number, string] };
  errorType?: string;
  error?: string;
  warnings?: string[];
}

export interface Prometheus {
  url: string;
  /** An instant query at the current time (/api/v1/query). */
  query(expr: string): Promise<QueryAnswer>;
  /** How many scrapes of `job` it has stored (successful or not). */
  scrapes(job: string): Promise<number>;
  /** Resolves once `job` has been scraped `n` more times than now. */
  waitForScrapes(job: string, n: number, timeoutMs?: number): Promise<void>;
  /** What it printed, for a failing test's message. */
  output(): string;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  /** Scrape jobs by name: `host:port` targets and the path they serve metrics on. */
  jobs: Record<string, { targets: string[]; metricsPath?: string }>;
  /** Seconds between scrapes and between rule evaluations (default 1). */
  intervalS?: number;
  /** Rule files (alerting or recording) to load. */
  ruleFiles?: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function configOf(options: PrometheusOptions): string {
  const interval = `${options.intervalS ?? 1}s`;
  // JSON is YAML: no YAML writer needed.
  return JSON.stringify({
    global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval },
    rule_files: options.ruleFiles ?? [],
    scrape_configs: Object.entries(options.jobs).map(([job, { targets, metricsPath }]) => ({
      job_name: job,
      metrics_path: metricsPath ?? '/metrics',
      static_configs: [{ targets }],
    })),
  });
}

/**
 * A private Prometheus in the foreground on a free port, its configuration and storage in a temp
 * directory removed at `stop`; resolves once it answers /-/ready.
 */
export async function startPrometheus(options: PrometheusOptions): Promise<Prometheus> {
  const binary = prometheusPath();
  if (!binary) throw new Error('prometheus is not installed (apt-get install prometheus)');
  const dir = tempDir('chommie-prometheus');
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, configOf(options));
  let lastError: unknown;
  // A port found free can be taken before Prometheus binds it: then another one.
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await freePort();
    const child = spawn(
      binary,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, `data-${attempt}`)}`,
        `--web.listen-address=127.0.0.1:${port}`,
        // Debian's defaults point at /etc/prometheus and /usr/share/prometheus; nothing here needs them.
        `--web.console.templates=${dir}`,
        `--web.console.libraries=${dir}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    let up = false;
    while (!up && child.exitCode === null && Date.now() < deadline) {
      up = await fetch(`${url}/-/ready`).then(
        (res) => res.ok,
        () => false,
      );
      if (!up) await sleep(100);
    }
    if (up)
      return prometheusAt(
        url,
        () => output,
        async () => {
          await stopChild(child, exited);
          rmSync(dir, { recursive: true, force: true });
        },
      );
    lastError = new Error(`prometheus did not start:\n${output.trim()}`);
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError;
}

function prometheusAt(url: string, output: () => string, stop: () => Promise<void>): Prometheus {
  const query = async (expr: string): Promise<QueryAnswer> => {
    // POST: an expression can be longer than a URL should be. A 400 carries the parse error as JSON.
    const res = await fetch(`${url}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query: expr }) });
    return (await res.json()) as QueryAnswer;
  };
  const scrapes = async (job: string) => {
    // `up` gets one sample per scrape, whatever the target answered.
    const answer = await query(`sum(count_over_time(up{job=${JSON.stringify(job)}}[1h]))`);
    const result = answer.data?.result as { value: [number, string] }[] | undefined;
    return result?.length ? Number(result[0].value[1]) : 0;
  };
  return {
    url,
    query,
    scrapes,
    async waitForScrapes(job, n, timeoutMs = 30_000) {
      const target = (await scrapes(job)) + n;
      const deadline = Date.now() + timeoutMs;
      while ((await scrapes(job)) < target) {
        if (Date.now() > deadline) throw new Error(`prometheus did not scrape ${job} ${n} times within ${timeoutMs} ms:\n${output()}`);
        await sleep(200);
      }
    },
    output,
    stop,
  };
}
