import { builder, type ConnectionShape } from './builder';

const PageInfo = builder.objectRef<ConnectionShape<unknown>['pageInfo']>('PageInfo').implement({
  description: 'Where a page sits in its list (Relay cursor connections).',
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage', { description: 'True when more items follow this page.' }),
    hasPreviousPage: t.exposeBoolean('hasPreviousPage', { description: 'True when this page was asked for with `after`.' }),
    startCursor: t.exposeString('startCursor', { nullable: true, description: 'Cursor of the first item of the page.' }),
    endCursor: t.exposeString('endCursor', { nullable: true, description: 'Pass as `after` to get the next page.' }),
  }),
});

/** A Relay connection type `<Node>Connection` with its `<Node>Edge`. */
function connection(node: 'Job' | 'Application' | 'Company', description: string) {
  const Edge = builder.objectRef<ConnectionShape<unknown>['edges'][number]>(`${node}Edge`).implement({
    description: `One ${node.toLowerCase()} of a page, with its cursor.`,
    fields: (t) => ({
      cursor: t.exposeString('cursor', { description: 'Pass as `after` to continue after this item.' }),
      node: t.field({ type: node, description: `The ${node.toLowerCase()}.`, resolve: (e) => e.node as never }),
    }),
  });
  builder.objectType(`${node}Connection`, {
    description,
    fields: (t) => ({
      edges: t.field({ type: [Edge], description: 'The items of this page, in order.', resolve: (c) => c.edges }),
      pageInfo: t.field({ type: PageInfo, description: 'Where this page sits in the list.', resolve: (c) => c.pageInfo }),
      totalCount: t.int({ description: 'All items of the list, across pages.', resolve: (c) => c.totalCount() }),
    }),
  });
}

connection('Job', 'A page of jobs.');
connection('Application', 'A page of applications.');
connection('Company', 'A page of companies.');

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
