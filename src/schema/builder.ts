import SchemaBuilder from '@pothos/core';
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
}>({ defaultFieldNullability: false });

builder.addScalarType('DateTime', DateTimeResolver);
builder.queryType({ description: 'Reads of the job platform.' });
builder.mutationType({ description: 'Writes. Each runs in one transaction and returns what it changed.' });
