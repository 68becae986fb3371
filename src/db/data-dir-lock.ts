import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { basename, join } from 'node:path';

/** The embedded database's directory is held by another live process. */
export class DataDirInUseError extends Error {}

interface Holder {
  /** This lock's own id: which of several locks a pid may have held is this one. */
  token: string;
  pid: number;
  /** Which process that pid was: boot id and start time, where /proc tells (Linux). */
  identity?: string | null;
  command: string;
  since: string;
}

const LOCK = 'chommie.lock';

/**
 * A pid alone is reused: after a reboot, or in a container where the gateway is always pid 1,
 * a dead holder's pid can belong to a live process (even this one). The boot id and the
 * process's start time tell them apart.
 */
function identity(pid: number): string | null {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22, counted after the command name, which is in parentheses and may hold spaces.
    const started = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    return `${boot}:${started}`;
  } catch {
    return null;
  }
}

function alive(holder: Holder): boolean {
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = identity(holder.pid);
  return !holder.identity || !now || holder.identity === now;
}

function readHolder(path: string): Holder | null {
  try {
    const holder = JSON.parse(readFileSync(path, 'utf8')) as Holder;
    return Number.isInteger(holder.pid) ? holder : null;
  } catch {
    return null; // half-written or unreadable: a writer that died mid-write, stale
  }
}

/**
 * One process per embedded data directory: PGlite has no postmaster to refuse a second one, and
 * two processes on one directory both acknowledge writes that one of them then loses.
 *
 * A lock file with the holder's pid, created atomically (link(2) fails if it exists). A lock
 * whose process is gone (by pid, boot id and start time) is stale and taken over, so a crash never blocks the next start; the
 * takeover renames the stale file away first, which only one contender can do. Hand-written:
 * proper-lockfile, the usual package, declares a lock stale only after its mtime stops being
 * refreshed (seconds of waiting after a crash) and cannot say who holds it. Limits: one host
 * and one pid namespace (containers sharing a volume must not both run the embedded database;
 * use DATABASE_URL there).
 *
 * Returns the release function (also run on process exit).
 */
export function lockDataDir(dir: string, command = basename(process.argv[1] ?? 'node')): () => void {
  const path = join(dir, LOCK);
  const mine: Holder = { token: randomUUID(), pid: process.pid, identity: identity(process.pid), command, since: new Date().toISOString() };
  const temp = `${path}.${process.pid}`;
  writeFileSync(temp, JSON.stringify(mine));
  try {
    for (let attempt = 0; ; attempt += 1) {
      try {
        linkSync(temp, path);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = readHolder(path);
      if ((holder && alive(holder)) || attempt > 3) {
        const who = holder
          ? `${holder.command} (pid ${holder.pid}${holder.pid === process.pid ? ', this very process' : ''}, since ${holder.since})`
          : 'another process';
        throw new DataDirInUseError(
          `The embedded database in ${dir} is in use by ${who}. ` +
            'Stop that process first, or give this one another DATA_DIR; for several processes on one database, use DATABASE_URL (PostgreSQL).',
        );
      }
      const moved = `${path}.stale.${process.pid}`;
      try {
        renameSync(path, moved);
        // A contender may have taken the lock over between our read and our rename: then we
        // moved a live lock, and put it back.
        const taken = readHolder(moved);
        if (taken && taken.token !== holder?.token && alive(taken)) linkSync(moved, path);
        unlinkSync(moved);
      } catch {
        // Another contender moved it first: try again against whatever is there now.
      }
    }
  } finally {
    unlinkSync(temp);
  }
  const release = () => {
    process.off('exit', release);
    try {
      if (readHolder(path)?.token === mine.token) unlinkSync(path);
    } catch {
      // already gone
    }
  };
  process.on('exit', release);
  return release;
}
