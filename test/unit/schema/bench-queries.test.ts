import { parse, validate } from 'graphql';
import { schema } from '../../../src/schema';
import { APPLY, HEADLINE, JOB_PAGE, SEARCH, TRENDING, TYPENAME } from '../../../scripts/bench/scenarios';

// The benchmark is a script, not a test; this keeps a schema change from silently breaking it.
describe('the benchmark’s operations', () => {
  it.each(Object.entries({ HEADLINE, JOB_PAGE, SEARCH, TRENDING, APPLY, TYPENAME }))('%s is valid against the schema', (_name, document) => {
    expect(validate(schema, parse(document)).map((e) => e.message)).toEqual([]);
  });
});
