import { countAtDriver } from './helpers/driver-count';
import { useGatewaySuite } from './helpers/gateway';

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
  });

  it('refuses a 1,000-alias query before any SQL runs', async () => {
    const aliases = Array.from({ length: 1000 }, (_, i) => `a${i}: job(id: "1") { id }`).join(' ');
    const error = await refused(`{ ${aliases} }`);
    expect(error.message).toMatch(/alias|token/i);
  });

  it('refuses first: 100 nested three levels deep with its computed cost, before any SQL runs', async () => {
    const error = await refused(`{ jobs(first: 100) { edges { node { company { jobs(first: 100) { edges { node { company { jobs(first: 100) { edges { node { id } } } } } } } } } } } }`);
    expect(error.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(error.message).toMatch(/query cost \d+ exceeds the limit of 5000/);
    expect(Number(error.extensions?.cost)).toBeGreaterThan(1_000_000);
  });

  it('counts similarJobs as expensive and lets the headline page through', async () => {
    const headline = await suite.gql('{ jobs(first: 50) { edges { node { title company { name } applicationCount similarJobs(first: 5) { title company { name } } } } } }');
    expect(headline.errors).toBeUndefined();
    const wide = await refused('{ jobs(first: 100) { edges { node { similarJobs(first: 10) { similarJobs(first: 10) { title } } } } } }');
    expect(wide.extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });

  it('refuses documents of too many tokens or directives', async () => {
    const fields = Array.from({ length: 3100 }, () => "id").join(' ');
    expect((await refused(`{ job(id: "1") { ${fields} } }`)).message).toMatch(/token/i);
    const directives = Array.from({ length: 30 }, () => '@include(if: true)').join(' ');
    expect((await refused(`{ job(id: "1") { id ${directives} } }`)).message).toMatch(/directive/i);
  });
});
