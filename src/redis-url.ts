/**
 * The three shapes REDIS_URL may take. No dependency of its own: config.ts validates with it,
 * redis.ts connects with it.
 *
 * - one node: `redis://[user:pass@]host:port[/db]` (or `rediss://` for TLS), as before;
 * - a Redis Cluster: its seed nodes, either as several comma-separated node URLs
 *   (`redis://a:7000,redis://b:7000`) or as `redis+cluster://[user:pass@]a:7000,b:7000`
 *   (`rediss+cluster://` for TLS); one seed is enough, more survive a seed being down;
 * - a Sentinel-managed primary: `redis+sentinel://[user:pass@]s1:26379,s2:26379/<masterName>`
 *   (`rediss+sentinel://` for TLS to the data nodes); the credentials are the data nodes'.
 */
export interface RedisNode {
  host: string;
  port: number;
}

export type RedisTarget =
  | { kind: 'single'; url: string }
  | { kind: 'cluster'; seeds: string[] }
  | { kind: 'sentinel'; sentinels: RedisNode[]; masterName: string; tls: boolean; username?: string; password?: string };

/** The target REDIS_URL names, or a sentence saying what is wrong with it. */
/** A URL as an error message may quote it: never its credentials (the message reaches logs). */
const redact = (text: string) => text.replace(/[^/@,\s]*@/g, '***@');

export function parseRedisUrl(value: string): RedisTarget | string {
  const v = value.trim();
  const scheme = /^([a-z+]+):\/\//i.exec(v)?.[1]?.toLowerCase();
  if (!scheme) return `"${redact(v)}" is not a URL: expected redis://host:port, redis+cluster://host:port,host:port or redis+sentinel://host:port/<masterName>`;
  if (scheme === 'redis+cluster' || scheme === 'rediss+cluster') {
    const parsed = hostList(v.slice(scheme.length + 3), scheme, false);
    if (typeof parsed === 'string') return parsed;
    const base = scheme.replace('+cluster', '');
    const auth = parsed.auth ? `${parsed.auth}@` : '';
    return { kind: 'cluster', seeds: parsed.nodes.map((n) => `${base}://${auth}${n.host.includes(':') ? `[${n.host}]` : n.host}:${n.port}`) };
  }
  if (scheme === 'redis+sentinel' || scheme === 'rediss+sentinel') {
    const parsed = hostList(v.slice(scheme.length + 3), scheme, true);
    if (typeof parsed === 'string') return parsed;
    if (!parsed.path) return `${scheme}:// needs the primary's name as its path: ${scheme}://host:26379/mymaster`;
    const [username, password] = parsed.auth ? splitAuth(parsed.auth) : [];
    return { kind: 'sentinel', sentinels: parsed.nodes, masterName: parsed.path, tls: scheme === 'rediss+sentinel', username, password };
  }
  const parts = v.split(',').map((p) => p.trim());
  for (const p of parts) {
    const problem = nodeUrlProblem(p);
    if (problem) return problem;
  }
  if (parts.length === 1) return { kind: 'single', url: parts[0] };
  if (new Set(parts.map((p) => new URL(p).protocol)).size > 1) return 'cluster seeds must all be redis:// or all rediss://';
  return { kind: 'cluster', seeds: parts };
}

function nodeUrlProblem(u: string): string | undefined {
  let url: URL;
  try {
    url = new URL(u);
  } catch {
    return `"${redact(u)}" is not a URL such as redis://host:6379`;
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    return `"${redact(u)}": must start with redis:// or rediss:// (or redis+cluster://, redis+sentinel://)`;
  if (!url.hostname) return `"${redact(u)}" names no host`;
  return undefined;
}

/** `[auth@]h:p,h:p[/path]` → the nodes, the auth part and the path. */
function hostList(rest: string, scheme: string, withPath: boolean): { nodes: RedisNode[]; auth?: string; path?: string } | string {
  const slash = rest.indexOf('/');
  const path = slash >= 0 ? decodeURIComponent(rest.slice(slash + 1)).replace(/\/+$/, '') : undefined;
  if (path && !withPath) return `${scheme}:// takes no path ("/${path}"): Redis Cluster has a single database`;
  let hosts = slash >= 0 ? rest.slice(0, slash) : rest;
  const at = hosts.lastIndexOf('@');
  const auth = at >= 0 ? hosts.slice(0, at) : undefined;
  hosts = at >= 0 ? hosts.slice(at + 1) : hosts;
  const nodes: RedisNode[] = [];
  for (const h of hosts.split(',').map((s) => s.trim())) {
    const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+):(\d{1,5})$/i.exec(h);
    const port = m ? Number(m[2]) : 0;
    if (!m || port < 1 || port > 65535) return `${scheme}://: "${redact(h)}" is not host:port (list nodes as host:port,host:port)`;
    nodes.push({ host: m[1].replace(/^\[|\]$/g, ''), port });
  }
  return { nodes, auth, path: path || undefined };
}

function splitAuth(auth: string): [string | undefined, string | undefined] {
  const colon = auth.indexOf(':');
  if (colon < 0) return [decodeURIComponent(auth) || undefined, undefined];
  return [decodeURIComponent(auth.slice(0, colon)) || undefined, decodeURIComponent(auth.slice(colon + 1)) || undefined];
}
