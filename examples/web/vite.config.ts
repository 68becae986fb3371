import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const GENERATED = fileURLToPath(new URL('../../client/generated/graphql.ts', import.meta.url));
const VIRTUAL = '\0chommie-document:';

/**
 * Each generated document as a module of its own. The generated client is one module holding
 * every operation's document; shared by the first screen and the lazily loaded pages, it would
 * be bundled whole into the first screen's chunk, with the documents only those pages send.
 * Here `import { JobPageDocument } from '…/client/generated/graphql'` in the client's code is
 * read from a module holding that document alone, so each document lands in the chunk of the
 * code that sends it. The source keeps importing the generated file, which type-checks it.
 */
function documentPerModule(): Plugin {
  const documents = () =>
    new Map(
      [...readFileSync(GENERATED, 'utf8').matchAll(/^export const (\w+Document) = (\{.*\}) as unknown as DocumentNode<.*>;$/gm)].map((m) => [m[1], m[2]]),
    );
  return {
    name: 'chommie-document-per-module',
    // After TypeScript is stripped: what is left of an import from the generated client is its
    // values. The imports stay on their line, so the source maps still hold (map: null).
    transform(code, id) {
      if (!id.includes('/examples/web/src/')) return null;
      const replaced = code.replace(
        /import\s*\{([^}]*)\}\s*from\s*(['"])([./]*client\/generated\/graphql(?:\.ts)?)\2;?/g,
        (_whole, list: string, quote: string, path: string) => {
          const names = list
            .split(',')
            .map((n) => n.trim())
            .filter(Boolean);
          const rest = names.filter((n) => !/^\w+Document$/.test(n));
          return [
            ...names.filter((n) => /^\w+Document$/.test(n)).map((n) => `import { ${n} } from '${VIRTUAL}${n}';`),
            ...(rest.length ? [`import { ${rest.join(', ')} } from ${quote}${path}${quote};`] : []),
          ].join(' ');
        },
      );
      return replaced === code ? null : { code: replaced, map: null };
    },
    resolveId: (id) => (id.startsWith(VIRTUAL) ? id : null),
    load(id) {
      if (!id.startsWith(VIRTUAL)) return null;
      this.addWatchFile(GENERATED);
      const name = id.slice(VIRTUAL.length);
      const document = documents().get(name);
      if (!document) this.error(`${name} is not in client/generated/graphql.ts: run npm run codegen`);
      return `export const ${name} = ${document};`;
    },
  };
}

// The client reads the gateway's address from VITE_GATEWAY_URL (see src/gateway.ts); Vite
// exposes VITE_* variables of the environment to the bundle at build and dev time.
export default defineConfig({
  plugins: [react(), documentPerModule()],
  server: { port: 5173, strictPort: true },
  preview: { port: 4173, strictPort: true },
  // The lazily loaded pages (App.tsx) are fetched with <link rel=modulepreload>, which every
  // browser the client targets knows: the polyfill would only add to the first screen's bundle.
  build: { sourcemap: true, modulePreload: { polyfill: false } },
});
