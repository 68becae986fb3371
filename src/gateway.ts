import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphQLError } from 'graphql';
import { createYoga, maskError, type YogaServerInstance } from 'graphql-yoga';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { viewerFromHeader } from './auth/viewer';
import { createFastPath } from './cache/fast-path';
import { useResponseCache } from './cache/plugin';
import { memoryKeyv } from './cache/store';
import type { Config } from './config';
import { createContext, type Context, type Services } from './context';
import { EXAMPLE_QUERY, graphiqlTabs } from './graphiql';
import { useDocuments, readManifest } from './plugins/documents';
import { useErrorCodes } from './plugins/error-codes';
import { useQueryLimits } from './plugins/query-limits';
import { useRateLimit } from './plugins/rate-limit';
import { useRequestLog } from './plugins/request-log';
import { useOpsEndpoints } from './ops/endpoints';
import { createMetrics } from './ops/metrics';
import { useSqlStats } from './plugins/sql-stats';
import { schema } from './schema';

export type Gateway = YogaServerInstance<Record<string, unknown>, Context> & {
  /** The Node request handler: cache hits answered before Yoga, everything else by Yoga. */
  serveNode(req: IncomingMessage, res: ServerResponse): void;
};

/** The GraphQL endpoint at /graphql (GraphiQL for browsers), without an HTTP server of its own. */
const tabs = graphiqlTabs();

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
>;

export function createGateway(services: Services, config: GatewayConfig): Gateway {
  const limits = { cost: config.QUERY_MAX_COST };
  const metrics = createMetrics(services);
  const viewerOf = (request: Request) => viewerFromHeader(request.headers.get('authorization'), config.JWT_SECRET);
  const mayRunAnything = (request: Request) => {
    try {
      const role = viewerOf(request)?.role;
      return role === 'ANALYST' || role === 'ADMIN';
    } catch {
      return false;
    }
  };
  const manifest = readManifest();
  const apqStore = config.APQ_ENABLED ? (services.responseCache?.store.keyv ?? memoryKeyv(10_000, 16 * 1024 * 1024)) : null;
  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    context: ({ request }) => createContext(services, viewerOf(request), limits, metrics.onBatch),
    // GraphiQL's assets come from the package, not a CDN: it works with no internet access.
    renderGraphiQL,
    graphiql: { title: 'Chommie Gateway', defaultQuery: EXAMPLE_QUERY, defaultTabs: tabs },
    // Outside development, unexpected errors reach clients as "Unexpected error." with no
    // stack; what went wrong goes to the log.
    maskedErrors: {
      isDev: config.NODE_ENV === 'development',
      maskError(error, message, isDev) {
        const masked = maskError(error, message, isDev);
        if (masked !== error) services.log?.error({ err: (error as GraphQLError).originalError ?? error, path: (error as GraphQLError).path }, 'unexpected error');
        return masked;
      },
    },
    extraParamNames: ['documentId'],
    logging: services.log ?? false,
    plugins: [
      useOpsEndpoints(services, metrics.registry),
      // Documents by id first: everything after reads the query text.
      ...useDocuments({ trusted: config.TRUSTED_DOCUMENTS, mayRunAnything, manifest, apqStore }),
      ...(services.log ? [useRequestLog(services.log, config.SLOW_REQUEST_MS)] : []),
      metrics.plugin,
      ...(services.rateLimiter ? [useRateLimit(services.rateLimiter, viewerOf)] : []),
      ...useQueryLimits(config),
      useSqlStats(config.SQL_STATS),
      useErrorCodes(),
      ...(services.responseCache ? [useResponseCache(services.responseCache, viewerOf, config.SQL_STATS)] : []),
    ],
  });
  const fastPath = services.responseCache
    ? createFastPath({
        cache: services.responseCache,
        viewerOf: (authorization) => viewerFromHeader(authorization, config.JWT_SECRET),
        manifest,
        trusted: config.TRUSTED_DOCUMENTS,
        limiter: services.rateLimiter ?? null,
        sqlStats: config.SQL_STATS,
        onHit: ({ operation, requestId, ms }) => {
          metrics.onFastHit(operation, ms / 1000);
          services.log?.info({ reqId: requestId, operation: operation ?? 'anonymous', type: 'query', status: 200, ms: Math.round(ms * 100) / 100, cache: 'hit' }, 'graphql request');
        },
      })
    : null;
  const serveNode = (req: IncomingMessage, res: ServerResponse) => {
    if (!fastPath) return void yoga(req, res);
    fastPath(req, res).then(
      (answered) => void (answered || yoga(req, res)),
      // Only a broken connection gets here (store errors count as misses): Yoga can still
      // answer when the body was read, else there is nobody left to answer.
      () => void (res.headersSent || (req as { body?: unknown }).body === undefined ? res.destroy() : yoga(req, res)),
    );
  };
  return Object.assign(yoga, { serveNode });
}
