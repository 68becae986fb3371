import { rmSync } from 'node:fs';
import { startGateway, type GatewayProcess } from '../helpers/process';
import { subscribe } from '../helpers/sse';
import { tempDir } from '../helpers/template';

// SIGTERM with a subscription open, on the embedded database (the PostgreSQL run repeats it
// with Redis in test/integration/events/cross-instance.test.ts): the stream is ended with a last
// event, and the drain does not wait for it.
const dir = tempDir('chommie-streams');
let gateway: GatewayProcess | undefined;
afterAll(() => {
  if (gateway?.child.exitCode === null) gateway.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

it('SIGTERM ends an open stream with SERVICE_UNAVAILABLE then complete, and the process exits 0 well before SHUTDOWN_TIMEOUT_MS', async () => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dir,
    SEED_ON_EMPTY: 'false',
    SHUTDOWN_GRACE_MS: '0',
    // A minute: were the stream to hold the drain, the test would time out first.
    SHUTDOWN_TIMEOUT_MS: '60000',
    LOG_FORMAT: 'json',
    NODE_OPTIONS: '',
  };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  gateway = await startGateway(env);
  const stream = await subscribe(fetch, `${gateway.base}/graphql`, 'subscription { newJobs { id } }');
  expect(stream.status).toBe(200);
  gateway.child.kill('SIGTERM');
  const last = await stream.next(20_000);
  expect(last !== 'nothing' && last !== 'closed' && last.event === 'next' && last.data.errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
  expect(await stream.next(20_000)).toEqual({ event: 'complete' });
  expect(await gateway.exited).toBe(0);
}, 45_000);
