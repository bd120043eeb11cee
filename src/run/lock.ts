import { linkSync, lstatSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describeCause, errnoCode, usageError } from '../errors.js';
import { makeDirs } from '../tree/local/makedirs.js';
import { sha256Hex } from './sha256.js';

/**
 * Lock files live outside every replica (a replica must hold only what its source holds), in
 * a directory of the user's own that no one else can write: `$XDG_RUNTIME_DIR/replisync`,
 * else `$XDG_STATE_HOME/replisync/locks`, else `~/.local/state/replisync/locks`.
 */
export function defaultLockDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'replisync');
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'replisync', 'locks');
}

export interface Lock {
  readonly path: string;
  release(): void;
}

/** Who holds a lock: a pid alone can be reused, so the process's start time (from /proc) goes with it. */
interface Holder {
  pid: number;
  start: string | undefined;
  replica: string;
  since: string;
}

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot; undefined when it is gone. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

const isLive = (holder: Holder): boolean =>
  Number.isInteger(holder.pid) &&
  holder.pid > 0 &&
  processStart(holder.pid) !== undefined &&
  processStart(holder.pid) === holder.start;

/** A lock file's text, or undefined when there is none. */
function readLock(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

function parseHolder(text: string): Holder | 'garbage' {
  try {
    const holder = JSON.parse(text) as Partial<Holder>;
    return typeof holder.pid === 'number' ? (holder as Holder) : 'garbage';
  } catch {
    return 'garbage';
  }
}

const readHolder = (path: string): Holder | 'gone' | 'garbage' => {
  const text = readLock(path);
  return text === undefined ? 'gone' : parseHolder(text);
};

/** Creates the lock directory (mode 0700) and refuses one that is not a private directory of this user's. */
function privateDir(dir: string): void {
  try {
    makeDirs(dir, 0o700);
  } catch (error) {
    throw usageError(`cannot create the lock directory ${dir}: ${describeCause(error)}`);
  }
  const stat = lstatSync(dir);
  const uid = process.geteuid?.() ?? stat.uid;
  if (!stat.isDirectory() || stat.uid !== uid || (stat.mode & 0o077) !== 0) {
    const what = stat.isDirectory()
      ? `owned by uid ${stat.uid}, mode ${(stat.mode & 0o7777).toString(8)}`
      : 'not a directory';
    throw usageError(`lock directory ${dir} is not private to this user (${what}): refusing to use it`);
  }
}

const unlinkIfThere = (path: string): void => {
  try {
    unlinkSync(path);
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error;
  }
};

/**
 * Takes the lock of one replica. The lock file appears whole or not at all: it is written
 * under a private name, then hard-linked into place, which fails if a lock is there. A second
 * replisync is refused with the holder named; a lock whose process is gone (killed with -9,
 * or its pid reused by another process) is removed under a short-lived `.break` lock, and
 * only if it is still the very file found stale, so two processes cannot both take it over.
 */
export function acquireLock(replica: string, dir = defaultLockDir(), what: 'replica' | 'source' = 'replica'): Lock {
  privateDir(dir);
  const path = join(dir, `${sha256Hex(replica).slice(0, 24)}.lock`);
  const me: Holder = { pid: process.pid, start: processStart(process.pid), replica, since: new Date().toISOString() };
  // Unique enough within this process (and `wx` refuses a clash rather than share a file).
  const temp = join(dir, `.${process.pid}-${Math.random().toString(16).slice(2, 14)}.tmp`);
  try {
    writeFileSync(temp, JSON.stringify(me), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    throw usageError(`cannot write a lock file in ${dir}: ${describeCause(error)}`);
  }
  try {
    for (let attempt = 0; attempt < 100; attempt++) {
      try {
        linkSync(temp, path);
        return { path, release: () => releaseIfMine(path, me) };
      } catch (error) {
        if (errnoCode(error) !== 'EEXIST') throw usageError(`cannot take the lock ${path}: ${describeCause(error)}`);
      }
      const text = readLock(path);
      if (text === undefined) continue;
      const holder = parseHolder(text);
      if (typeof holder === 'object' && isLive(holder)) {
        throw usageError(
          `${what} ${replica} is already being synced by process ${holder.pid} (since ${holder.since}); lock file ${path}`,
        );
      }
      breakStale(path, text, temp);
    }
    throw usageError(`cannot take the lock ${path}: it kept changing hands`);
  } finally {
    unlinkIfThere(temp);
  }
}

/**
 * Removes the lock judged stale, under a `.break` lock, and only if it still holds the very
 * text judged stale: a pid, its start time and the time it took the lock name one taking of
 * it. (Comparing inodes is not enough: a freed inode is soon given to the next lock file.)
 */
function breakStale(path: string, stale: string, temp: string): void {
  const breaker = `${path}.break`;
  try {
    linkSync(temp, breaker);
  } catch (error) {
    if (errnoCode(error) !== 'EEXIST') throw error;
    // Another process is breaking it; its breaker is only stale if that process is gone, and
    // is removed only if it still holds the text judged stale.
    const other = readLock(breaker);
    if (other === undefined) return;
    const holder = parseHolder(other);
    if ((typeof holder !== 'object' || !isLive(holder)) && readLock(breaker) === other) unlinkIfThere(breaker);
    return;
  }
  try {
    if (readLock(path) === stale) unlinkIfThere(path);
  } finally {
    unlinkIfThere(breaker);
  }
}

function releaseIfMine(path: string, me: Holder): void {
  const holder = readHolder(path);
  if (typeof holder === 'object' && holder.pid === me.pid && holder.start === me.start) unlinkIfThere(path);
}

/** Takes every replica's lock, or none: a refusal releases those already taken. A dry run takes none. */
export function lockReplicas(
  jobs: readonly {
    readonly source: string;
    readonly replica: string;
    readonly dryRun: boolean;
    readonly twoWay?: boolean;
  }[],
): Lock[] {
  const locks: Lock[] = [];
  if (jobs.every((job) => job.dryRun)) return locks;
  try {
    // A two-way job writes both of its roots.
    for (const job of jobs) {
      locks.push(acquireLock(job.replica));
      if (job.twoWay) locks.push(acquireLock(job.source, undefined, 'source'));
    }
  } catch (error) {
    for (const lock of locks) lock.release();
    throw error;
  }
  return locks;
}
