import { builder, type ConnectionShape } from './builder';

const PageInfo = builder.objectRef<ConnectionShape<unknown>['pageInfo']>('PageInfo').implement({
  description: 'Where a page sits in its list (Relay cursor connections).',
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage'),
    hasPreviousPage: t.exposeBoolean('hasPreviousPage', { description: 'True when this page was asked for with `after`.' }),
    startCursor: t.exposeString('startCursor', { nullable: true }),
    endCursor: t.exposeString('endCursor', { nullable: true, description: 'Pass as `after` to get the next page.' }),
  }),
});

/** A Relay connection type `<Node>Connection` with its `<Node>Edge`. */
function connection(node: 'Job' | 'Application', description: string) {
  const Edge = builder.objectRef<ConnectionShape<unknown>['edges'][number]>(`${node}Edge`).implement({
    fields: (t) => ({
      cursor: t.exposeString('cursor'),
      node: t.field({ type: node, resolve: (e) => e.node as never }),
    }),
  });
  builder.objectType(`${node}Connection`, {
    description,
    fields: (t) => ({
      edges: t.field({ type: [Edge], resolve: (c) => c.edges }),
      pageInfo: t.field({ type: PageInfo, resolve: (c) => c.pageInfo }),
      totalCount: t.int({ description: 'All items of the list, across pages.', resolve: (c) => c.totalCount() }),
    }),
  });
}

connection('Job', 'A page of jobs.');
connection('Application', 'A page of applications.');

/** Builds a connection from first + 1 fetched rows. */
export function toConnection<T>(
  rows: T[],
  first: number,
  after: string | null | undefined,
  cursorOf: (row: T) => string,
  totalCount: () => Promise<number>,
  hasNext = rows.length > first,
): ConnectionShape<T> {
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
