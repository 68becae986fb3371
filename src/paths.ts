import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The checkout's root (the directory with package.json). Files read at run time (migrations,
 * the trusted-documents manifest, GraphiQL's example operations) stay where they are in the
 * checkout, and this module runs both as src/paths.ts (tsx) and as dist/src/paths.js (the
 * production build), so a path relative to __dirname would be right in only one of them.
 */
function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const PROJECT_ROOT = findRoot(__dirname);

export const fromRoot = (...parts: string[]) => join(PROJECT_ROOT, ...parts);
