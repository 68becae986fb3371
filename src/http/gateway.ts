import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { GraphQLError } from 'graphql';
import { createYoga, maskError, useExecutionCancellation, type YogaServerInstance } from 'graphql-yoga';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createFastPath } from './fast-path';
import { operationType, useResponseCache } from './plugins/response-cache';
import { useHttpCache } from './plugins/http-cache';
import { memoryKeyv } from '../cache/store';
import type { Config } from '../config';
import { createCors } from './cors';
import { createContext, type RequestContext as Context } from './context';
import type { Services } from '../services';
import { isConnectionError } from '../db/connection-errors';
import { graphiqlTabs } from './graphiql';
import { documentLookup, useDocuments, readManifest } from './plugins/documents';
import { useErrorCodes } from './plugins/error-codes';
import { useQueryLimits, useVariableLimits } from './plugins/query-limits';
import { useRateLimit } from './plugins/rate-limit';
import { createEdge, type Arrival } from './edge';
import { EXPORT_RUN, useEdge } from './plugins/edge';
import { useRequestLog } from './plugins/request-log';
import { Admission, AT_CAPACITY } from '../ops/admission';
import { useAdmission } from './plugins/admission';
import { useMetrics } from './plugins/metrics';
import { useOpsEndpoints } from './plugins/ops-endpoints';
import { useExport } from './plugins/export';
import { useGraphiQLPage } from './plugins/graphiql-page';
import { createMetrics, metricsAccess } from '../ops/metrics';
import { useSqlStats } from './plugins/sql-stats';
import { useJit } from './plugins/jit';
import { useSubscriptions } from './plugins/subscriptions';
import { Streams } from '../ops/streams';
import { schema } from '../schema';
import { useTracing } from './plugins/tracing';
import { context as traceContext } from '@opentelemetry/api';
import { tracer } from '../tracing';

export type Gateway = YogaServerInstance<Record<string, unknown>, Context> & {
  /** The Node request handler: bodies read (bounded), cache hits answered before Yoga, everything else by Yoga. */
  serveNode(req: IncomingMessage, res: ServerResponse): void;
  /** The open subscription streams; `streams.endAll()` ends them when the process stops (app.ts). */
  streams: Streams;
  /** This process's metrics, for a METRICS_PORT server of its own (server.ts). */
  metricsText(): Promise<{ text: string; contentType: string }>;
};

export type GatewayConfig = Pick<
  Config,
  | 'SQL_STATS'
  | 'NODE_ENV'
  | 'JWT_SECRET'
  | 'QUERY_MAX_DEPTH'
  | 'QUERY_MAX_ALIASES'
  | 'QUERY_MAX_TOKENS'
  | 'QUERY_MAX_DIRECTIVES'
  | 'QUERY_MAX_COST'
  | 'TRUSTED_DOCUMENTS'
  | 'APQ_ENABLED'
  | 'SLOW_REQUEST_MS'
  | 'MAX_BODY_BYTES'
  | 'MAX_CONCURRENT_EXECUTIONS'
  | 'MAX_QUEUED_EXECUTIONS'
  | 'ADMISSION_DEADLINE_MS'
  | 'CORS_ORIGINS'
  | 'CORS_MAX_AGE_S'
  | 'EXPORT_MAX_ROWS'
  | 'HTTP_CACHE_MAX_AGE_S'
  | 'CACHE_TTL_PAGE_S'
  | 'CACHE_TTL_SEARCH_S'
  | 'CACHE_TTL_LIST_S'
  | 'CACHE_TTL_TRENDING_S'
  | 'CACHE_TTL_PRIVATE_S'
  | 'METRICS_TOKEN'
  | 'SUBSCRIPTIONS_MAX'
  | 'SUBSCRIPTIONS_MAX_PER_VIEWER'
>;

/** The body, or null as soon as it is (or its Content-Length says it will be) over `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length']) > limit) return resolve(null);
    let chunks: Buffer[] = [];
    let size = 0;
    const settle = (body: Buffer | null) => {
      // The error listener stays: an 'error' with none would take the process down.
      req.off('data', onData).off('end', onEnd).off('close', onClose);
      resolve(body);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.pause();
      chunks = [];
      settle(null);
    };
    const onEnd = () => settle(Buffer.concat(chunks, size));
    // Every request closes once answered: an Error (and its stack) only when the body was cut short.
    const onClose = () => reject(new Error('connection closed before the body ended'));
    req.on('data', onData).on('end', onEnd).on('error', reject).on('close', onClose);
  });
}

// Closing a connection with input unread resets it, and the reset can discard the 413 before
// the client has read it. So, like nginx's lingering close, what still arrives is read and
// dropped for a moment first: at most this long and this much.
const LINGER_MS = 2000;
const LINGER_BYTES = 16 * 1024 * 1024;

function refuseBody(req: IncomingMessage, res: ServerResponse, limit: number, headers: Record<string, string>) {
  const body = JSON.stringify({ errors: [{ message: `The request body is larger than ${limit} bytes.`, extensions: { code: 'PAYLOAD_TOO_LARGE', limit } }] });
  res.writeHead(413, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close', ...headers });
  res.once('finish', () => {
    const socket = req.socket;
    // Node half-closes the socket after a `connection: close` response and destroys it once
    // that is flushed: the half-close stays, the destroy waits for the lingering to end.
    // eslint-disable-next-line @typescript-eslint/unbound-method -- the very listener Node added, removed by identity
    socket.removeListener('finish', socket.destroy);
    let dropped = 0;
    const close = () => socket.destroy();
    const timer = setTimeout(close, LINGER_MS).unref();
    socket.once('close', () => clearTimeout(timer));
    req.on('data', (chunk: Buffer) => void ((dropped += chunk.length) > LINGER_BYTES && close())).resume();
  });
  res.end(body);
}

/** The GraphQL endpoint at /graphql (GraphiQL for browsers), without an HTTP server of its own. */
export function createGateway(services: Services, config: GatewayConfig): Gateway {
  const limits = { cost: config.QUERY_MAX_COST };
  const cors = createCors(config);
  const admission = new Admission(config);
  const streams = new Streams(config);
  const metrics = createMetrics(services, admission, streams);
  const edge = createEdge({
    jwtSecret: config.JWT_SECRET,
    limiter: services.rateLimiter ?? null,
    cors,
    log: services.log,
    slowMs: config.SLOW_REQUEST_MS,
    onDone: metrics.onRequestDone,
  });
  const viewerOf = (request: Request) => edge.viewerOf(request);
  const mayRunAnything = (request: Request) => {
    try {
      const role = viewerOf(request)?.role;
      return role === 'ANALYST' || role === 'ADMIN';
    } catch {
      return false;
    }
  };
  const manifest = readManifest();
  // The first tab runs for an anonymous visitor; in trusted mode only manifest operations do.
  const tabs = graphiqlTabs(config.TRUSTED_DOCUMENTS);
  // A query run on behalf of a download (CSV exports): as its caller, so its access and its
  // budget (see Price). The mark is on the server context, which no client can set.
  const runAs = (query: string, variables: Record<string, unknown>, request: Request, pageRows?: number): Promise<Response> =>
    Promise.resolve(
      yoga.fetch(
        'http://gateway.internal/graphql',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ query, variables }),
          signal: request.signal,
        },
        { [EXPORT_RUN]: { outer: edge.of(request) ?? edge.arriveInYoga(request, undefined, null), rows: pageRows } },
      ),
    );
  const apqStore = config.APQ_ENABLED ? (services.responseCache?.store.keyv ?? memoryKeyv(10_000, 16 * 1024 * 1024)) : null;
  const documents = documentLookup(manifest, apqStore, config.TRUSTED_DOCUMENTS);
  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // The policy of CORS_ORIGINS, which the fast path and the refusals written here share.
    cors: cors.yoga,
    context: ({ request, params }) => {
      const type = params?.query ? operationType(params.query, params.operationName) : null;
      return createContext(
        services,
        viewerOf(request),
        limits,
        metrics.onBatch,
        // A subscription's statements are each event's, shared by every stream that hears it
        // (schema/subscription.ts): one client leaving must not cancel them for the others.
        type === 'subscription' ? undefined : request.signal,
        type === 'query',
      );
    },
    // GraphiQL's page is useGraphiQLPage's (compressed, revalidated, one token for every tab).
    graphiql: false,
    // Outside development, unexpected errors reach clients as "Unexpected error." with no
    // stack; what went wrong goes to the log.
    maskedErrors: {
      isDev: config.NODE_ENV === 'development',
      maskError(error, message, isDev) {
        // The database's failure, not the request's: say so with a code (and status) a client
        // can retry on, rather than "Unexpected error." Only what a resolver threw is looked at,
        // never an error that already has a code or a message quoting the client's input.
        const { path, nodes, originalError, extensions } = error as GraphQLError;
        if (!extensions?.code && originalError && isConnectionError(originalError)) {
          services.log?.warn({ err: originalError, path }, 'database unavailable');
          return new GraphQLError('The database is unavailable right now; retry shortly.', {
            path,
            nodes,
            extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503, headers: { 'Retry-After': '1' } } },
          });
        }
        const masked = maskError(error, message, isDev);
        if (masked !== error)
          services.log?.error({ err: (error as GraphQLError).originalError ?? error, path: (error as GraphQLError).path }, 'unexpected error');
        return masked;
      },
    },
    extraParamNames: ['documentId'],
    // Every body is read and bounded by MAX_BODY_BYTES before Yoga sees it (serveNode), and the
    // only other caller is runAs: Yoga's own limit piped each body through a stream again
    // (4 % of the gateway's CPU on a job page, docs/BENCHMARKS.md).
    maxRequestBodySize: false,
    logging: services.log ?? false,
    plugins: [
      // GraphiQL's assets come from the package, not a CDN: it works with no internet access.
      useGraphiQLPage(() => renderGraphiQL({ title: 'Chommie Gateway', defaultQuery: tabs[0].query, defaultTabs: tabs, shouldPersistHeaders: true })),
      useEdge(edge),
      useTracing(),
      // A client that leaves ends its execution at once: no further resolver runs for nobody.
      useExecutionCancellation(),
      useJit(),
      useOpsEndpoints(services, metrics.registry, metricsAccess({ token: config.METRICS_TOKEN, public: config.NODE_ENV !== 'production' })),
      useExport(runAs, viewerOf, config),
      // Before anything walks the variables: some of it recurses.
      useVariableLimits(),
      // Documents by id first: everything after reads the query text.
      ...useDocuments({ trusted: config.TRUSTED_DOCUMENTS, mayRunAnything, manifest, documents, maxTokens: config.QUERY_MAX_TOKENS }),
      useRequestLog(edge),
      // Streams are counted and limited on their own, never by admission (which only executions reach).
      useSubscriptions(streams, edge, services.log),
      useMetrics(metrics),
      // Before the rate limiter's cost charge: a request shed for overload is not charged its cost.
      useAdmission(admission),
      ...(services.rateLimiter ? [useRateLimit(services.rateLimiter, edge)] : []),
      ...useQueryLimits(config),
      useSqlStats(config.SQL_STATS),
      useErrorCodes(),
      ...(services.responseCache ? [useResponseCache(services.responseCache, viewerOf, config.SQL_STATS)] : []),
      // After the response cache: it reads what the result depended on, hit or not.
      useHttpCache(config),
    ],
  });
  const fastPath = services.responseCache
    ? createFastPath({
        cache: services.responseCache,
        edge,
        documents,
        trusted: config.TRUSTED_DOCUMENTS,
        sqlStats: config.SQL_STATS,
        onHit: (operation, seconds) => metrics.onFastHit(operation, seconds),
      })
    : null;
  // A client that left while its body was read or its cache lookup made gets nothing executed
  // (Yoga's abort signal only hears of a close that happens after it is called).
  const overloaded = JSON.stringify({ errors: [{ message: AT_CAPACITY, extensions: { code: 'SERVICE_UNAVAILABLE' } }] });
  const overloadedLength = String(Buffer.byteLength(overloaded));
  const execute = (req: IncomingMessage, res: ServerResponse, body: Buffer, arrival: Arrival) => {
    if (req.socket.destroyed) return admission.gone();
    // Yoga would shed it after parsing and validating it: shed it first, for the same answer.
    if (admission.full()) {
      admission.shedEarly();
      return void Promise.resolve(arrival.charge).then((verdict) => {
        const headers = edge.answerHeaders(arrival, req, verdict);
        res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'content-length': overloadedLength, 'retry-after': '1', ...headers });
        res.end(overloaded);
        edge.finish(arrival, 503);
      });
    }
    (req as IncomingMessage & { body?: Readable }).body = Readable.from([body]);
    void yoga(req, res);
  };
  // A GraphQL request (POST, or GET of a persisted query); not a preflight (CORS's alone) nor
  // GraphiQL's page (a browser's GET asking for HTML). A CSV download, uncharged, only to be traced.
  const arriving = (req: IncomingMessage): Arrival | undefined => {
    const path = req.url ?? '';
    if (path.startsWith('/graphql') && (req.method === 'POST' || (req.method === 'GET' && !req.headers.accept?.includes('text/html')))) return edge.arrive(req);
    if (req.method === 'GET' && path.startsWith('/export/') && tracer()) return edge.arrive(req, null, path.split('?')[0]);
    return undefined;
  };
  // Every body is read here, bounded, once, whichever path answers: Yoga reads it from
  // `req.body` (whatwg-node's parsed-body support). A stream, because whatwg-node lists the
  // keys of a string or Buffer body first: one per byte, seconds for a few MB.
  const serveNode = (req: IncomingMessage, res: ServerResponse) => {
    // Charged on arrival, whichever path answers (Yoga finds the arrival by this message).
    const arrival = arriving(req);
    const serve = () => (req.method === 'POST' ? serveBody(req, res, arrival) : void yoga(req, res));
    if (!arrival?.trace) return serve();
    // A traced request's span ends even when no path answers it (the client left, the connection broke).
    res.once('close', () => edge.finish(arrival, res.statusCode, !res.writableFinished));
    // The request's span is the active context for everything done for it: Yoga's, the
    // loaders' and the statements' spans are its children.
    traceContext.with(arrival.trace.context, serve);
  };
  const serveBody = (req: IncomingMessage, res: ServerResponse, arrival: Arrival | undefined) => {
    readBody(req, config.MAX_BODY_BYTES).then(
      (body) => {
        if (!body) {
          services.log?.info(
            { reqId: arrival?.id, status: 413, url: req.url, contentLength: req.headers['content-length'], limit: config.MAX_BODY_BYTES },
            'request body too large',
          );
          return void Promise.resolve(arrival?.charge ?? null).then((verdict) => {
            refuseBody(req, res, config.MAX_BODY_BYTES, arrival ? edge.answerHeaders(arrival, req, verdict) : cors.headers(req.headers.origin));
            if (arrival) edge.finish(arrival, 413);
          });
        }
        if (!arrival) return void yoga(Object.assign(req, { body: Readable.from([body]) }), res);
        if (!fastPath) return execute(req, res, body, arrival);
        fastPath(req, res, body, arrival).then(
          (answered) => void (answered || execute(req, res, body, arrival)),
          // Store errors count as misses: whatever else failed, Yoga can still answer.
          () => void (res.headersSent ? res.destroy() : execute(req, res, body, arrival)),
        );
      },
      // The client went away mid-body: nobody is left to answer.
      () => res.destroy(),
    );
  };
  const metricsText = async () => ({ text: await metrics.registry.metrics(), contentType: metrics.registry.contentType });
  return Object.assign(yoga, { serveNode, metricsText, streams });
}
