// A jest reporter: at the end of a run, every skipped test with the reason it was skipped for
// (see ./skip.ts), on stderr, after the default summary. A test skipped without a reason is
// listed as such: a skip nobody explained is a gap in the run, not a detail.
import { relative } from 'node:path';

const REASON = /\[skipped: ([^\]]+)\]/;

interface Results {
  testResults?: { testFilePath: string; testResults?: { status: string; ancestorTitles?: string[]; title: string }[] }[];
}
export interface SkippedGroup {
  reason: string;
  file: string;
  tests: number;
}

/** The skipped tests per reason and file, from jest's aggregated results. */
export function skippedByReason(results: Results, rootDir = process.cwd()): SkippedGroup[] {
  const groups = new Map<string, SkippedGroup>();
  for (const file of results.testResults ?? []) {
    for (const t of file.testResults ?? []) {
      if (t.status !== 'pending' && t.status !== 'skipped' && t.status !== 'todo') continue;
      const name = [...(t.ancestorTitles ?? []), t.title].join(' › ');
      const reason = REASON.exec(name)?.[1] ?? 'no reason given (use describeIf/itIf from test/helpers/skip.ts)';
      const where = relative(rootDir, file.testFilePath);
      const group = groups.get(`${reason}\n${where}`) ?? { reason, file: where, tests: 0 };
      group.tests += 1;
      groups.set(`${reason}\n${where}`, group);
    }
  }
  return [...groups.values()];
}

export function render(groups: SkippedGroup[]): string {
  if (!groups.length) return '';
  const total = groups.reduce((n, g) => n + g.tests, 0);
  return `\nSkipped tests (${total}), and why:\n${groups.map((g) => `  ${g.file}: ${g.tests} skipped: ${g.reason}`).join('\n')}\n`;
}

export default class SkipReporter {
  private readonly rootDir: string;
  constructor(globalConfig?: { rootDir?: string }) {
    this.rootDir = globalConfig?.rootDir ?? process.cwd();
  }
  onRunComplete(_contexts: unknown, results: Results) {
    const text = render(skippedByReason(results, this.rootDir));
    if (text) process.stderr.write(text);
  }
}
