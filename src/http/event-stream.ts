/**
 * Whether a request asks for an event stream, as the proxy in front decides it
 * (deploy/haproxy/haproxy.cfg sends `text/event-stream` anywhere in Accept to its stream backend).
 * Only subscriptions are served so (plugins/subscriptions.ts); the fast path and the response
 * cache leave such requests to that refusal.
 */
export const asksForStream = (accept: string | null | undefined): boolean => /text\/event-stream/i.test(accept ?? '');
