import SchemaBuilder from '@pothos/core';
import { DateTimeResolver } from 'graphql-scalars';
import type { Company } from '../generated/prisma/client';
import type { JobRow } from '../queries/columns';
import type { Context } from '../context';

export interface JobConnectionShape {
  edges: { cursor: string; node: JobRow }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  /** Counted only when the client asks for totalCount. */
  totalCount: () => Promise<number>;
}

export const builder = new SchemaBuilder<{
  Context: Context;
  Scalars: { DateTime: { Input: Date; Output: Date } };
  Objects: { Job: JobRow; Company: Company; JobConnection: JobConnectionShape };
  DefaultFieldNullability: false;
}>({ defaultFieldNullability: false });

builder.addScalarType('DateTime', DateTimeResolver);
builder.queryType({ description: 'Reads of the job platform.' });
