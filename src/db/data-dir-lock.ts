import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** The embedded database's directory is held by another live process. */
export class DataDirInUseError extends Error {}

interface Holder {
  pid: number;
  command: string;
  since: string;
}

const LOCK = 'chommie.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
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
 * whose pid is dead is stale and taken over, so a crash never blocks the next start; the
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
  const mine: Holder = { pid: process.pid, command, since: new Date().toISOString() };
  const temp = `${path}.${process.pid}`;
  writeFileSync(temp, JSON.stringify(mine));
  try {
    for (let attempt = 0; ; attempt += 1) {
      try {
        linkSync(temp, path);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 3) throw err;
      }
      const holder = readHolder(path);
      if (holder && holder.pid !== process.pid && alive(holder.pid)) {
        throw new DataDirInUseError(
          `The embedded database in ${dir} is in use by ${holder.command} (pid ${holder.pid}, since ${holder.since}). ` +
            'Stop that process first, or give this one another DATA_DIR; for several processes on one database, use DATABASE_URL (PostgreSQL).',
        );
      }
      const moved = `${path}.stale.${process.pid}`;
      try {
        renameSync(path, moved);
        // A contender may have taken the lock over between our read and our rename: then we
        // moved a live lock, and put it back.
        const taken = readHolder(moved);
        if (taken && taken.pid !== holder?.pid && alive(taken.pid)) linkSync(moved, path);
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
      if (readHolder(path)?.pid === process.pid) unlinkSync(path);
    } catch {
      // already gone
    }
  };
  process.on('exit', release);
  return release;
}
