import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname, extname, join, normalize } from 'node:path';

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
