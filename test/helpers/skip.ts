// Conditional tests that say why they did not run. The reason goes into the skipped test's
// name, so it is in every report jest writes (the summary, `--json`), and the skip reporter
// (./skip-reporter.cjs, loading ./skip-report.ts) lists each skipped test with it at the end of the run.

/** The name a skipped test is reported under: its own, and why. */
export const skipLabel = (name: string, reason: string) => `${name} [skipped: ${reason}]`;

/** `describe` when `condition` holds, else the block skipped with `reason`. */
export function describeIf(condition: unknown, reason: string) {
  return (name: string, fn: () => void) => (condition ? describe(name, fn) : describe.skip(skipLabel(name, reason), fn));
}

/** `it` when `condition` holds, else the test skipped with `reason`. */
export function itIf(condition: unknown, reason: string) {
  return (name: string, fn: jest.ProvidesCallback, timeout?: number) => (condition ? it(name, fn, timeout) : it.skip(skipLabel(name, reason), fn, timeout));
}
