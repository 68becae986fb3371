import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import { GraphQLError } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import type { Application, Company, User } from '../generated/prisma/client';
import type { JobRow } from '../queries/columns';
import type { Context } from '../context';

export interface ConnectionShape<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  /** Counted only when the client asks for totalCount. */
  totalCount: () => Promise<number>;
}

export const builder = new SchemaBuilder<{
  Context: Context;
  Scalars: { DateTime: { Input: Date; Output: Date } };
  Objects: {
    Job: JobRow;
    Company: Company;
    User: User;
    Application: Application;
    JobConnection: ConnectionShape<JobRow>;
    ApplicationConnection: ConnectionShape<Application>;
  };
  DefaultFieldNullability: false;
}>({
  defaultFieldNullability: false,
  plugins: [ComplexityPlugin],
  // Cost: 1 per field; lists cost what their `first` asks for (see listCost), not a guess.
  complexity: {
    defaultComplexity: 1,
    defaultListMultiplier: 1,
    limit: (ctx) => ({ complexity: ctx.limits.cost }),
    complexityError: (_kind, result) =>
      new GraphQLError(`query cost ${result.complexity} exceeds the limit of ${result.maxComplexity}: ask for fewer items (first) or fewer nested lists`, {
        extensions: { code: 'QUERY_TOO_COMPLEX', cost: result.complexity, limit: result.maxComplexity },
      }),
  },
});

/**
 * Cost of a list field: `base`, plus its selection times the items asked for. Out-of-range
 * `first` is left to the resolver's clear BAD_USER_INPUT, so the multiplier stays within range.
 */
export const listCost = (base: number, defaultFirst: number, maxFirst = 100) => (args: { first?: number | null }) => ({
  field: base,
  multiplier: Math.min(maxFirst, Math.max(1, args.first ?? defaultFirst)),
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.queryType({ description: 'Reads of the job platform.' });
builder.mutationType({ description: 'Writes. Each runs in one transaction and returns what it changed.' });
