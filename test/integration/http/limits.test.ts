import { countAtDriver } from '../../helpers/driver-count';
import { useGatewaySuite } from '../../helpers/gateway';

const suite = useGatewaySuite();

async function refused(query: string) {
  const { result, driverStatements } = await countAtDriver(suite.db, () => suite.gql(query));
  expect(result.data ?? null).toBeNull();
  expect(driverStatements).toBe(0);
  expect(result.extensions?.sql?.statements ?? 0).toBe(0);
  return result.errors![0];
}

describe('query limits', () => {
  it('refuses a depth-20 query before any SQL runs', async () => {
    let inner = 'id';
    for (let i = 0; i < 20; i++) inner = `company { jobs(first: 1) { edges { node { ${inner} } } } }`;
    const error = await refused(`{ job(id: "1") { ${inner} } }`);
    expect(error.message).toMatch(/depth/i);
    expect(error.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'depth', max: 12 });
  });

  it('refuses a 1,000-alias query before any SQL runs', async () => {
    const aliases = Array.from({ length: 1000 }, (_, i) => `a${i}: job(id: "1") { id }`).join(' ');
    const error = await refused(`{ ${aliases} }`);
    expect(error.message).toMatch(/alias|token/i);
    expect(error.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    // Few enough tokens to get past the token limit: the alias limit itself.
    const few = await refused(`{ ${Array.from({ length: 25 }, (_, i) => `a${i}: job(id: "1") { id }`).join(' ')} }`);
    expect(few.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'aliases', max: 20 });
    expect(few.message).toMatch(/aliases limit of 20/i);
  });

  it('counts aliases of __typename (and aliases named __typename) like any other', async () => {
    const typenames = await refused(`{ ${Array.from({ length: 300 }, (_, i) => `t${i}: __typename`).join(' ')} }`);
    expect(typenames.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'aliases', max: 20 });
    const nested = await refused(`{ job(id: "1") { ${Array.from({ length: 21 }, (_, i) => `t${i}: __typename`).join(' ')} } }`);
    expect(nested.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'aliases' });
    const named = await refused(`{ ${Array.from({ length: 21 }, () => `__typename: job(id: "1") { id }`).join(' ')} }`);
    expect(named.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    // Up to the limit they run, and plain __typename is no alias at all.
    const ok = await suite.gql(`{ __typename ${Array.from({ length: 20 }, (_, i) => `t${i}: __typename`).join(' ')} }`);
    expect(ok.errors).toBeUndefined();
    expect(ok.data.t19).toBe('Query');
  });

  it('refuses first: 100 nested three levels deep with its computed cost, before any SQL runs', async () => {
    const error = await refused(
      `{ jobs(first: 100) { edges { node { company { jobs(first: 100) { edges { node { company { jobs(first: 100) { edges { node { id } } } } } } } } } } } }`,
    );
    expect(error.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(error.message).toMatch(/query cost \d+ exceeds the limit of 5000/);
    expect(Number(error.extensions?.cost)).toBeGreaterThan(1_000_000);
  });

  it('counts similarJobs as expensive and lets the headline page through', async () => {
    const headline = await suite.gql(
      '{ jobs(first: 50) { edges { node { title company { name } applicationCount similarJobs(first: 5) { title company { name } } } } } }',
    );
    expect(headline.errors).toBeUndefined();
    const wide = await refused('{ jobs(first: 100) { edges { node { similarJobs(first: 10) { similarJobs(first: 10) { title } } } } } }');
    expect(wide.extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });

  it('refuses documents of too many tokens or directives', async () => {
    const fields = Array.from({ length: 3100 }, () => 'id').join(' ');
    const tokens = await refused(`{ job(id: "1") { ${fields} } }`);
    expect(tokens.message).toMatch(/token/i);
    expect(tokens.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'tokens', max: 3000 });
    const directives = Array.from({ length: 30 }, () => '@include(if: true)').join(' ');
    const many = await refused(`{ job(id: "1") { id ${directives} } }`);
    expect(many.message).toMatch(/directive/i);
    expect(many.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'directives', max: 20 });
  });

  it('answers every limit refusal with a client error status, never 500', async () => {
    const deep = `{ job(id: "1") { ${'company { jobs(first: 1) { edges { node { '.repeat(5)} id ${'} } } }'.repeat(5)} } }`;
    const documents = [
      deep,
      `{ job(id: "1") { ${Array.from({ length: 3100 }, () => 'id').join(' ')} } }`,
      `{ ${Array.from({ length: 25 }, (_, i) => `a${i}: job(id: "1") { id }`).join(' ')} }`,
    ];
    for (const query of documents) {
      for (const accept of ['application/json', 'application/graphql-response+json']) {
        const res = await suite.gql(query, undefined, { headers: { accept } });
        expect({ accept, status: res.status < 500, code: res.errors?.[0].extensions?.code }).toEqual({ accept, status: true, code: 'QUERY_TOO_COMPLEX' });
      }
    }
  });
});
