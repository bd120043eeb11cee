import { createHash } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errnoCode, usageError } from '../errors.js';

/** Lock files live outside every replica (a replica must hold only what its source holds), shared by all users. */
export const defaultLockDir = (): string => join(tmpdir(), 'replisync-locks');

export interface Lock {
  readonly path: string;
  release(): void;
}

interface Holder {
  pid: number;
  replica: string;
  started: string;
}

function isAlive(pid: number): boolean {
  // kill(0) would signal our own process group: a pid that is not positive names no holder.
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return errnoCode(error) === 'EPERM';
  }
}

function readHolder(path: string): Holder | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Holder;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    // Unparsable: a writer killed half-way; treat as stale.
    return { pid: 0, replica: '', started: '' };
  }
}

function ensureLockDir(dir: string): void {
  try {
    mkdirSync(dir);
    // Sticky and world-writable like /tmp, so every user can lock their own replicas.
    chmodSync(dir, 0o1777);
  } catch (error) {
    if (errnoCode(error) !== 'EEXIST') throw error;
  }
}

/**
 * Takes the lock of one replica: a second replisync on the same replica is refused with the
 * other process named, and a lock whose process is gone (killed with -9) is taken over.
 */
export function acquireLock(replica: string, dir = defaultLockDir()): Lock {
  ensureLockDir(dir);
  const path = join(dir, `${createHash('sha256').update(replica).digest('hex').slice(0, 24)}.lock`);
  const me: Holder = { pid: process.pid, replica, started: new Date().toISOString() };
  for (;;) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
      break;
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST') throw error;
    }
    const holder = readHolder(path);
    if (holder && isAlive(holder.pid)) {
      throw usageError(
        `replica ${replica} is already being synced by process ${holder.pid} (since ${holder.started}); lock file ${path}`,
      );
    }
    try {
      unlinkSync(path);
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') throw error;
    }
  }
  return {
    path,
    release() {
      if (readHolder(path)?.pid === process.pid) unlinkSync(path);
    },
  };
}

/** Takes every replica's lock, or none: a refusal releases those already taken. A dry run takes none. */
export function lockReplicas(jobs: readonly { readonly replica: string; readonly dryRun: boolean }[]): Lock[] {
  const locks: Lock[] = [];
  if (jobs.every((job) => job.dryRun)) return locks;
  try {
    for (const job of jobs) locks.push(acquireLock(job.replica));
  } catch (error) {
    for (const lock of locks) lock.release();
    throw error;
  }
  return locks;
}
