import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REDIS_SERVER } from './cache';

export const REDIS_CLI = '/usr/bin/redis-cli';
export const hasRedisClusterTools = () => existsSync(REDIS_SERVER) && existsSync(REDIS_CLI);

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A port free for a cluster node: it and its bus port (port + 10000). */
export async function freeNodePort(taken: Set<number>): Promise<number> {
  const canListen = (port: number) =>
    new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
  for (;;) {
    const port = 21_000 + Math.floor(Math.random() * 30_000);
    if (port === 6379 || taken.has(port) || taken.has(port + 10_000)) continue;
    if ((await canListen(port)) && (await canListen(port + 10_000))) {
      taken.add(port);
      taken.add(port + 10_000);
      return port;
    }
  }
}

export interface ClusterNodeInfo {
  id: string;
  port: number;
  master: boolean;
  failed: boolean;
  masterId: string | null;
  slots: [number, number][];
}

/**
 * A Redis Cluster of the test's own: `primaries` primaries and as many replicas (or none), on
 * free ports, in a temporary directory, nothing persisted. Never the machine's Redis (6379).
 */
export class OwnRedisCluster {
  /** Made by start(), not here: a describe body runs even when its tests are skipped or filtered out. */
  dir = '';
  readonly ports: number[] = [];
  private readonly children = new Map<number, ChildProcess>();

  constructor(
    private readonly primaries = 3,
    private readonly withReplicas = true,
    /** cluster-node-timeout: how long before a silent primary is failed over. */
    private readonly nodeTimeoutMs = 1000,
  ) {}

  /** The cluster's seeds, in the comma-separated form REDIS_URL takes. */
  get url(): string {
    return this.ports
      .slice(0, 2)
      .map((p) => `redis://127.0.0.1:${p}`)
      .join(',');
  }

  async start(): Promise<void> {
    this.dir = mkdtempSync(join(tmpdir(), 'chommie-redis-cluster-'));
    const taken = new Set<number>();
    const count = this.primaries * (this.withReplicas ? 2 : 1);
    for (let i = 0; i < count; i++) this.ports.push(await freeNodePort(taken));
    await Promise.all(this.ports.map((p) => this.startNode(p)));
    const args = ['--cluster', 'create', ...this.ports.map((p) => `127.0.0.1:${p}`), '--cluster-yes'];
    if (this.withReplicas) args.push('--cluster-replicas', '1');
    await run(REDIS_CLI, args, { timeout: 30_000 });
    await this.waitFor(async () => (await Promise.all(this.ports.map((p) => this.info(p)))).every((i) => i.includes('cluster_state:ok')), 'cluster_state:ok');
    // A replica that never synced cannot be promoted.
    const replicas = (await this.nodes()).filter((n) => !n.master).map((n) => n.port);
    await this.waitFor(
      async () =>
        (await Promise.all(replicas.map((p) => this.cli(p, 'info', 'replication').catch(() => '')))).every((i) => i.includes('master_link_status:up')),
      'the replicas’ first sync',
    );
  }

  private async startNode(port: number): Promise<void> {
    const child = spawn(REDIS_SERVER, [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      join(this.dir, `nodes-${port}.conf`),
      '--cluster-node-timeout',
      String(this.nodeTimeoutMs),
      '--logfile',
      join(this.dir, `redis-${port}.log`),
      '--dir',
      this.dir,
      '--save',
      '',
      '--appendonly',
      'no',
      // The replicas' first sync at once, not after the default 5 s wait for more replicas.
      '--repl-diskless-sync-delay',
      '0',
      '--daemonize',
      'no',
    ]);
    this.children.set(port, child);
    return this.waitFor(async () => (await this.cli(port, 'ping').catch(() => '')).includes('PONG'), `redis-server on ${port}`, 10_000);
  }

  async cli(port: number, ...args: string[]): Promise<string> {
    return (await run(REDIS_CLI, ['-p', String(port), ...args], { timeout: 5000 })).stdout;
  }

  info(port: number): Promise<string> {
    return this.cli(port, 'cluster', 'info').catch(() => '');
  }

  /** CLUSTER NODES as one live node sees it. */
  async nodes(): Promise<ClusterNodeInfo[]> {
    const port = this.livePorts()[0];
    return (await this.cli(port, 'cluster', 'nodes'))
      .trim()
      .split('\n')
      .map((line) => {
        const [id, addr, flags, masterId, , , , , ...slots] = line.split(' ');
        return {
          id: id,
          port: Number(/:(\d+)@/.exec(addr)![1]),
          master: flags.includes('master'),
          failed: flags.includes('fail'),
          masterId: masterId === '-' ? null : masterId,
          slots: slots
            .filter((s) => /^\d/.test(s))
            .map((s) => s.split('-').map(Number) as [number, number])
            .map(([a, b]) => [a, b ?? a]),
        };
      });
  }

  /** The live primary that serves `key`'s slot. */
  async primaryOf(key: string): Promise<ClusterNodeInfo> {
    const slot = Number((await this.cli(this.livePorts()[0], 'cluster', 'keyslot', key)).trim());
    const node = (await this.nodes()).find((n) => n.master && !n.failed && n.slots.some(([a, b]) => slot >= a && slot <= b));
    if (!node) throw new Error(`no live primary serves ${key} (slot ${slot})`);
    return node;
  }

  livePorts(): number[] {
    return this.ports.filter((p) => this.children.get(p)?.exitCode === null && this.children.get(p)?.signalCode === null);
  }

  /** SIGKILL: no goodbye to the cluster or the clients, as in a crash. */
  async kill(port: number): Promise<void> {
    const child = this.children.get(port);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async waitFor(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(100);
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.children.keys()].map((p) => this.kill(p)));
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A Sentinel-managed primary of the test's own: a primary, a replica and one sentinel (quorum
 * 1), on free ports, in a temporary directory. Enough to fail over on demand (SENTINEL FAILOVER).
 */
export class OwnRedisSentinel {
  /** Made by start() (see OwnRedisCluster.dir). */
  dir = '';
  readonly masterName = 'chommie';
  ports: { primary: number; replica: number; sentinel: number } = { primary: 0, replica: 0, sentinel: 0 };
  private readonly children: ChildProcess[] = [];

  get url(): string {
    return `redis+sentinel://127.0.0.1:${this.ports.sentinel}/${this.masterName}`;
  }

  async start(): Promise<void> {
    this.dir = mkdtempSync(join(tmpdir(), 'chommie-redis-sentinel-'));
    const taken = new Set<number>();
    this.ports = { primary: await freeNodePort(taken), replica: await freeNodePort(taken), sentinel: await freeNodePort(taken) };
    const { primary, replica, sentinel } = this.ports;
    const node = (port: number, ...extra: string[]) =>
      spawn(REDIS_SERVER, [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--repl-diskless-sync-delay',
        '0',
        ...extra,
      ]);
    this.children.push(node(primary), node(replica, '--replicaof', '127.0.0.1', String(primary)));
    const conf = join(this.dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${sentinel}`,
        'bind 127.0.0.1',
        `dir ${this.dir}`,
        `sentinel monitor ${this.masterName} 127.0.0.1 ${primary} 1`,
        `sentinel down-after-milliseconds ${this.masterName} 1000`,
        `sentinel failover-timeout ${this.masterName} 5000`,
        '',
      ].join('\n'),
    );
    this.children.push(spawn(REDIS_SERVER, [conf, '--sentinel']));
    await this.waitFor(async () => (await this.cli(replica, 'info', 'replication')).includes('master_link_status:up'), 'the replica’s first sync');
    await this.waitFor(
      async () => (await this.cli(sentinel, 'sentinel', 'replicas', this.masterName)).includes(String(replica)),
      'the sentinel to find the replica',
    );
  }

  cli(port: number, ...args: string[]): Promise<string> {
    return run(REDIS_CLI, ['-p', String(port), ...args], { timeout: 5000 }).then(
      (r) => r.stdout,
      () => '',
    );
  }

  /** The port of the primary as the sentinel names it now. */
  async primaryPort(): Promise<number> {
    return Number((await this.cli(this.ports.sentinel, 'sentinel', 'get-master-addr-by-name', this.masterName)).trim().split('\n')[1]);
  }

  async waitFor(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(100);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.children.map((child) => {
        if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        return exited;
      }),
    );
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
