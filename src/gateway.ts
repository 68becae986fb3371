import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { viewerFromHeader } from './auth/viewer';
import { useResponseCache } from './cache/plugin';
import type { Config } from './config';
import { createContext, type Context, type Services } from './context';
import { EXAMPLE_QUERY, graphiqlTabs } from './graphiql';
import { useErrorCodes } from './plugins/error-codes';
import { useSqlStats } from './plugins/sql-stats';
import { schema } from './schema';

export type Gateway = YogaServerInstance<Record<string, unknown>, Context>;

/** The GraphQL endpoint at /graphql (GraphiQL for browsers), without an HTTP server of its own. */
const tabs = graphiqlTabs();

export function createGateway(services: Services, config: Pick<Config, 'SQL_STATS' | 'NODE_ENV' | 'JWT_SECRET'>): Gateway {
  const viewerOf = (request: Request) => viewerFromHeader(request.headers.get('authorization'), config.JWT_SECRET);
  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    context: ({ request }) => createContext(services, viewerOf(request)),
    // GraphiQL's assets come from the package, not a CDN: it works with no internet access.
    renderGraphiQL,
    graphiql: { title: 'Chommie Gateway', defaultQuery: EXAMPLE_QUERY, defaultTabs: tabs },
    maskedErrors: { isDev: config.NODE_ENV === 'development' },
    plugins: [
      useSqlStats(config.SQL_STATS),
      useErrorCodes(),
      ...(services.responseCache ? [useResponseCache(services.responseCache, viewerOf, config.SQL_STATS)] : []),
    ],
  });
}
