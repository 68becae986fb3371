import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

/** Where the gateway answers: VITE_GATEWAY_URL at build (or dev-server start) time. */
export const GATEWAY_URL: string = (import.meta.env.VITE_GATEWAY_URL as string | undefined) || 'http://localhost:4000/graphql';

/** What the gateway adds to every response it executes or answers from its cache. */
interface Extensions {
  sql?: { statements: number; ms: number };
  responseCache?: { hit: boolean; coalesced?: boolean };
}

interface WireError {
  message: string;
  extensions?: { code?: string; retryAfter?: number; argument?: string };
}

/** One request as the page saw it: what the discreet request log shows. */
export interface RequestEntry {
  seq: number;
  operation: string;
  status: number;
  /** True when the response cache answered; undefined when the response says nothing (errors, mutations). */
  hit: boolean | undefined;
  coalesced: boolean;
  sql: { statements: number; ms: number } | undefined;
  /** Round trip measured by the page. */
  ms: number;
  codes: string[];
  requestId: string | null;
}

/**
 * A request that failed as a whole. `code` is the gateway's `extensions.code`
 * (UNAUTHENTICATED, RATE_LIMITED, …) or NETWORK when no answer arrived.
 */
export class GatewayError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
    /** Seconds to wait before retrying (RATE_LIMITED, SERVICE_UNAVAILABLE). */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }
}

// The request log: a small store React reads with useSyncExternalStore.
let entries: RequestEntry[] = [];
let seq = 0;
const listeners = new Set<() => void>();
export const requestLog = {
  subscribe: (listener: () => void) => {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  },
  snapshot: () => entries,
};
function record(entry: RequestEntry) {
  entries = [entry, ...entries].slice(0, 50);
  for (const l of listeners) l();
}

const documentIdOf = (document: TypedDocumentNode<unknown, never>) => (document as { __meta__?: { hash?: string } }).__meta__!.hash!;
// Every generated document is one named operation.
const operationOf = (document: TypedDocumentNode<unknown, never>) => (document.definitions[0] as { name?: { value: string } }).name?.value ?? 'anonymous';

/** Waits `s` seconds, or less if the caller gives up. */
const wait = (s: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, s * 1000);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

export interface RequestOptions {
  token?: string | null;
  signal?: AbortSignal;
}

/**
 * An operation sent by its manifest id only (trusted documents; the text never leaves the
 * page). The body is JSON, so the browser sends a CORS preflight first, answered once per
 * CORS_MAX_AGE_S. No cookies: the token goes in the Authorization header, which works with
 * `CORS_ORIGINS=*` as well as with a list.
 */
function post<Result, Variables>(
  document: TypedDocumentNode<Result, Variables>,
  variables: Variables,
  accept: string,
  options: RequestOptions,
): Promise<Response> {
  return fetch(GATEWAY_URL, {
    method: 'POST',
    mode: 'cors',
    credentials: 'omit',
    signal: options.signal,
    headers: { 'content-type': 'application/json', accept, ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
    body: JSON.stringify({ documentId: documentIdOf(document), variables }),
  });
}

/**
 * One operation, typed by the generated client, sent as `post` says.
 *
 * A refusal that says when to come back (429 RATE_LIMITED, 503 SERVICE_UNAVAILABLE: nothing
 * ran) is retried once after its Retry-After, if that is short. Any other error is thrown as a
 * GatewayError for the page to explain.
 */
export async function request<Result, Variables>(
  document: TypedDocumentNode<Result, Variables>,
  variables: Variables,
  options: RequestOptions = {},
  retried = false,
): Promise<Result> {
  const operation = operationOf(document);
  const started = performance.now();
  let response: Response;
  try {
    response = await post(document, variables, 'application/graphql-response+json', options);
  } catch (err) {
    if (options.signal?.aborted) throw err;
    // A refused CORS check and an unreachable gateway look the same from a page.
    throw new GatewayError(`The gateway at ${GATEWAY_URL} could not be reached (is it running, and does CORS_ORIGINS allow this page?)`, 'NETWORK', 0);
  }
  const body = (await response.json().catch(() => ({}))) as { data?: Result | null; errors?: WireError[]; extensions?: Extensions };
  const errors = body.errors ?? [];
  const retryAfterHeader = Number(response.headers.get('retry-after'));
  record({
    seq: ++seq,
    operation,
    status: response.status,
    hit: body.extensions?.responseCache?.hit,
    coalesced: body.extensions?.responseCache?.coalesced === true,
    sql: body.extensions?.sql,
    ms: Math.round(performance.now() - started),
    codes: errors.map((e) => e.extensions?.code ?? 'ERROR'),
    requestId: response.headers.get('x-request-id'),
  });
  if (body.data != null && response.ok) return body.data;
  const first = errors[0];
  const code = first?.extensions?.code ?? (response.ok ? 'ERROR' : `HTTP_${response.status}`);
  const retryAfter = first?.extensions?.retryAfter ?? (Number.isFinite(retryAfterHeader) && retryAfterHeader > 0 ? retryAfterHeader : null);
  if ((code === 'RATE_LIMITED' || code === 'SERVICE_UNAVAILABLE') && !retried && retryAfter != null && retryAfter <= 10) {
    await wait(retryAfter, options.signal);
    if (!options.signal?.aborted) return request(document, variables, options, true);
  }
  throw new GatewayError(first?.message ?? `HTTP ${response.status}`, code, response.status, retryAfter);
}

/** What to tell a person about an error, by its code. */
export function explain(error: unknown): string {
  if (!(error instanceof GatewayError)) return 'Something went wrong.';
  switch (error.code) {
    case 'UNAUTHENTICATED':
      return 'Your token was refused (expired, or signed with another secret). Paste a new one.';
    case 'FORBIDDEN':
      return 'Your role may not do that (only job seekers apply to jobs).';
    case 'CONFLICT':
      return error.message;
    case 'RATE_LIMITED':
      return `Too many requests: try again in ${error.retryAfter ?? 60} s.`;
    case 'SERVICE_UNAVAILABLE':
      return 'The gateway is busy or its database unreachable: try again shortly.';
    case 'PERSISTED_QUERY_NOT_FOUND':
    case 'PERSISTED_QUERY_ONLY':
      return 'This page and the gateway disagree about the published operations: reload, or update the gateway.';
    case 'BAD_USER_INPUT':
      return error.message;
    case 'QUERY_TOO_COMPLEX':
      return 'This page asked for too much at once (a bug in the page).';
    case 'NETWORK':
      return error.message;
    default:
      return `The gateway answered ${error.code}: ${error.message}`;
  }
}

/** The claims of a development token, read (not verified: the gateway does that) to show who is signed in. */
export function claimsOf(token: string): { userId: string; role: string; exp?: number } | null {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(payload)) as { sub?: unknown; role?: unknown; exp?: unknown };
    if (typeof claims.sub !== 'string' && typeof claims.sub !== 'number') return null;
    return {
      userId: String(claims.sub),
      role: typeof claims.role === 'string' ? claims.role : '?',
      exp: typeof claims.exp === 'number' ? claims.exp : undefined,
    };
  } catch {
    return null;
  }
}

/**
 * A subscription (GraphQL over Server-Sent Events, "distinct connections" as the gateway and
 * graphql-sse speak it), sent by its manifest id like every other operation. `fetch`, not
 * EventSource: EventSource cannot send the Authorization header nor a body. Each `next` event's
 * data goes to `onData`; the stream ends with `onEnd` (the gateway's last error, when it ended it
 * on purpose: an expired token, a restart). Returns the function that stops it.
 */
export function subscribe<Result, Variables>(
  document: TypedDocumentNode<Result, Variables>,
  variables: Variables,
  options: { token?: string | null; onOpen?: () => void; onData: (data: Result) => void; onEnd: (error: GatewayError | null) => void },
): () => void {
  const controller = new AbortController();
  let last: GatewayError | null = null;
  const run = async () => {
    const response = await post(document, variables, 'text/event-stream', { token: options.token, signal: controller.signal });
    if (!response.body) throw new GatewayError(`HTTP ${response.status}`, `HTTP_${response.status}`, response.status);
    options.onOpen?.();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let at: number;
      while ((at = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, at).split('\n');
        buffer = buffer.slice(at + 2);
        // Comment lines are the gateway's heartbeats.
        if (!block.includes('event: next')) continue;
        const data = block.find((l) => l.startsWith('data:'))?.slice(5);
        const body = JSON.parse(data ?? '{}') as { data?: Result | null; errors?: WireError[] };
        const error = body.errors?.[0];
        if (error) last = new GatewayError(error.message, error.extensions?.code ?? 'ERROR', response.status);
        else if (body.data) options.onData(body.data);
      }
    }
  };
  run().then(
    () => options.onEnd(last),
    (err: unknown) => {
      if (controller.signal.aborted) return;
      options.onEnd(err instanceof GatewayError ? err : new GatewayError(`The gateway at ${GATEWAY_URL} could not be reached`, 'NETWORK', 0));
    },
  );
  return () => controller.abort();
}
