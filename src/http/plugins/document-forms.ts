import { getIntrospectionQuery, parse, print, visit, type ASTNode, type IntrospectionOptions } from 'graphql';

const byName = <T extends { name: { value: string } }>(nodes: readonly T[] | undefined) =>
  nodes && [...nodes].sort((a, b) => (a.name.value < b.name.value ? -1 : a.name.value > b.name.value ? 1 : 0));
const byText = <T extends ASTNode>(nodes: readonly T[]) =>
  nodes
    .map((node) => [print(node), node] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, node]) => node);

/**
 * One text for every spelling of a document: printed without comments or layout, with the
 * orders that do not change what it asks for sorted (definitions, variable definitions,
 * selections, arguments, input-object fields). Lists and directives keep their order. Two
 * documents with the same form select the same fields with the same arguments, so they cost
 * the same and answer the same data (only the order of keys in the response may differ).
 * Null when the text does not parse (or has more than `maxTokens` tokens: this runs before the
 * token limit does).
 */
export function canonicalDocument(text: string, maxTokens: number): string | null {
  let document;
  try {
    document = parse(text, { noLocation: true, maxTokens });
  } catch {
    return null;
  }
  const sorted = visit(document, {
    // On leave: the children are already in their form, so printing them gives a total order.
    SelectionSet: { leave: (node) => ({ ...node, selections: byText(node.selections) }) },
    Field: { leave: (node) => ({ ...node, arguments: byName(node.arguments) }) },
    ObjectValue: { leave: (node) => ({ ...node, fields: byName(node.fields) }) },
    OperationDefinition: {
      leave: (node) => ({
        ...node,
        variableDefinitions: node.variableDefinitions && [...node.variableDefinitions].sort((a, b) => (a.variable.name.value < b.variable.name.value ? -1 : 1)),
      }),
    },
    Document: { leave: (node) => ({ ...node, definitions: byText(node.definitions) }) },
  });
  return print(sorted);
}

/**
 * The introspection documents anyone may run in trusted mode: graphql-js's standard
 * introspection query (what GraphiQL's docs pane, codegen and most tools send) with any
 * combination of its options, at its default depth of nested `ofType` (9). Only these exact
 * documents (in any spelling, see canonicalDocument): an arbitrary introspection query can nest
 * `fields { type { fields … } }` and make an answer exponential in its depth, and the depth
 * limit does not count under `__schema` (graphql-armor's ignoreIntrospection).
 */
export function introspectionDocuments(): Map<string, string> {
  const flags = [
    'descriptions',
    'specifiedByUrl',
    'directiveIsRepeatable',
    'schemaDescription',
    'inputValueDeprecation',
    'experimentalDirectiveDeprecation',
    'oneOf',
  ] as const;
  const forms = new Map<string, string>();
  for (let bits = 0; bits < 1 << flags.length; bits++) {
    const options = Object.fromEntries(flags.map((flag, i) => [flag, (bits & (1 << i)) !== 0])) as IntrospectionOptions;
    const text = getIntrospectionQuery(options);
    forms.set(canonicalDocument(text, Number.POSITIVE_INFINITY)!, text);
  }
  return forms;
}
