import type { JobRow } from '../queries/columns';
import { builder, type JobConnectionShape } from './builder';

const PageInfo = builder
  .objectRef<JobConnectionShape['pageInfo']>('PageInfo')
  .implement({
    description: 'Where a page sits in its list (Relay cursor connections).',
    fields: (t) => ({
      hasNextPage: t.exposeBoolean('hasNextPage'),
      hasPreviousPage: t.exposeBoolean('hasPreviousPage', { description: 'True when this page was asked for with `after`.' }),
      startCursor: t.exposeString('startCursor', { nullable: true }),
      endCursor: t.exposeString('endCursor', { nullable: true, description: 'Pass as `after` to get the next page.' }),
    }),
  });

const JobEdge = builder.objectRef<JobConnectionShape['edges'][number]>('JobEdge').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor'),
    node: t.field({ type: 'Job', resolve: (e) => e.node }),
  }),
});

builder.objectType('JobConnection', {
  description: 'A page of jobs.',
  fields: (t) => ({
    edges: t.field({ type: [JobEdge], resolve: (c) => c.edges }),
    pageInfo: t.field({ type: PageInfo, resolve: (c) => c.pageInfo }),
    totalCount: t.int({ description: 'All jobs matching the filter, across pages.', resolve: (c) => c.totalCount() }),
  }),
});

/** Builds a connection from first + 1 fetched rows. */
export function toConnection(
  rows: JobRow[],
  first: number,
  after: string | null | undefined,
  cursorOf: (row: JobRow) => string,
  totalCount: () => Promise<number>,
  hasNext = rows.length > first,
): JobConnectionShape {
  const edges = rows.slice(0, first).map((node) => ({ node, cursor: cursorOf(node) }));
  let counted: Promise<number> | undefined;
  return {
    edges,
    pageInfo: {
      hasNextPage: hasNext,
      hasPreviousPage: after != null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: () => (counted ??= totalCount()),
  };
}
