import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, isInputObjectType, isObjectType, lexicographicSortSchema, parse, print, printSchema, visit } from 'graphql';
import { schema } from '../../../src/schema';

const normalise = (s: Parameters<typeof lexicographicSortSchema>[0]) => printSchema(lexicographicSortSchema(s));

describe('schema.graphql', () => {
  it('is up to date with the Pothos schema (run `npm run codegen` when this fails)', () => {
    const committed = buildSchema(readFileSync(join(__dirname, '../../../schema.graphql'), 'utf8'));
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

describe('schema documentation', () => {
  it('describes every type, field and argument, and gives every deprecation a reason', () => {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)) continue;
      if (!type.description) missing.push(type.name);
      if (!isObjectType(type) && !isInputObjectType(type)) continue;
      for (const field of Object.values(type.getFields())) {
        if (!field.description) missing.push(`${type.name}.${field.name}`);
        if (field.deprecationReason === '') missing.push(`${type.name}.${field.name} (deprecation reason)`);
        for (const arg of 'args' in field ? field.args : []) if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
      }
    }
    expect(missing).toEqual([]);
  });
});
