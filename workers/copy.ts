import { chmodSync, constants, copyFileSync, lstatSync, lutimesSync, renameSync, rmdirSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { threadId } from 'node:worker_threads';
import { describeCause } from '../src/errors.js';

/**
 * One write to the replica. `file` and `symlink` build the new entry under a temporary
 * name in the target directory and rename it into place, so the final path always holds
 * a complete old or new entry; `meta` fixes mode and mtime in place.
 */
export type CopyJob =
  | { readonly kind: 'file'; readonly from: string; readonly to: string; readonly mode: number; readonly mtime: number; readonly replacing: boolean }
  | { readonly kind: 'symlink'; readonly link: string; readonly to: string; readonly mtime: number; readonly replacing: boolean }
  | { readonly kind: 'meta'; readonly to: string; readonly mode: number | undefined; readonly mtime: number };

export interface CopyTask {
  readonly jobs: CopyJob[];
  /** Set to 1 by the coordinator on shutdown: jobs not yet started are skipped. */
  readonly stop: Int32Array;
}

export type CopyResult = { readonly ok: true } | { readonly ok: false; readonly cause: string } | { readonly ok: 'skipped' };

/** Marks our temporary files, so that leftovers of a killed run can be recognised. */
export const TEMP_SUFFIX = '.replisync-tmp';
let counter = 0;

function tempPath(to: string): string {
  // Cut long names so the temporary name stays within NAME_MAX.
  return `${dirname(to)}/.${basename(to).slice(0, 120)}.${process.pid}-${threadId}-${counter++}${TEMP_SUFFIX}`;
}

/** Pool task: run a batch of writes, each independent; failures come back as data. */
export default function copy(task: CopyTask): CopyResult[] {
  return task.jobs.map((job) => {
    if (Atomics.load(task.stop, 0) === 1) return { ok: 'skipped' };
    try {
      run(job);
      return { ok: true };
    } catch (error) {
      return { ok: false, cause: describeCause(error) };
    }
  });
}

function run(job: CopyJob): void {
  if (job.kind === 'meta') {
    if (job.mode === undefined) lutimesSync(job.to, job.mtime, job.mtime);
    else {
      chmodSync(job.to, job.mode);
      utimesSync(job.to, job.mtime, job.mtime);
    }
    return;
  }
  const temp = tempPath(job.to);
  try {
    if (job.kind === 'file') {
      // EXCL: never write through whatever might already sit at the temporary name.
      copyFileSync(job.from, temp, constants.COPYFILE_EXCL);
      chmodSync(temp, job.mode);
      utimesSync(temp, job.mtime, job.mtime);
    } else {
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
