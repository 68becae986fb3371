import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GraphQLError } from 'graphql';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { Keyv } from 'keyv';
import { fromRoot } from '../../paths';

/** The manifest codegen writes: `sha256:<hex>` → document text. */
export const MANIFEST_PATH = fromRoot('client', 'generated', 'persisted-documents.json');

export const readManifest = (path = MANIFEST_PATH) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;

const APQ_TTL_MS = 24 * 3600 * 1000;

/** `sha256:<hex>` from `documentId` (GraphQL-over-HTTP) or an APQ `persistedQuery` extension. */
function documentIdOf(params: GraphQLParams & { documentId?: unknown }): string | null {
  if (typeof params.documentId === 'string') return params.documentId;
  const apq = (params.extensions as { persistedQuery?: { version?: number; sha256Hash?: unknown } } | undefined)?.persistedQuery;
  return apq?.version === 1 && typeof apq.sha256Hash === 'string' ? `sha256:${apq.sha256Hash}` : null;
}

const error = (message: string, code: string, status: number) => new GraphQLError(message, { extensions: { code, http: { status } } });

export interface DocumentsOptions {
  /** Only manifest documents run, except for requests `mayRunAnything` accepts. */
  trusted: boolean;
  mayRunAnything: (request: Request) => boolean;
  manifest: Record<string, string>;
  /** Automatic persisted queries (registration by hash + query) when set; never in trusted mode. */
  apqStore: Keyv | null;
}

/**
 * Documents by id: the codegen manifest (trusted documents), and, outside trusted mode,
 * Automatic Persisted Queries registered by clients. In trusted mode an arbitrary query is
 * refused (ANALYST and ADMIN excepted, for GraphiQL), and nothing can be registered.
 */
export function useDocuments(options: DocumentsOptions): Plugin[] {
  const apq = options.trusted ? null : options.apqStore;
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
    allowArbitraryOperations: options.trusted ? options.mayRunAnything : true,
    extractPersistedOperationId: documentIdOf,
    getPersistedOperation: async (id) => options.manifest[id] ?? (apq ? ((await apq.get<string>(`apq:${id}`).catch(() => undefined)) ?? null) : null),
    customErrors: {
      // The message Apollo-style clients look for before resending with the query.
      notFound: { message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', http: { status: options.trusted ? 400 : 200 } } },
      keyNotFound: { message: 'Must provide query string or documentId.', extensions: { code: 'BAD_REQUEST', http: { spec: true, status: 400 } } },
      persistedQueryOnly: {
        message:
          'This gateway runs trusted documents only: send the documentId of an operation from the published manifest (ANALYST and ADMIN tokens may send any query).',
        extensions: { code: 'PERSISTED_QUERY_ONLY', http: { status: 400 } },
      },
    },
  });
  return [register, lookup as Plugin];
}
