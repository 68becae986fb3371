import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { buildClientSchema, getIntrospectionQuery, type IntrospectionQuery } from 'graphql';
import { graphiqlTabs } from '../../../src/http/graphiql';
import { readManifest } from '../../../src/http/plugins/documents';
import { fromRoot } from '../../../src/paths';
import { openTestDatabase, type TestDatabase } from '../../helpers/db';
import jwt from 'jsonwebtoken';
import { TEST_JWT_SECRET, testGateway, tokenFor } from '../../helpers/gateway';

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(() => db.destroy());

const manifest = readManifest();
const [trendingId] = Object.entries(manifest).find(([, doc]) => doc.startsWith('query Trending'))!;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const apq = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

describe('trusted documents (the production default)', () => {
  let gql: ReturnType<typeof testGateway>['gql'];
  beforeAll(() => {
    ({ gql } = testGateway(db, { config: { TRUSTED_DOCUMENTS: true } }));
  });

  it('runs a manifest operation by documentId or by its APQ hash', async () => {
    const byId = await gql('', undefined, { body: { documentId: trendingId, variables: { days: 30, first: 3 } } });
    expect(byId.errors).toBeUndefined();
    expect(byId.data.trendingJobs.length).toBeGreaterThan(0);
    const byHash = await gql('', undefined, { body: { extensions: apq(trendingId.slice('sha256:'.length)), variables: { days: 30, first: 3 } } });
    expect(byHash.data).toEqual(byId.data);
  });

  it('refuses any other query, and ids outside the manifest', async () => {
    const arbitrary = await gql('{ jobs(first: 1) { totalCount } }');
    expect(arbitrary.status).toBe(400);
    expect(arbitrary.errors?.[0].extensions?.code).toBe('PERSISTED_QUERY_ONLY');
    expect(arbitrary.data).toBeUndefined();
    const unknown = await gql('', undefined, { body: { documentId: `sha256:${sha256('{ __typename }')}` } });
    expect(unknown.errors?.[0].extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('cannot be widened by registering a query through APQ', async () => {
    const query = '{ jobs(first: 1) { totalCount } }';
    const register = await gql('', undefined, { body: { query, extensions: apq(sha256(query)) } });
    expect(register.errors?.[0].extensions?.code).toBe('PERSISTED_QUERY_ONLY');
    const use = await gql('', undefined, { body: { extensions: apq(sha256(query)) } });
    expect(use.errors?.[0].extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('lets analysts and admins send any query (GraphiQL), but not seekers or bad tokens', async () => {
    const query = '{ jobs(first: 1) { totalCount } }';
    expect((await gql(query, undefined, { token: tokenFor(1, 'ANALYST') })).data.jobs.totalCount).toBeGreaterThan(0);
    expect((await gql(query, undefined, { token: tokenFor(1, 'ADMIN') })).errors).toBeUndefined();
    expect((await gql(query, undefined, { token: tokenFor(1, 'SEEKER') })).errors?.[0].extensions?.code).toBe('PERSISTED_QUERY_ONLY');
    expect((await gql(query, undefined, { authorization: 'Bearer forged' })).status).toBeGreaterThanOrEqual(400);
  });

  it('answers a present but bad token 401 UNAUTHENTICATED before looking at the document', async () => {
    const expired = jwt.sign({ role: 'ANALYST', exp: Math.floor(Date.now() / 1000) - 10 }, TEST_JWT_SECRET, { subject: '1' });
    const otherSecret = jwt.sign({ role: 'ANALYST' }, 'x'.repeat(40), { subject: '1', expiresIn: '1h' });
    for (const authorization of ['Bearer forged', 'Basic dXNlcjpwYXNz', `Bearer ${expired}`, `Bearer ${otherSecret}`]) {
      for (const body of [
        { query: '{ jobs(first: 1) { totalCount } }' },
        { documentId: trendingId, variables: { days: 30, first: 3 } },
        { documentId: 'sha256:0' },
      ]) {
        const res = await gql('', undefined, { authorization, body });
        expect(res.status).toBe(401);
        expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
      }
    }
  });
});

describe('GraphiQL for anyone in trusted mode: the schema and the published operations as text', () => {
  let gql: ReturnType<typeof testGateway>['gql'];
  beforeAll(() => {
    ({ gql } = testGateway(db, { config: { TRUSTED_DOCUMENTS: true } }));
  });
  const refusedCode = async (query: string) => (await gql(query)).errors?.[0].extensions?.code;

  it('lets an anonymous visitor introspect with the standard introspection query, in any spelling and with any of its options', async () => {
    for (const query of [
      getIntrospectionQuery(),
      getIntrospectionQuery({
        descriptions: false,
        specifiedByUrl: true,
        directiveIsRepeatable: true,
        schemaDescription: true,
        inputValueDeprecation: true,
        oneOf: true,
      }),
      // Reflowed, commented, fragments and fields in another order: the same document.
      `# the docs pane\n${getIntrospectionQuery().replace(/\s+/g, ' ')}`,
      getIntrospectionQuery()
        .replace(/^ *kind\n( *)name\n/m, '$1name\n$1kind\n')
        .split(/(?=fragment )/)
        .reverse()
        .join('\n'),
    ]) {
      const res = await gql<IntrospectionQuery>(query);
      expect(res.errors).toBeUndefined();
      expect(buildClientSchema(res.data!).getQueryType()?.getFields().jobs).toBeDefined();
    }
  });

  it('refuses an anonymous visitor any other introspection, and arbitrary queries', async () => {
    for (const query of [
      '{ __schema { types { name } } }',
      '{ __type(name: "Job") { fields { name } } }',
      // What the exact-document rule is for: nested type { fields } grows exponentially with depth.
      '{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }',
      getIntrospectionQuery({ typeDepth: 30 }),
      getIntrospectionQuery().replace('queryType {', 'queryType { fields { name } '),
      `${getIntrospectionQuery()}\nquery Jobs { jobs(first: 1) { totalCount } }`,
      '{ jobs(first: 1) { totalCount } }',
    ])
      expect(await refusedCode(query)).toBe('PERSISTED_QUERY_ONLY');
    // And the limits still apply to the introspection it does allow.
    const tight = testGateway(db, { config: { TRUSTED_DOCUMENTS: true, QUERY_MAX_TOKENS: 100 } });
    const tooLong = await tight.gql(getIntrospectionQuery());
    expect(tooLong.data).toBeUndefined();
    expect(tooLong.errors?.length).toBe(1);
  });

  it('runs a published operation sent as its text, in any spelling, as the manifest document', async () => {
    const file = readFileSync(fromRoot('client', 'operations', 'trending.graphql'), 'utf8');
    const byId = await gql('', undefined, { body: { documentId: trendingId, variables: { days: 30, first: 3 } } });
    const byText = await gql(file, { days: 30, first: 3 });
    expect(byText.errors).toBeUndefined();
    expect(byText.data).toEqual(byId.data);
    expect((await gql(file.replace(/#.*\n/g, '').replace(/\s+/g, ' '), { days: 30, first: 3 })).data).toEqual(byId.data);
    // Asking for more is another query.
    expect(await refusedCode(file.replace('title', 'title description'))).toBe('PERSISTED_QUERY_ONLY');
  });

  it('offers GraphiQL tabs that run for an anonymous visitor, or say which token they need', async () => {
    const tabs = graphiqlTabs(true);
    expect(tabs[0].query).toMatch(/npm run token -- --user <your user id> --role ANALYST/);
    expect(tabs[0].query).not.toMatch(/--role SEEKER/);
    // One tab per published operation, the first with the welcome text.
    expect(tabs.length).toBe(Object.keys(manifest).length);
    for (const tab of tabs) {
      // A subscription tab opens a stream, which a plain POST does not: graphiql-subscription.test.ts runs those in a browser.
      if (/^subscription /m.test(tab.query)) continue;
      const res = await gql(tab.query, 'variables' in tab ? (JSON.parse(tab.variables) as Record<string, unknown>) : undefined);
      const codes = res.errors?.map((e) => e.extensions?.code) ?? [];
      const name = /(?:query|mutation|subscription) (\w+)/.exec(tab.query)?.[1];
      const expected = /^# (SEEKER|ANALYST|EMPLOYER): needs an? (SEEKER|ANALYST|EMPLOYER) token/.test(tab.query)
        ? ['UNAUTHENTICATED']
        : /^# Needs \$after/.test(tab.query)
          ? ['BAD_USER_INPUT']
          : [];
      expect({ name, codes }).toEqual({ name, codes: expected });
    }
  });
});

describe('automatic persisted queries (outside trusted mode)', () => {
  it('registers a query by hash once, then runs it by hash alone', async () => {
    const { gql } = testGateway(db, { config: { TRUSTED_DOCUMENTS: false } });
    const query = `{ job(id: "2") { id title } } # ${Math.random()}`;
    const hash = sha256(query);
    const unknown = await gql('', undefined, { body: { extensions: apq(hash) } });
    expect(unknown.errors?.[0]).toMatchObject({ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } });
    const registered = await gql('', undefined, { body: { query, extensions: apq(hash) } });
    expect(registered.data.job.id).toBe('2');
    const byHash = await gql('', undefined, { body: { extensions: apq(hash) } });
    expect(byHash.data).toEqual(registered.data);
  });

  it('refuses a hash that is not the query’s, and stores nothing for it', async () => {
    const { gql } = testGateway(db, { config: { TRUSTED_DOCUMENTS: false } });
    const wrong = sha256('something else');
    const mismatch = await gql('', undefined, { body: { query: '{ job(id: "2") { id } }', extensions: apq(wrong) } });
    expect(mismatch.status).toBe(400);
    expect(mismatch.errors?.[0].extensions?.code).toBe('PERSISTED_QUERY_MISMATCH');
    expect((await gql('', undefined, { body: { extensions: apq(wrong) } })).errors?.[0].extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('still accepts plain queries and manifest ids', async () => {
    const { gql } = testGateway(db, { config: { TRUSTED_DOCUMENTS: false } });
    expect((await gql('{ job(id: "1") { id } }')).data.job.id).toBe('1');
    expect((await gql('', undefined, { body: { documentId: trendingId, variables: { days: 30, first: 1 } } })).data.trendingJobs).toHaveLength(1);
  });
});
