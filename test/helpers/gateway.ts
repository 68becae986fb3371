import { createGateway, type Gateway } from '../../src/gateway';
import { openTestDatabase, type TestDatabase } from './db';
import type { Database } from '../../src/db/database';

export interface GqlResponse<T = any> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string; [k: string]: unknown } }[];
  extensions?: { sql?: { statements: number; ms: number }; [k: string]: unknown };
}

export function testGateway(db: Database, config: { SQL_STATS?: boolean } = {}) {
  const gateway: Gateway = createGateway(db, { SQL_STATS: config.SQL_STATS ?? true, NODE_ENV: 'test' });
  const gql = async <T = any>(query: string, variables?: Record<string, unknown>): Promise<GqlResponse<T>> => {
    const res = await gateway.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as GqlResponse<T>;
  };
  return { gateway, gql };
}

/** For a test file: its own database clone and a gateway on it, both torn down afterwards. */
export function useGatewaySuite() {
  const suite = {} as { db: TestDatabase; gql: ReturnType<typeof testGateway>['gql'] };
  beforeAll(async () => {
    suite.db = await openTestDatabase();
    suite.gql = testGateway(suite.db).gql;
  });
  afterAll(() => suite.db.destroy());
  return suite;
}
