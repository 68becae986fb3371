import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { drive, posts, refused } from './load';
import { appName, type Served } from './processes';
import type { Req } from './scenarios';

/**
 * CPU time per request, of the server process and of the PostgreSQL backends serving it, over a
 * fixed number of requests at a fixed concurrency. Read from /proc, so it counts only what those
 * processes spent: on a shared machine, where req/s move with whatever else runs, it is the
 * figure that compares runs (and the peer) fairly.
 */
export interface Cost {
  requests: number;
  /** Answered: 2xx with no GraphQL errors. The CPU below is per answer. */
  answered: number;
  /** Refused (429, 503): their CPU is billed to the answers, as it is spent instead of them. */
  refused: number;
  /** Failed or timed out. */
  failed: number;
  serverMs: number;
  postgresMs: number;
}

const TICK_MS = 1000 / 100; // USER_HZ: 100 on Linux whatever the kernel's own tick

/** utime + stime of a process, in ms; null once it has gone. */
function cpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return null;
  }
}

/** The server process and its children (a server that forks workers is billed for them too). */
export function tree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const all = [pid];
  for (let i = 0; i < all.length; i += 1) all.push(...(children.get(all[i]) ?? []));
  return all;
}

export const sum = (pids: number[], start?: Map<number, number>) => {
  const now = new Map<number, number>();
  for (const pid of pids) {
    const ms = cpuMs(pid);
    if (ms !== null) now.set(pid, ms);
  }
  if (!start) return { now, spent: 0 };
  // A backend that started during the cell counts from 0; one that ended is lost (pools keep
  // theirs open while they are busy, so this is rare and small).
  let spent = 0;
  for (const [pid, ms] of now) spent += ms - (start.get(pid) ?? 0);
  return { now, spent };
};

/** The backends serving `server` on `database` (processes.ts names their connections). */
async function backends(admin: pg.Client, database: string, server: Served): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend' AND application_name = $2",
    [database, appName(server.name)],
  );
  return rows.map((r) => r.pid);
}

/** Sends `requests` requests drawn from `next` over `connections` connections to `server`, and bills their answers. */
export async function cost(server: Served, dbUrl: string, next: () => Req, requests: number, connections: number): Promise<Cost> {
  const url = server.url;
  const serverPid = server.child.pid!;
  const database = new URL(dbUrl).pathname.slice(1);
  const admin = new pg.Client({ connectionString: dbUrl });
  await admin.connect();
  try {
    const serverStart = sum(tree(serverPid));
    const pgStart = sum(await backends(admin, database, server));
    const { outcome } = await drive({ url: `${url}/graphql`, connections, amount: requests, timeout: 30, requests: posts(next) });
    const pgEnd = sum(await backends(admin, database, server), pgStart.now);
    const serverEnd = sum(tree(serverPid), serverStart.now);
    const answered = Math.max(1, outcome.answered);
    return {
      requests: outcome.requests,
      answered: outcome.answered,
      refused: refused(outcome),
      failed: outcome.failed + outcome.timeouts,
      serverMs: serverEnd.spent / answered,
      postgresMs: pgEnd.spent / answered,
    };
  } finally {
    await admin.end();
  }
}
