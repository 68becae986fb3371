// GraphiQL's page as it travels (http/plugins/graphiql-page.ts): compressed, revalidated,
// and still the same page once decoded.
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { testGateway, useGatewaySuite } from '../../helpers/gateway';

const suite = useGatewaySuite();
const page = (headers: Record<string, string>) =>
  testGateway(suite.db).gateway.fetch('http://gateway.test/graphql', { headers: { accept: 'text/html,application/xhtml+xml', ...headers } });
const bytes = async (res: Response) => Buffer.from(await res.arrayBuffer());

describe('GraphiQL’s page', () => {
  it('travels as brotli or gzip, well under 3 MB, and decodes to the page with its tabs and the shared-token script', async () => {
    const plain = await page({});
    expect(plain.headers.get('content-encoding')).toBeNull();
    const html = await bytes(plain);
    expect(html.toString()).toContain('<title>Chommie Gateway</title>');
    expect(html.toString()).toContain('chommie:authorization');
    expect(html.toString()).toContain('TopEmployers');

    const br = await page({ 'accept-encoding': 'gzip, deflate, br' });
    expect([br.status, br.headers.get('content-encoding')]).toEqual([200, 'br']);
    expect(br.headers.get('vary')).toMatch(/Accept-Encoding/i);
    const brBody = await bytes(br);
    expect(brBody.length).toBeLessThan(3_000_000);
    expect(brotliDecompressSync(brBody).equals(html)).toBe(true);

    const gz = await page({ 'accept-encoding': 'gzip' });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    const gzBody = await bytes(gz);
    expect(gzBody.length).toBeLessThan(3_000_000);
    expect(gunzipSync(gzBody).equals(html)).toBe(true);
    expect(html.length).toBeGreaterThan(gzBody.length * 2);
  });

  it('is revalidated on every open: the same version is a 304 with no body', async () => {
    const first = await page({ 'accept-encoding': 'br' });
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]{27}"$/);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    const again = await page({ 'accept-encoding': 'br', 'if-none-match': etag! });
    expect(again.status).toBe(304);
    expect((await bytes(again)).length).toBe(0);
    expect((await page({ 'if-none-match': '"something-else"' })).status).toBe(200);
  });

  it('leaves GraphQL over GET alone', async () => {
    const res = await testGateway(suite.db).gateway.fetch('http://gateway.test/graphql?query=%7B__typename%7D', { headers: { accept: 'application/json' } });
    expect(await res.json()).toMatchObject({ data: { __typename: 'Query' } });
  });
});
