// npm run web — the reference web client (examples/web) on Vite's dev server,
// http://localhost:5173, against the gateway at VITE_GATEWAY_URL (default
// http://localhost:4000/graphql, or PORT's). When nothing answers there and the address is
// this machine's, the gateway is started too, as `npm start` would (its development default,
// CORS_ORIGINS=*, lets the page call it). Ctrl-C stops whatever this started.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';

const root = join(__dirname, '..');
const gatewayUrl = process.env.VITE_GATEWAY_URL ?? `http://localhost:${process.env.PORT ?? 4000}/graphql`;
const ready = new URL('/ready', gatewayUrl).href;
const local = ['localhost', '127.0.0.1', '[::1]'].includes(new URL(gatewayUrl).hostname);

const answers = () =>
  fetch(ready, { signal: AbortSignal.timeout(1000) }).then(
    (r) => r.ok,
    () => false,
  );

const children: ChildProcess[] = [];
function run(args: string[], cwd: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: 'inherit' });
  children.push(child);
  // One of the two gone: stop the other, with its exit code.
  child.on('exit', (code) => stop(code ?? 1));
  return child;
}
function stop(code: number) {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  process.exitCode = code;
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

async function main() {
  if (!(await answers())) {
    if (!local) throw new Error(`no gateway answers at ${ready}: start it, or set VITE_GATEWAY_URL`);
    console.error(`No gateway at ${gatewayUrl}: starting one (npm start; the first start seeds demo data).`);
    run(['--import', 'tsx', 'src/main.ts'], root, { PORT: new URL(gatewayUrl).port || '80' });
    while (!(await answers())) {
      if (process.exitCode !== undefined) return;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  console.error(`Gateway: ${gatewayUrl}`);
  const web = join(root, 'examples/web');
  const vite = join(dirname(require.resolve('vite/package.json', { paths: [web] })), 'bin/vite.js');
  run([vite], web, { VITE_GATEWAY_URL: gatewayUrl });
}

main().catch((err: Error) => {
  console.error(err.message);
  stop(1);
});
