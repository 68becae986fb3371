import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '../../..');

/** The `use…` calls of the gateway's `plugins: [ … ]` list, in order. */
function installed(): string[] {
  const source = readFileSync(join(root, 'src/http/gateway.ts'), 'utf8');
  const list = /\n {4}plugins: \[\n([\s\S]*?)\n {4}\],/.exec(source);
  if (!list) throw new Error('no `plugins: [` list in src/http/gateway.ts');
  return [...list[1].matchAll(/\b(use[A-Z]\w*)\(/g)].map((m) => m[1]);
}

/** The plugins docs/ARCHITECTURE.md's table names, in its order. */
function documented(): string[] {
  const doc = readFileSync(join(root, 'docs/ARCHITECTURE.md'), 'utf8');
  return [...doc.matchAll(/^\| \d+ \| `(use[A-Z]\w*)`/gm)].map((m) => m[1]);
}

describe('docs/ARCHITECTURE.md', () => {
  it('names every Yoga plugin the gateway installs, in the order it installs them', () => {
    expect(installed().length).toBeGreaterThan(10);
    expect(documented()).toEqual(installed());
  });
});
