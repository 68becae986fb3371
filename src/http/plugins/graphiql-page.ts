import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Plugin } from 'graphql-yoga';

const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);

/**
 * Every tab sends the Authorization header last given in any tab (kept in this browser), so a
 * token pasted once serves every tab and survives a reload; `"Authorization": ""` forgets it.
 * GraphiQL keeps headers per tab and offers no shared ones, and its options cannot carry code:
 * the page's own fetch is the one place every tab's requests (introspection and SSE streams
 * included) pass through.
 */
const SHARED_AUTHORIZATION = `<script>
(() => {
  const KEY = 'chommie:authorization';
  const fetch = window.fetch;
  window.fetch = function (input, init) {
    try {
      const url = new URL(typeof input === 'string' || input instanceof URL ? String(input) : input.url, location.href);
      if (url.origin === location.origin && url.pathname === location.pathname) {
        const headers = new Headers((init && init.headers) || (input instanceof Request ? input.headers : undefined));
        if (headers.has('authorization')) {
          const given = headers.get('authorization').trim();
          if (given) localStorage.setItem(KEY, given);
          else {
            localStorage.removeItem(KEY);
            headers.delete('authorization');
          }
        } else if (localStorage.getItem(KEY)) headers.set('authorization', localStorage.getItem(KEY));
        init = Object.assign({}, init, { headers });
      }
    } catch {}
    return fetch.call(this, input, init);
  };
})();
</script>`;

interface Page {
  etag: string;
  identity: Buffer;
  br: Buffer;
  gzip: Buffer;
}

/**
 * GraphiQL's page, built once per process and sent compressed: Yoga's page inlines GraphiQL's
 * whole bundle (9 MB of HTML, sent as is and never cached). Here it travels as brotli (about
 * 2 MB) or gzip (about 2.4 MB), with an ETag that a browser revalidates on every open, so a
 * reopen costs a 304 until the gateway's version changes. Served where Yoga would serve its
 * own page (GET on the endpoint, asking for HTML); Yoga's GraphiQL is turned off.
 */
export function useGraphiQLPage(render: () => string, endpoint = '/graphql'): Plugin {
  let page: Promise<Page> | undefined;
  const build = async (): Promise<Page> => {
    const html = render();
    const identity = Buffer.from(html.includes('<head>') ? html.replace('<head>', `<head>${SHARED_AUTHORIZATION}`) : html);
    // Quality 5: within 5 % of the best brotli at a sixtieth of its time (0.2 s against 12 s).
    const [br, gz] = await Promise.all([brotli(identity, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } }), gzipped(identity, { level: 9 })]);
    return { etag: `"${createHash('sha256').update(identity).digest('base64url').slice(0, 27)}"`, identity, br, gzip: gz };
  };
  return {
    onRequest(payload) {
      const { request, url, fetchAPI } = payload;
      if (request.method !== 'GET' || !request.headers.get('accept')?.includes('text/html')) return;
      if (url.pathname !== endpoint && url.pathname !== `${endpoint}/`) return;
      return (page ??= build()).then((p) => {
        const headers: Record<string, string> = { etag: p.etag, 'cache-control': 'no-cache', vary: 'Accept-Encoding' };
        if (request.headers.get('if-none-match') === p.etag) return payload.endResponse(new fetchAPI.Response(null, { status: 304, headers }));
        const accepted = request.headers.get('accept-encoding') ?? '';
        const [encoding, body] = /\bbr\b/.test(accepted) ? ['br', p.br] : /\bgzip\b/.test(accepted) ? ['gzip', p.gzip] : [null, p.identity];
        if (encoding) headers['content-encoding'] = encoding;
        payload.endResponse(
          new fetchAPI.Response(new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength), {
            status: 200,
            headers: { ...headers, 'content-type': 'text/html; charset=utf-8' },
          }),
        );
      });
    },
  };
}
