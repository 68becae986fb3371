import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { viewerFromHeader } from './auth/viewer';
import { useResponseCache } from './cache/plugin';
import type { Config } from './config';
import { createContext, type Context, type Services } from './context';
import { EXAMPLE_QUERY, graphiqlTabs } from './graphiql';
import { useErrorCodes } from './plugins/error-codes';
import { useQueryLimits } from './plugins/query-limits';
import { useOpsEndpoints } from './ops/endpoints';
import { createMetrics } from './ops/metrics';
import { useSqlStats } from './plugins/sql-stats';
import { schema } from './schema';

export type Gateway = YogaServerInstance<Record<string, unknown>, Context>;

/** The GraphQL endpoint at /graphql (GraphiQL for browsers), without an HTTP server of its own. */
const tabs = graphiqlTabs();

export type GatewayConfig = Pick<
  Config,
  'SQL_STATS' | 'NODE_ENV' | 'JWT_SECRET' | 'QUERY_MAX_DEPTH' | 'QUERY_MAX_ALIASES' | 'QUERY_MAX_TOKENS' | 'QUERY_MAX_DIRECTIVES' | 'QUERY_MAX_COST'
>;

export function createGateway(services: Services, config: GatewayConfig): Gateway {
  const limits = { cost: config.QUERY_MAX_COST };
  const metrics = createMetrics(services);
  const viewerOf = (request: Request) => viewerFromHeader(request.headers.get('authorization'), config.JWT_SECRET);
  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    context: ({ request }) => createContext(services, viewerOf(request), limits),
    // GraphiQL's assets come from the package, not a CDN: it works with no internet access.
    renderGraphiQL,
    graphiql: { title: 'Chommie Gateway', defaultQuery: EXAMPLE_QUERY, defaultTabs: tabs },
    maskedErrors: { isDev: config.NODE_ENV === 'development' },
    plugins: [
      useOpsEndpoints(services, metrics.registry),
      metrics.plugin,
      ...useQueryLimits(config),
      useSqlStats(config.SQL_STATS),
      useErrorCodes(),
      ...(services.responseCache ? [useResponseCache(services.responseCache, viewerOf, config.SQL_STATS)] : []),
    ],
  });
}
