import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GraphQLError } from 'graphql';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { Keyv } from 'keyv';
import { fromRoot } from '../../paths';
import { canonicalDocument, introspectionDocuments } from './document-forms';

/** The manifest codegen writes: `sha256:<hex>` → document text. */
export const MANIFEST_PATH = fromRoot('client', 'generated', 'persisted-documents.json');

export const readManifest = (path = MANIFEST_PATH) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;

const APQ_TTL_MS = 24 * 3600 * 1000;

/** `sha256:<hex>` from `documentId` (GraphQL-over-HTTP) or an APQ `persistedQuery` extension. */
export function documentIdOf(params: { documentId?: unknown; extensions?: unknown }): string | null {
  if (typeof params.documentId === 'string') return params.documentId;
  const apq = (params.extensions as { persistedQuery?: { version?: number; sha256Hash?: unknown } } | undefined)?.persistedQuery;
  return apq?.version === 1 && typeof apq.sha256Hash === 'string' ? `sha256:${apq.sha256Hash}` : null;
}

const error = (message: string, code: string, status: number) => new GraphQLError(message, { extensions: { code, http: { status } } });

/**
 * The text of a document by id: the manifest's, else (outside trusted mode) one a client
 * registered as an APQ. The one lookup both the fast path and the documents plugin use.
 */
export function documentLookup(manifest: Record<string, string>, apqStore: Keyv | null, trusted: boolean) {
  const apq = trusted ? null : apqStore;
  return {
    apq,
    // A store failure is a miss: the client resends the query (APQ) or the lookup refuses it.
    text: async (id: string): Promise<string | null> => manifest[id] ?? (apq ? ((await apq.get<string>(`apq:${id}`).catch(() => undefined)) ?? null) : null),
  };
}

export interface DocumentsOptions {
  /** Only manifest documents run, except for requests `mayRunAnything` accepts. */
  trusted: boolean;
  mayRunAnything: (request: Request) => boolean;
  manifest: Record<string, string>;
  /** Documents by id (documentLookup); APQ registration when it has a store. */
  documents: ReturnType<typeof documentLookup>;
  /** The token limit, applied to the texts looked at here before Yoga's parse does. */
  maxTokens: number;
}

/**
 * In trusted mode, the query texts anyone may send, for GraphiQL: a manifest document in any
 * spelling (GraphiQL's tabs show the operation files, with comments and layout) is run as that
 * manifest document, by its id; the standard introspection query (its docs pane) as graphql-js
 * writes it (see introspectionDocuments). Either way the text that runs is the server's own,
 * not the one sent, and every limit applies as to any request. Anything else is left to the
 * lookup, which refuses it unless the viewer may run anything.
 */
function useTrustedTexts(options: DocumentsOptions, introspecting: WeakSet<Request>): Plugin {
  const manifest = new Map<string, string>();
  for (const [id, text] of Object.entries(options.manifest)) {
    const form = canonicalDocument(text, Number.POSITIVE_INFINITY);
    if (form) manifest.set(form, id);
  }
  let introspection: Map<string, string> | undefined;
  return {
    onParams({ request, params, setParams }) {
      if (typeof params.query !== 'string' || documentIdOf(params) !== null || options.mayRunAnything(request)) return;
      const form = canonicalDocument(params.query, options.maxTokens);
      if (!form) return;
      const id = manifest.get(form);
      if (id) return setParams({ ...params, query: undefined, documentId: id } as GraphQLParams);
      // Built on first use: 128 documents parsed and printed once.
      const text = (introspection ??= introspectionDocuments()).get(form);
      if (text) {
        introspecting.add(request);
        setParams({ ...params, query: text });
      }
    },
  };
}

/**
 * `GET /graphql?documentId=…`: Yoga reads only query, variables, operationName and extensions
 * from a query string (`extraParamNames` is for bodies), so a persisted read by GET would lose
 * its id. GET is how an HTTP cache or a plain link can fetch a persisted read.
 */
const fromQueryString: Plugin = {
  onParams({ request, params, setParams }) {
    if (request.method !== 'GET' || (params as { documentId?: unknown }).documentId !== undefined) return;
    const id = new URL(request.url).searchParams.get('documentId');
    if (id) setParams({ ...params, documentId: id } as GraphQLParams);
  },
};

/**
 * Documents by id: the codegen manifest (trusted documents), and, outside trusted mode,
 * Automatic Persisted Queries registered by clients. In trusted mode an arbitrary query is
 * refused (ANALYST and ADMIN excepted, for GraphiQL), and nothing can be registered; a
 * manifest document sent as text, and the standard introspection query, run for anyone.
 */
export function useDocuments(options: DocumentsOptions): Plugin[] {
  const { apq } = options.documents;
  // Requests whose query useTrustedTexts made the standard introspection: the lookup lets them run.
  const introspecting = new WeakSet<Request>();
  const register: Plugin = {
    // Before the lookup below, so it sees only queries the client sent, not looked-up ones.
    async onParams({ params }) {
      const id = documentIdOf(params);
      if (!apq || !params.query || !id) return;
      const actual = `sha256:${createHash('sha256').update(params.query).digest('hex')}`;
      if (id !== actual) throw error('PersistedQueryMismatch: the hash is not the sha256 of the query', 'PERSISTED_QUERY_MISMATCH', 400);
      // Registration is an optimisation: a store failure costs the client a resend, never the request.
      await apq.set(`apq:${id}`, params.query, APQ_TTL_MS).catch(() => undefined);
    },
  };
  const lookup = usePersistedOperations({
    allowArbitraryOperations: options.trusted ? (request) => introspecting.has(request) || options.mayRunAnything(request) : true,
    extractPersistedOperationId: documentIdOf,
    getPersistedOperation: options.documents.text,
    customErrors: {
      // The message Apollo-style clients look for before resending with the query.
      notFound: { message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', http: { status: options.trusted ? 400 : 200 } } },
      keyNotFound: { message: 'Must provide query string or documentId.', extensions: { code: 'BAD_REQUEST', http: { spec: true, status: 400 } } },
      persistedQueryOnly: {
        message:
          'This gateway runs trusted documents only: send the documentId of an operation from the published manifest, or its text as published (ANALYST and ADMIN tokens may send any query).',
        extensions: { code: 'PERSISTED_QUERY_ONLY', http: { status: 400 } },
      },
    },
  });
  return [fromQueryString, register, ...(options.trusted ? [useTrustedTexts(options, introspecting)] : []), lookup as Plugin];
}
