import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, lexicographicSortSchema, parse, print, printSchema, visit } from 'graphql';
import { schema } from '../src/schema';

const normalise = (s: Parameters<typeof lexicographicSortSchema>[0]) => printSchema(lexicographicSortSchema(s));

describe('schema.graphql', () => {
  it('is up to date with the Pothos schema (run `npm run codegen` when this fails)', () => {
    const committed = buildSchema(readFileSync(join(__dirname, '../schema.graphql'), 'utf8'));
    expect(normalise(committed)).toBe(normalise(schema));
  });

  it('keeps the public contract’s names', () => {
    const bare = visit(parse(printSchema(schema)), {
      enter: (node) => ('description' in node && node.description ? { ...node, description: undefined } : undefined),
    });
    const sdl = print(bare).replace(/\s+/g, ' ');
    for (const piece of [
      'job(id: ID!): Job',
      'jobs(filter: JobFilter, orderBy: JobOrder = NEWEST, first: Int = 20, after: String): JobConnection!',
      'trendingJobs(days: Int = 7, first: Int = 20): [Job!]!',
      'company(id: ID!): Company',
      'similarJobs(first: Int = 5): [Job!]!',
      'totalCount: Int!',
    ]) {
      expect(sdl).toContain(piece);
    }
  });
});
