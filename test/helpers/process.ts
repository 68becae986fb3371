import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export interface GatewayProcess {
  child: ChildProcess;
  base: string;
  /** Everything it printed so far. */
  output(): string;
  exited: Promise<number | null>;
}

/**
 * Starts the gateway as `npm start` does (tsx as a loader in this one process, so signals reach
 * the gateway itself) and resolves once `readyLines` processes said they are ready.
 */
export async function startGateway(env: NodeJS.ProcessEnv, args: string[] = [], readyLines = 1): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '../../src/main.ts'), ...args], {
    env: { ...env, NODE_OPTIONS: '' },
    cwd: join(__dirname, '../..'),
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${output}`)), 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const ready = [...output.matchAll(/ready: (http:\/\/localhost:\d+)\/graphql/g)];
      if (ready.length >= readyLines) {
        clearTimeout(timer);
        resolve(ready[0][1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => reject(new Error(`gateway exited with ${code}:\n${output}`)));
  });
  return { child, base, output: () => output, exited };
}
