// A GraphQL-over-SSE reader for tests ("distinct connections" mode, as Yoga and graphql-sse's
// client speak it): one subscription per request, `event: next` with a result, `event: complete`.

export type SseEvent = { event: 'next'; data: any } | { event: 'complete' };

export interface SseStream {
  status: number;
  headers: Headers;
  /** The next event, or 'nothing' when none comes within `ms` (a timed-out wait is taken up again by the next call). */
  next(ms?: number): Promise<SseEvent | 'nothing' | 'closed'>;
  /** Comment lines (heartbeats) seen so far. */
  readonly pings: number;
  close(): Promise<void>;
}

/** Reads an event stream's body into events. */
export function readSse(res: Response): SseStream {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const queue: (SseEvent | 'closed')[] = [];
  const waiters: ((e: SseEvent | 'closed') => void)[] = [];
  let pings = 0;
  let buffer = '';
  const emit = (e: SseEvent | 'closed') => {
    const waiter = waiters.shift();
    if (waiter) waiter(e);
    else queue.push(e);
  };
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let at: number;
        while ((at = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          const lines = block.split('\n');
          if (lines.every((l) => l.startsWith(':'))) {
            pings++;
            continue;
          }
          const event = lines
            .find((l) => l.startsWith('event:'))
            ?.slice(6)
            .trim();
          const data = lines
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trim())
            .join('\n');
          if (event === 'complete') emit({ event: 'complete' });
          else emit({ event: 'next', data: JSON.parse(data) });
        }
      }
    } catch {
      // cancelled
    }
    emit('closed');
  })();
  return {
    status: res.status,
    headers: res.headers,
    get pings() {
      return pings;
    },
    next: timedReader(() => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((r) => waiters.push(r)))),
    close: () => reader.cancel().catch(() => undefined),
  };
}

/**
 * Reads with a time limit: the next of what `take` gives, or 'nothing' when it takes longer
 * than `ms`. At most one take is pending: a timed-out one is what the next call waits for.
 */
export function timedReader<T>(take: () => Promise<T>): (ms?: number) => Promise<T | 'nothing'> {
  let pending: Promise<T> | undefined;
  return async (ms = 3000) => {
    pending ??= take();
    let timer!: NodeJS.Timeout;
    const none = new Promise<'nothing'>((r) => (timer = setTimeout(() => r('nothing'), ms)));
    const got = await Promise.race([pending, none]);
    clearTimeout(timer);
    if (got !== 'nothing') pending = undefined;
    return got;
  };
}

/** Opens a subscription on `fetch` (a gateway's, or global fetch against a URL). */
export async function subscribe(
  fetchFn: (url: string, init: RequestInit) => Promise<Response> | Response,
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<SseStream> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' };
  if (token) headers.authorization = `Bearer ${token}`;
  return readSse(await fetchFn(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) }));
}
