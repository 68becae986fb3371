// The typed client in one import: every operation's document and types (generated/graphql.ts,
// which codegen's own index does not re-export), the `graphql()` function for documents
// written inline, and the id a trusted-documents gateway wants instead of the text.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

export * from './generated/graphql';
export { graphql } from './generated/gql';

/** The manifest id (`sha256:<hex>`) of a document from client/operations/: send it as `documentId`. */
export function documentId<Result, Variables>(document: TypedDocumentNode<Result, Variables>): string {
  const hash = (document as { __meta__?: { hash?: string } }).__meta__?.hash;
  if (!hash) throw new Error('this document is not in the persisted-documents manifest (write it in client/operations/ and run npm run codegen)');
  return hash;
}
