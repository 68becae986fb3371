import autocannon from 'autocannon';
import { readManifest } from '../../src/http/plugins/documents';
import { startVarnish, varnishdPath } from '../../test/helpers/varnish';
import { sum, tree } from './cost';
import { brief, drive, metricsHeaders, summary, type Brief } from './load';

/** One cell of the edge comparison: throughput, and CPU per request of the gateway and of Varnish. */
export interface EdgeCell extends Brief {
  name: string;
  /** Gateway CPU (process and children) per answer, ms. */
  gatewayMs: number;
  /** varnishd CPU (manager and worker) per answer, ms; 0 where Varnish is not in the path. */
  varnishMs: number;
}

export interface EdgeResult {
  /** The same hot JobPage read: POST to the cached gateway (its fast path), and GET through Varnish. */
  cells: EdgeCell[];
  /** Requests of the Varnish cell that reached the gateway (its metrics' request count before and after). */
  reachedGateway: number;
}

/** Requests the gateway answered, from its /metrics (fast-path hits and Yoga's alike). */
async function gatewayRequests(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers: metricsHeaders })).text();
  let total = 0;
  for (const line of text.split('\n')) {
    const m = /^graphql_request_duration_seconds_count(?:\{[^}]*\})? (\S+)$/.exec(line);
    if (m) total += Number(m[1]);
  }
  return total;
}

/**
 * A hot persisted read (one job's JobPage) through Varnish with deploy/varnish/chommie.vcl,
 * beside the same read POSTed to the gateway, whose response cache answers it. Null, saying
 * why, when varnishd is not installed.
 */
export async function edgeBench(
  gateway: { url: string; pid: number },
  jobId: string,
  settings: { seconds: number; connections: number },
  say: (msg: string) => void,
): Promise<EdgeResult | null> {
  if (!varnishdPath()) {
    say('  edge cache not measured: varnishd is not installed (apt-get install varnish)');
    return null;
  }
  const [documentId] = Object.entries(readManifest()).find(([, doc]) => doc.startsWith('query JobPage('))!;
  const variables = JSON.stringify({ id: jobId });
  const varnish = await startVarnish(Number(new URL(gateway.url).port));
  try {
    const run = async (name: string, url: string, request: autocannon.Request): Promise<EdgeCell> => {
      // Warm: the gateway's response cache and the edge copy are filled before the cell.
      await autocannon({ url, connections: 10, duration: 1, requests: [request] });
      const gatewayStart = sum(tree(gateway.pid));
      const varnishStart = sum(tree(varnish.pid));
      const { outcome: r } = await drive({ url, connections: settings.connections, duration: settings.seconds, timeout: 30, requests: [request] });
      const answered = Math.max(1, r.answered);
      say(`  ${name.padEnd(22)} ${summary(r)}`);
      return {
        name,
        ...brief(r),
        gatewayMs: sum(tree(gateway.pid), gatewayStart.now).spent / answered,
        varnishMs: name.includes('varnish') ? sum(tree(varnish.pid), varnishStart.now).spent / answered : 0,
      };
    };
    const post = await run('POST to the gateway', `${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ documentId, variables: JSON.parse(variables) as unknown }),
    });
    const before = await gatewayRequests(gateway.url);
    const get = await run(
      'GET through varnish',
      `http://127.0.0.1:${varnish.port}/graphql?documentId=${encodeURIComponent(documentId)}&variables=${encodeURIComponent(variables)}`,
      {
        method: 'GET',
      },
    );
    const reachedGateway = (await gatewayRequests(gateway.url)) - before;
    for (const c of [post, get])
      say(`  ${c.name.padEnd(22)} ` + `gateway CPU ${c.gatewayMs.toFixed(3)} ms/req${c.varnishMs ? `  varnish CPU ${c.varnishMs.toFixed(3)} ms/req` : ''}`);
    say(`  requests that reached the gateway during the Varnish cell (warm-up excluded): ${reachedGateway}`);
    return { cells: [post, get], reachedGateway };
  } finally {
    await varnish.stop();
  }
}
