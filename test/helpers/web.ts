import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize } from 'node:path';
import { promisify } from 'node:util';

// The reference web client (examples/web) as the browser tests serve it: built by Vite's CLI,
// its files from an origin of their own.

export const WEB = join(__dirname, '../../examples/web');

/** Vite's command, wherever npm put the workspace's Vite. */
export const viteBin = () => join(dirname(require.resolve('vite/package.json', { paths: [WEB] })), 'bin/vite.js');

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

/** A static file server for the built client: the page's own origin. */
export function serveStatic(dir: string): Server {
  return createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url!, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const file = join(dir, path === '/' ? 'index.html' : path);
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
}

/** A build directory served from an origin of its own (a free port); `close` stops it and removes the directory. */
export async function openSite(prefix: string): Promise<{ dir: string; origin: string; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const site = serveStatic(dir);
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  return {
    dir,
    origin: `http://127.0.0.1:${(site.address() as AddressInfo).port}`,
    async close() {
      site.closeAllConnections();
      await new Promise((r) => site.close(r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Builds the client into `dir` against the gateway at `gatewayUrl`, baked in as its README
 * says; Vite's CLI in a child process (Vite is ESM; jest runs tests as CommonJS).
 */
export async function buildWebClient(gatewayUrl: string, dir: string): Promise<void> {
  await promisify(execFile)(process.execPath, [viteBin(), 'build', '--outDir', dir, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: WEB,
    env: { ...process.env, VITE_GATEWAY_URL: gatewayUrl, NODE_OPTIONS: '' },
  });
}
