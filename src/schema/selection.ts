import { Kind, type FieldNode, type FragmentDefinitionNode, type GraphQLResolveInfo, type SelectionNode } from 'graphql';

function fieldsOf(selections: readonly SelectionNode[], fragments: Record<string, FragmentDefinitionNode>, out: FieldNode[]): FieldNode[] {
  for (const s of selections) {
    if (s.kind === Kind.FIELD) out.push(s);
    else if (s.kind === Kind.INLINE_FRAGMENT) fieldsOf(s.selectionSet.selections, fragments, out);
    else if (fragments[s.name.value]) fieldsOf(fragments[s.name.value].selectionSet.selections, fragments, out);
  }
  return out;
}

/** The fields a query selects at one place, by name, with their nodes (aliases and fragments merged). */
export type Selection = ReadonlyMap<string, readonly FieldNode[]>;

const memo = new WeakMap<readonly FieldNode[], Map<string, Selection>>();

/**
 * The fields a query selects under the field being resolved, `path` below it (e.g.
 * `edges.node` of a connection), through fragments. @skip and @include are not evaluated: the
 * selection may hold more than runs, never less. Memoized on the field's nodes, which the
 * executor shares between the items of a list (and a compiled query between its executions).
 */
export function selectedFields(info: GraphQLResolveInfo, path: readonly string[] = []): Selection {
  const key = path.join('.');
  let byPath = memo.get(info.fieldNodes);
  const found = byPath?.get(key);
  if (found) return found;
  let nodes: readonly FieldNode[] = info.fieldNodes;
  for (const step of path) {
    nodes = nodes.flatMap((n) => (n.selectionSet ? fieldsOf(n.selectionSet.selections, info.fragments, []).filter((f) => f.name.value === step) : []));
  }
  const selection = new Map<string, FieldNode[]>();
  for (const n of nodes) {
    if (!n.selectionSet) continue;
    for (const f of fieldsOf(n.selectionSet.selections, info.fragments, [])) selection.set(f.name.value, [...(selection.get(f.name.value) ?? []), f]);
  }
  if (!byPath) memo.set(info.fieldNodes, (byPath = new Map<string, Selection>()));
  byPath.set(key, selection);
  return selection;
}
