import { itIf, skipLabel } from '../helpers/skip';
import { render, skippedByReason } from '../helpers/skip-report';

/** jest's aggregated results, as much of them as the reporter reads. */
const results = {
  testResults: [
    {
      testFilePath: '/repo/test/graphiql-browser.test.ts',
      testResults: [
        { status: 'pending', ancestorTitles: ['GraphiQL in Chromium [skipped: needs Chromium at /usr/bin/chromium]'], title: 'runs the example' },
        { status: 'pending', ancestorTitles: ['GraphiQL in Chromium [skipped: needs Chromium at /usr/bin/chromium]'], title: 'shows the docs' },
      ],
    },
    {
      testFilePath: '/repo/test/other.test.ts',
      testResults: [
        { status: 'passed', ancestorTitles: [], title: 'runs' },
        { status: 'pending', ancestorTitles: ['block'], title: 'was skipped by hand' },
      ],
    },
  ],
};

describe('the skip reporter', () => {
  it('lists every skipped test with its reason, by file, and flags a skip without one', () => {
    expect(skippedByReason(results, '/repo')).toEqual([
      { reason: 'needs Chromium at /usr/bin/chromium', file: 'test/graphiql-browser.test.ts', tests: 2 },
      { reason: expect.stringMatching(/^no reason given/), file: 'test/other.test.ts', tests: 1 },
    ]);
    const text = render(skippedByReason(results, '/repo'));
    expect(text).toContain('Skipped tests (3), and why:');
    expect(text).toContain('test/graphiql-browser.test.ts: 2 skipped: needs Chromium at /usr/bin/chromium');
  });

  it('says nothing when nothing was skipped', () => {
    expect(render(skippedByReason({ testResults: [] }, '/repo'))).toBe('');
  });
});

describe('describeIf and itIf', () => {
  it('name a skipped test with its reason, as the reporter reads it', () => {
    const name = skipLabel('GraphiQL in Chromium', 'needs Chromium at /usr/bin/chromium');
    const found = skippedByReason(
      { testResults: [{ testFilePath: '/repo/test/x.test.ts', testResults: [{ status: 'pending', ancestorTitles: [name], title: 'runs' }] }] },
      '/repo',
    );
    expect(found).toEqual([{ reason: 'needs Chromium at /usr/bin/chromium', file: 'test/x.test.ts', tests: 1 }]);
  });

  itIf(true, 'unused')('run the block or test when the condition holds', () => {
    expect(expect.getState().currentTestName).toBe('describeIf and itIf run the block or test when the condition holds');
  });
});
