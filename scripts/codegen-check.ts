// npm run codegen:check — exits 1, naming the files, when schema.graphql or client/generated/
// differ from what `npm run codegen` would write now. Writes nothing.
import { readFileSync, existsSync } from 'node:fs';
import { relative } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import config from '../codegen';

(async () => {
  // generate() is typed `FileOutput[] | any` (any for watch mode); outside watch mode it resolves to the files.
  const outputs = (await generate({ ...config, silent: true }, false)) as { filename: string; content: string }[];
  const stale = outputs
    .map((o) => relative(process.cwd(), o.filename))
    .filter((file, i) => !existsSync(file) || readFileSync(file, 'utf8') !== outputs[i].content);
  console.log(JSON.stringify({ checked: outputs.map((o) => relative(process.cwd(), o.filename)), stale }));
  process.exit(stale.length ? 1 : 0);
})().catch((err) => {
  console.error(err);
  process.exit(2);
});
