import { createHash } from 'node:crypto';
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../../config';
import { resultTtlMs, ttlMsOf, type TtlConfig } from '../../cache/ttl';
import type { RequestContext as Context } from '../context';
import { resultHints, type ResultHints } from './response-cache';

export type HttpCacheConfig = TtlConfig & Pick<Config, 'HTTP_CACHE_MAX_AGE_S'>;

/** A GET that names its document by id (manifest `documentId` or APQ hash): the only requests an HTTP cache may store. */
function persistedGet(request: Request): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const search = new URL(request.url).searchParams;
  if (search.get('documentId')) return true;
  try {
    const ext = JSON.parse(search.get('extensions') ?? 'null') as { persistedQuery?: { sha256Hash?: unknown } } | null;
    return typeof ext?.persistedQuery?.sha256Hash === 'string';
  } catch {
    return false;
  }
}

/** What a request's answer may be kept as, once known: shared (for `maxAgeS`), or by nobody. */
type Verdict = { public: true; maxAgeS: number } | { public: false; readViewer: boolean };

const NO_STORE: Verdict = { public: false, readViewer: false };

// Weak comparison, as RFC 9110 asks for If-None-Match: a list, `*`, W/ prefixes ignored.
const matches = (ifNoneMatch: string, etag: string) => ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);

/**
 * HTTP caching of public persisted reads. A GET of a persisted query, without Authorization,
 * whose result read nobody's identity (RequestCacheState.private) and has no error, is
 * `public, max-age=s, s-maxage=s` with an ETag (and 304 for a matching If-None-Match); s is the
 * response cache's TTL for what it read, capped by HTTP_CACHE_MAX_AGE_S. Everything else on
 * /graphql is `no-store` (`private, no-store` when it read the viewer).
 *
 * The cap is short because an HTTP cache cannot hear of writes: the response cache drops an
 * entry the moment a write touches what it read (tags), an edge copy lives out its max-age. So
 * HTTP_CACHE_MAX_AGE_S is how stale an edge (or browser) copy can be after a write.
 *
 * Authorization is never in Vary: an authorized request is simply never answered `public`, so no
 * shared cache stores what a token saw (and the VCL passes such requests: they never get a
 * shared copy either). The body depends on Origin (CORS headers, cors.ts adds it to Vary) and
 * Accept (the media type Yoga picks), both in Vary.
 *
 * Shareable bodies leave out `responseCache` and `sql` extensions: they say how this instance
 * answered this once, meaningless in a copy served a thousand times, and would make a hit's
 * bytes (and ETag) differ from the miss's.
 */
export function useHttpCache(config: HttpCacheConfig, endpoint = '/graphql'): Plugin<Context> {
  const candidates = new WeakMap<Request, { shareable: boolean; context?: Context }>();
  const verdicts = new WeakMap<Request, Verdict>();
  const cap = config.HTTP_CACHE_MAX_AGE_S;

  const hintsOfContext = (ctx: Context): ResultHints => ({ private: ctx.cache.private, ttlMs: resultTtlMs((k) => ttlMsOf(config, k), ctx.cache) });

  return {
    onParams({ request }) {
      candidates.set(request, { shareable: cap > 0 && persistedGet(request) && !request.headers.get('authorization') });
    },
    onExecute({ args }) {
      const ctx = args.contextValue as Context & { request: Request };
      const candidate = candidates.get(ctx.request);
      if (candidate) candidate.context = ctx;
    },
    // After the response cache's hook (this plugin comes after it): it sees the final result.
    // eslint-disable-next-line @typescript-eslint/unbound-method -- Envelop's hook arguments are meant to be destructured
    onResultProcess({ request, result, setResult }) {
      const candidate = candidates.get(request);
      if (!candidate) return;
      if (Array.isArray(result) || Symbol.asyncIterator in (result as object)) return;
      const r = result as ExecutionResult;
      // Served from the response cache (or another request's execution): its hints; else this one's.
      const hints = resultHints(request) ?? (candidate.context && hintsOfContext(candidate.context));
      if (!hints || !r.data || r.errors?.length) return void verdicts.set(request, hints?.private ? { public: false, readViewer: true } : NO_STORE);
      if (hints.private || !candidate.shareable) return void verdicts.set(request, { public: false, readViewer: hints.private });
      verdicts.set(request, { public: true, maxAgeS: Math.max(0, Math.min(cap, Math.floor(hints.ttlMs / 1000))) });
      if (r.extensions) {
        const { responseCache: _hit, sql: _sql, ...rest } = r.extensions;
        setResult({ ...r, extensions: Object.keys(rest).length ? rest : undefined });
      }
    },
    // eslint-disable-next-line @typescript-eslint/unbound-method -- as above
    async onResponse({ request, response, setResponse, fetchAPI }) {
      if (new URL(request.url).pathname !== endpoint || request.method === 'OPTIONS') return;
      // No GraphQL result, and an answer that set its own caching (GraphiQL's page: revalidated by its ETag).
      if (!verdicts.has(request) && response.headers.has('cache-control')) return;
      const verdict = verdicts.get(request) ?? NO_STORE;
      if (!verdict.public || verdict.maxAgeS === 0 || response.status !== 200) {
        response.headers.set('cache-control', 'readViewer' in verdict && verdict.readViewer ? 'private, no-store' : 'no-store');
        return;
      }
      const body = await response.text();
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
      const headers = new Headers(response.headers);
      headers.set('cache-control', `public, max-age=${verdict.maxAgeS}, s-maxage=${verdict.maxAgeS}`);
      headers.set('etag', etag);
      if (!/(^|,)\s*accept\s*(,|$)/i.test(headers.get('vary') ?? '')) headers.append('vary', 'Accept');
      const ifNoneMatch = request.headers.get('if-none-match');
      if (ifNoneMatch && matches(ifNoneMatch, etag)) {
        headers.delete('content-length');
        headers.delete('content-type');
        setResponse(new fetchAPI.Response(null, { status: 304, headers }));
      } else {
        headers.delete('content-length');
        setResponse(new fetchAPI.Response(body, { status: 200, headers }));
      }
    },
  };
}
