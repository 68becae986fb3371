import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Cost } from './cost';
import type { LoadResult } from './load';
import { line, OUTCOME_HEADINGS, outcomeCells, peerTargets, type Target } from './report';

/** One cell of the partial run: a scenario, uncached, on our batched gateway or the peer. */
export interface UncachedCell extends LoadResult {
  scenario: string;
  server: 'ours (batched)' | 'PostGraphile';
  connections: number;
  /** Statements of one execution (ours only). */
  sql: number | null;
  cost: Cost;
}

export interface UncachedRun {
  when: string;
  command: string;
  machine: string;
  /** The 1, 5 and 15 minute load averages before the run: a busy machine moves answers/s, not CPU per answer. */
  loadBefore: number[];
  dataset: string;
  settings: { seconds: number; warmup: number; connections: number; costRequests: string; costConnections: number };
  cells: UncachedCell[];
}

/** Where the partial run's section begins in docs/BENCHMARKS.md: it replaces only that section. */
export const UNCACHED_HEADING = '## Uncached reads, answers counted';

const fmt = (n: number, digits = 2) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The targets this run can tell: the peer comparison (on answers and CPU) and search's PostgreSQL CPU. */
export function uncachedTargets(run: UncachedRun): Target[] {
  const find = (scenario: string, server: UncachedCell['server']) => run.cells.find((c) => c.scenario === scenario && c.server === server);
  const out: Target[] = [];
  const [headline, jobPage] = [find('headline', 'ours (batched)'), find('job page', 'ours (batched)')];
  const [peerHeadline, peerJobPage] = [find('headline', 'PostGraphile'), find('job page', 'PostGraphile')];
  if (headline && jobPage && peerHeadline && peerJobPage) {
    out.push(...peerTargets(headline, jobPage, { headline: peerHeadline, jobPage: peerJobPage }));
    for (const [name, ours, peer] of [
      ['headline', headline, peerHeadline],
      ['job page', jobPage, peerJobPage],
    ] as const) {
      const [a, b] = [ours.cost.serverMs + ours.cost.postgresMs, peer.cost.serverMs + peer.cost.postgresMs];
      out.push({ target: `${name} (batched): gateway + PostgreSQL CPU at most the peer’s total`, value: `${fmt(a)} vs ${fmt(b)} ms`, met: a <= b });
    }
  }
  const search = find('search', 'ours (batched)');
  if (search)
    out.push({ target: 'search (batched): at most 5 ms PostgreSQL CPU', value: `${fmt(search.cost.postgresMs)} ms`, met: search.cost.postgresMs <= 5 });
  return out;
}

export function uncachedMarkdown(run: UncachedRun, checks: Target[]): string {
  const s = run.settings;
  return `${UNCACHED_HEADING}

Written by \`${run.command}\` (scripts/bench.ts) on ${run.when.slice(0, 10)}: only these cells, one after
another, not the whole bench; the sections after this one are from the last full run. ${run.machine}; dataset ${run.dataset}.
Load average before the run: ${run.loadBefore.map((l) => l.toFixed(2)).join(', ')} (1, 5, 15 min)${run.loadBefore[0] > 1 ? ': the machine was busy with other work, which moves answers per second; CPU per answer holds better' : ''}.
${s.connections} closed-loop connections (each sends its next request when answered), ${s.warmup} s warm-up, ${s.seconds} s measured, response cache off,
admission control on its defaults. CPU per answer over ${s.costRequests} requests at ${s.costConnections} connections (a third of them for the headline).

${line(['scenario', 'server', 'connections', 'SQL / execution', ...OUTCOME_HEADINGS, 'gateway CPU ms / answer', 'PostgreSQL CPU ms / answer'])}
${line(['---', '---', '---:', '---:', ...OUTCOME_HEADINGS.map(() => '---:'), '---:', '---:'])}
${run.cells.map((c) => line([c.scenario, c.server, c.connections, c.sql ?? '–', ...outcomeCells(c), fmt(c.cost.serverMs), fmt(c.cost.postgresMs)])).join('\n')}

${checks.length ? `${line(['target', 'measured', 'met'])}\n${line(['---', '---', '---'])}\n${checks.map((t) => line([t.target, t.value, t.met ? 'yes' : '**no**'])).join('\n')}\n` : ''}`;
}

/**
 * Writes `section` (starting with its `## ` heading) into `file`: in place of the section with
 * the same heading, else before the first `## ` section. The rest of the file is kept.
 */
export function writeSection(file: string, heading: string, section: string): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const start = text.indexOf(`\n${heading}\n`);
  if (start >= 0) {
    const next = text.indexOf('\n## ', start + 1);
    writeFileSync(file, `${text.slice(0, start + 1)}${section}${next >= 0 ? text.slice(next) : ''}`);
    return;
  }
  const first = text.indexOf('\n## ');
  writeFileSync(file, first >= 0 ? `${text.slice(0, first + 1)}${section}\n${text.slice(first + 1)}` : `${text}\n${section}`);
}
