import {
  chmodSync,
  constants,
  copyFileSync,
  lstatSync,
  lutimesSync,
  renameSync,
  rmdirSync,
  rmSync,
  symlinkSync,
  utimesSync,
} from 'node:fs';
import { basename, dirname } from 'node:path';
import { threadId } from 'node:worker_threads';
import { describeCause, errnoCode } from '../src/errors.js';
import { assertRealDir } from '../src/guard.js';
import { tempName } from '../src/temp.js';

/**
 * One write to the replica. `file` and `symlink` build the new entry under a temporary
 * name in the target directory and rename it into place, so the final path always holds
 * a complete old or new entry; `meta` fixes mode and mtime in place.
 */
export type CopyJob =
  | {
      readonly kind: 'file';
      readonly from: string;
      readonly to: string;
      readonly mode: number;
      readonly mtime: number;
      /** What the scan saw, to notice a source that changes while it is copied. */
      readonly size: number;
      readonly mtimeMs: number;
      readonly replacing: boolean;
    }
  | {
      readonly kind: 'symlink';
      readonly link: string;
      readonly to: string;
      readonly mtime: number;
      readonly replacing: boolean;
    }
  | { readonly kind: 'meta'; readonly to: string; readonly mode: number | undefined; readonly mtime: number };

export interface CopyTask {
  readonly jobs: CopyJob[];
  /** Set to 1 by the coordinator on shutdown: jobs not yet started are skipped. */
  readonly stop: Int32Array;
}

/**
 * `changed`: the source vanished or changed since the scan; nothing was written and the
 * next cycle picks it up. `skipped`: not started because of a shutdown.
 */
export type CopyResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly cause: string }
  | { readonly ok: 'changed'; readonly reason: string }
  | { readonly ok: 'skipped' };

class SourceChanged extends Error {}

let counter = 0;
const tempPath = (to: string): string => `${dirname(to)}/${tempName(basename(to), process.pid, threadId, counter++)}`;

/** Pool task: run a batch of writes, each independent; failures come back as data. */
export default function copy(task: CopyTask): CopyResult[] {
  const verified = new Set<string>();
  return task.jobs.map((job) => {
    if (Atomics.load(task.stop, 0) === 1) return { ok: 'skipped' };
    try {
      assertRealDir(dirname(job.to), verified);
      run(job);
      return { ok: true };
    } catch (error) {
      if (error instanceof SourceChanged) return { ok: 'changed', reason: error.message };
      return { ok: false, cause: describeCause(error) };
    }
  });
}

function run(job: CopyJob): void {
  if (job.kind === 'meta') {
    // chmod and utimes follow symlinks: make sure the entry is still what the scan saw.
    const stat = lstatSync(job.to);
    if (job.mode === undefined) lutimesSync(job.to, job.mtime, job.mtime);
    else if (!stat.isFile()) throw new Error('it is no longer a regular file');
    else {
      chmodSync(job.to, job.mode);
      utimesSync(job.to, job.mtime, job.mtime);
    }
    return;
  }
  const temp = tempPath(job.to);
  try {
    if (job.kind === 'file') copyChecked(job, temp);
    else {
      symlinkSync(job.link, temp);
      lutimesSync(temp, job.mtime, job.mtime);
    }
    // rename cannot replace a directory with a file: the emptied directory goes first.
    if (job.replacing && lstatSync(job.to, { throwIfNoEntry: false })?.isDirectory()) rmdirSync(job.to);
    renameSync(temp, job.to);
  } catch (error) {
    try {
      rmSync(temp, { force: true });
    } catch {
      throw new Error(`${describeCause(error)}; could not remove ${temp}`);
    }
    throw error;
  }
}

function copyChecked(job: Extract<CopyJob, { kind: 'file' }>, temp: string): void {
  try {
    // EXCL: never write through whatever might already sit at the temporary name.
    copyFileSync(job.from, temp, constants.COPYFILE_EXCL);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' && !lstatSync(job.from, { throwIfNoEntry: false }))
      throw new SourceChanged('vanished before it could be copied');
    throw error;
  }
  // The copy is only good if the source held still while it was read (and is still a file, not a symlink).
  const after = lstatSync(job.from, { throwIfNoEntry: false });
  if (!after) throw new SourceChanged('vanished while it was copied');
  if (!after.isFile() || after.size !== job.size || after.mtimeMs !== job.mtimeMs)
    throw new SourceChanged('changed while it was copied');
  chmodSync(temp, job.mode);
  utimesSync(temp, job.mtime, job.mtime);
}
