// The alert rules for Prometheus (deploy/prometheus/): promtool accepts the rules, the example
// configuration and the rules' unit tests (synthetic series), and those tests cover every alert
// both ways: a case where it fires and one where it must stay silent.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { fromRoot } from '../../../src/paths';
import { makeCache } from '../../helpers/cache';
import { installed } from '../../helpers/daemon';
import { openTestDatabase, type TestDatabase } from '../../helpers/db';
import { testGateway } from '../../helpers/gateway';
import { describeIf } from '../../helpers/skip';

/** Where promtool is (Debian's `prometheus` package), or null. */
const promtool = installed(['promtool', '/usr/bin/promtool'], ['--version']);

const dir = fromRoot('deploy', 'prometheus');
const RULES = 'chommie-gateway.rules.yml';
const TESTS = 'chommie-gateway.rules.test.yml';
const CONFIG = 'prometheus.yml';

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleFile {
  groups: { name: string; rules: Rule[] }[];
}
interface AlertCase {
  eval_time: string;
  alertname: string;
  exp_alerts?: { exp_labels?: Record<string, string>; exp_annotations?: Record<string, string> }[] | null;
}
interface TestFile {
  rule_files: string[];
  tests: { name: string; alert_rule_test?: AlertCase[] }[];
}

const read = <T>(file: string) => parse(readFileSync(join(dir, file), 'utf8')) as T;

/** promtool with `args` in `cwd` (file names in the files are relative to it): exit status and all it printed. */
function run(args: string[], cwd = dir) {
  const r = spawnSync(promtool!, args, { cwd, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** The PromQL functions, aggregations and keywords the rules use: every other name is a series. */
const PROMQL = new Set(
  ['sum', 'max', 'min', 'count', 'avg', 'rate', 'increase', 'histogram_quantile', 'clamp_min', 'label_replace', 'vector', 'absent', 'round'].concat([
    'and',
    'or',
    'unless',
    'bool',
  ]),
);

/** The series names an expression reads: label matchers, ranges, strings and label lists left out. */
const seriesRead = (expr: string) =>
  [
    ...expr
      .replace(/"(?:[^"\\]|\\.)*"/g, '')
      .replace(/\{[^}]*\}/g, '')
      .replace(/\[[^\]]*\]/g, '')
      .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
      .matchAll(/[a-zA-Z_:][\w:]*/g),
  ]
    .map((m) => m[0])
    .filter((name) => !PROMQL.has(name));

/** GitHub's anchor of a Markdown heading. */
const anchor = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

describeIf(promtool, 'promtool is not installed (apt-get install prometheus; .ci/run installs it)')('Prometheus alert rules (deploy/prometheus/)', () => {
  const rules = read<RuleFile>(RULES);
  const alerts = rules.groups.flatMap((g) => g.rules).filter((r): r is Rule & { alert: string } => r.alert !== undefined);
  const tests = read<TestFile>(TESTS);

  it('promtool check rules accepts every rule', () => {
    const { status, output } = run(['check', 'rules', RULES]);
    expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') as string });
    const count = rules.groups.reduce((n, g) => n + g.rules.length, 0);
    expect(output).toContain(`${count} rules found`);
  });

  it('promtool test rules passes the unit tests with synthetic series', () => {
    expect(tests.rule_files).toEqual([RULES]);
    const { status, output } = run(['test', 'rules', TESTS]);
    expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') as string });
  });

  it('promtool check config accepts the example configuration, which loads the rules', () => {
    const config = read<{ rule_files: string[]; scrape_configs: { job_name: string }[] }>(CONFIG);
    expect(config.rule_files).toEqual([RULES]);
    // The target-down alerts select the scrape job by name.
    const jobs = config.scrape_configs.map((s) => s.job_name);
    for (const a of alerts.filter((r) => r.expr.includes('up{job='))) {
      for (const job of a.expr.matchAll(/up\{job="([^"]+)"\}/g)) expect(jobs).toContain(job[1]);
    }
    const { status, output } = run(['check', 'config', CONFIG]);
    expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining(`SUCCESS: 1 rule files found`) as string });
  });

  it('the unit tests make every alert fire in one case and stay silent in another', () => {
    const cases = tests.tests.flatMap((t) => t.alert_rule_test ?? []);
    const names = new Set(alerts.map((a) => a.alert));
    expect(names.size).toBe(alerts.length);
    const fires = (c: AlertCase) => (c.exp_alerts ?? []).length > 0;
    const missing = [...names].flatMap((name) => {
      const firing = cases.some((c) => c.alertname === name && fires(c));
      // Silent: a scenario of its own that asserts the alert at some time and never expects it
      // (not merely still pending before its `for` in a scenario where it then fires).
      const silent = tests.tests.some((t) => {
        const mine = (t.alert_rule_test ?? []).filter((c) => c.alertname === name);
        return mine.length > 0 && !mine.some(fires);
      });
      return [...(firing ? [] : [`${name}: no case where it fires`]), ...(silent ? [] : [`${name}: no scenario where it stays silent`])];
    });
    expect(missing).toEqual([]);
    // And no case is about an alert the rules do not have (it would pass, silent, forever).
    expect(cases.map((c) => c.alertname).filter((n) => !names.has(n))).toEqual([]);
  });

  it('every alert has a severity, a summary, a description and a runbook whose documents and sections exist', () => {
    const problems: string[] = [];
    for (const a of alerts) {
      if (!['critical', 'warning'].includes(a.labels?.severity ?? '')) problems.push(`${a.alert}: severity ${a.labels?.severity}`);
      for (const key of ['summary', 'description', 'runbook']) if (!a.annotations?.[key]?.trim()) problems.push(`${a.alert}: no ${key}`);
      const links = [...(a.annotations?.runbook ?? '').matchAll(/docs\/([\w.-]+\.md)(?:#([\w-]+))?/g)];
      if (links.length === 0) problems.push(`${a.alert}: the runbook points to no document`);
      for (const [, file, section] of links) {
        let text: string;
        try {
          text = readFileSync(fromRoot('docs', file), 'utf8');
        } catch {
          problems.push(`${a.alert}: docs/${file} does not exist`);
          continue;
        }
        const anchors = [...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchor(m[1]));
        if (section && !anchors.includes(section)) problems.push(`${a.alert}: docs/${file} has no section #${section}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('promtool test rules fails when a rule no longer does what its tests say', () => {
    // The p99 threshold raised from 200 to 500 ms: the 450 ms case must then fail.
    const work = mkdtempSync(join(tmpdir(), 'chommie-rules-'));
    try {
      const original = readFileSync(join(dir, RULES), 'utf8');
      const changed = original.replace(
        'job:graphql_uncached_query_duration_seconds:p99_rate5m > 0.2 ',
        'job:graphql_uncached_query_duration_seconds:p99_rate5m > 0.5 ',
      );
      expect(changed).not.toBe(original);
      writeFileSync(join(work, RULES), changed);
      copyFileSync(join(dir, TESTS), join(work, TESTS));
      const { status, output } = run(['test', 'rules', TESTS], work);
      expect(status).not.toBe(0);
      expect(output).toContain('alertname: ChommieGatewayLatencyP99High');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});

describe('the series the rules read', () => {
  const rules = read<RuleFile>(RULES).groups.flatMap((g) => g.rules);
  const used = [...new Set(rules.flatMap((r) => seriesRead(r.expr)))].sort();
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase();
  });
  afterAll(() => db?.destroy());

  it('are recorded by a rule of the file (level:metric:operation names)', () => {
    const recorded = new Set(rules.flatMap((r) => (r.record ? [r.record] : [])));
    expect(used.filter((name) => name.includes(':') && !recorded.has(name))).toEqual([]);
  });

  it("are the gateway's own metrics (a misspelt name would never fire), or Prometheus's `up`", async () => {
    // A Redis store, unreachable: redis_up is exported only with one.
    const cache = makeCache('redis://127.0.0.1:1');
    try {
      const { gateway } = testGateway(db, { responseCache: cache });
      const text = await (await gateway.fetch('http://gateway.test/metrics')).text();
      const exported = new Set(
        [...text.matchAll(/^# TYPE (\S+) (\w+)$/gm)].flatMap(([, name, type]) =>
          type === 'histogram' ? [`${name}_bucket`, `${name}_count`, `${name}_sum`] : [name],
        ),
      );
      const metrics = used.filter((name) => !name.includes(':'));
      // The extraction finds what the rules are about (else the check below would pass on nothing).
      expect(metrics).toEqual(expect.arrayContaining(['graphql_request_duration_seconds_bucket', 'graphql_requests_total', 'db_up', 'redis_up', 'up']));
      expect(metrics.filter((name) => name !== 'up' && !exported.has(name))).toEqual([]);
    } finally {
      await cache.close();
    }
  });
});
