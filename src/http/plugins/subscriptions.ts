import type { IncomingMessage } from 'node:http';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { Repeater, type Plugin } from 'graphql-yoga';
import { expiryOf } from '../../auth/viewer';
import { SubscriberTooSlowError } from '../../events/bus';
import type { Logger } from '../../log';
import type { StreamRefusal, Streams } from '../../ops/streams';
import type { RequestContext as Context } from '../context';
import type { Edge } from '../edge';
import { asksForStream } from '../event-stream';
import { operationType } from './response-cache';

const REFUSALS: Record<StreamRefusal, (s: Streams) => string> = {
  off: () => 'subscriptions are not served by this gateway (SUBSCRIPTIONS_MAX=0)',
  instance: (s) => `this gateway has ${s.limits.SUBSCRIPTIONS_MAX} subscriptions open, its limit (SUBSCRIPTIONS_MAX): retry shortly`,
  viewer: (s) => `you have ${s.limits.SUBSCRIPTIONS_MAX_PER_VIEWER} subscriptions open, the most one viewer may (SUBSCRIPTIONS_MAX_PER_VIEWER): end one first`,
  stopping: () => 'this gateway is stopping: subscribe again (another instance will answer)',
};

const refusal = (why: StreamRefusal, streams: Streams) =>
  new GraphQLError(REFUSALS[why](streams), {
    extensions:
      why === 'off'
        ? // Not 503: nothing to retry, no Retry-After; the code says to stop trying.
          { code: 'SUBSCRIPTIONS_NOT_SERVED', http: { status: 501 } }
        : why === 'stopping'
          ? { code: 'SERVICE_UNAVAILABLE', http: { status: 503, headers: { 'Retry-After': '1' } } }
          : {
              code: 'TOO_MANY_SUBSCRIPTIONS',
              limit: why === 'viewer' ? streams.limits.SUBSCRIPTIONS_MAX_PER_VIEWER : streams.limits.SUBSCRIPTIONS_MAX,
              http: { status: 429 },
            },
  });

const notAStream = () =>
  new GraphQLError('only subscriptions are served over Server-Sent Events: send queries and mutations with Accept: application/json', {
    extensions: { code: 'SUBSCRIPTIONS_ONLY_OVER_SSE', http: { status: 406 } },
  });

/** The last event of a stream the gateway ends, saying why: a client knows to subscribe again, with a new token if need be. */
const ENDINGS = {
  expired: () => new GraphQLError('your token has expired: subscribe again with a new one', { extensions: { code: 'UNAUTHENTICATED' } }),
  shutdown: () => new GraphQLError('this gateway is stopping: subscribe again (another instance will answer)', { extensions: { code: 'SERVICE_UNAVAILABLE' } }),
  // Its bus subscription was ended (events/bus.ts): the client stopped reading and fell behind.
  tooSlow: (err: SubscriberTooSlowError) => new GraphQLError(err.message, { extensions: { code: err.code, backlog: err.backlog } }),
};

// setTimeout's longest delay; a token's expiry further off (tokens live 30 days at most) is re-armed.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Subscriptions at the edge: each stream takes a place among Streams' (refused with
 * TOO_MANY_SUBSCRIPTIONS past the limits), ends when its token expires or the process stops
 * (with a last event saying why), counts the events it delivers, and writes a log line when it
 * ends (the edge's line, written when the stream starts, is its start). Admission control never
 * sees a stream: its hooks are the executions' (onExecute), which a subscription has none of.
 *
 * A query or mutation asking for an event stream is refused (SUBSCRIPTIONS_ONLY_OVER_SSE, 406):
 * the proxy sends such requests to its stream backend, whose connections the execution limit
 * does not bound (it must hold thousands of idle streams), so answering them there would let
 * any client step around that limit by adding an Accept header.
 */
export function useSubscriptions(streams: Streams, edge: Edge, log?: Logger): Plugin<Context> {
  return {
    // At the parameters, not the execution: a response cache hit is answered there.
    onParams({ params, request, setResult }) {
      if (!asksForStream(request.headers.get('accept')) || !params.query) return;
      const type = operationType(params.query, params.operationName);
      if (type === 'query' || type === 'mutation') setResult({ errors: [notAStream()] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue as Context & { request: Request; req?: IncomingMessage };
      const arrival = edge.of(ctx.request);
      const viewer = edge.viewerOf(ctx.request);
      const who = viewer ? `user:${viewer.userId}` : `client:${arrival?.client || ctx.req?.socket?.remoteAddress || 'unknown'}`;
      let end: ((reason: 'expired' | 'shutdown') => void) | undefined;
      const release = streams.take(who, (reason) => end?.(reason));
      if (typeof release === 'string') return void setResultAndStopExecution({ errors: [refusal(release, streams)] });
      const expires = viewer ? expiryOf(ctx.request.headers.get('authorization')) : null;
      const started = performance.now();
      return {
        onSubscribeError: () => release(),
        onSubscribeResult({ result, setResult }) {
          if (!(Symbol.asyncIterator in (result as object))) return release();
          const source = result as AsyncIterable<ExecutionResult>;
          let delivered = 0;
          let reason = 'client left';
          setResult(
            new Repeater<ExecutionResult>(async (push, stop) => {
              let timer: NodeJS.Timeout | undefined;
              end = (why: 'expired' | 'shutdown') => {
                reason = why;
                void push({ errors: [ENDINGS[why]()] });
                stop();
              };
              const arm = () => {
                const left = expires! - Date.now();
                timer = left > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS) : setTimeout(() => end?.('expired'), Math.max(0, left));
              };
              if (expires !== null) arm();
              const iterator = source[Symbol.asyncIterator]();
              let stopped = false;
              void stop.then(() => {
                stopped = true;
                return iterator.return?.();
              });
              try {
                for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
                  delivered++;
                  streams.delivered++;
                  await push(next.value);
                }
                if (!stopped) reason = 'completed';
              } catch (err) {
                // The executor hands the source's error on wrapped in a GraphQLError.
                const cause = err instanceof GraphQLError ? (err.originalError ?? err) : err;
                if (!(cause instanceof SubscriberTooSlowError)) throw err;
                reason = 'too slow';
                void push({ errors: [ENDINGS.tooSlow(cause)] });
              } finally {
                clearTimeout(timer);
                release();
                stop();
                log?.info(
                  {
                    reqId: arrival?.id,
                    operation: arrival?.operation?.name ?? 'anonymous',
                    type: 'subscription',
                    ms: Math.round(performance.now() - started),
                    events: delivered,
                    reason,
                  },
                  'subscription ended',
                );
              }
            }),
          );
        },
      };
    },
  };
}
