import { closeSync, openSync, readSync } from 'node:fs';
import xxhash from 'xxhash-wasm';
import { describeCause } from '../src/errors.js';

/** One byte range to compare between a source file and its replica, by relative path. */
export interface HashJob {
  readonly path: string;
  readonly offset: number;
  readonly length: number;
  /** Slot in `HashTask.cancel` shared by every range of the same pair; -1 for none. */
  readonly slot: number;
}

export interface HashTask {
  readonly sourceRoot: string;
  readonly replicaRoot: string;
  readonly jobs: HashJob[];
  /** Set to 1 by the coordinator once a pair is known to differ: its other ranges stop early. */
  readonly cancel: Int32Array;
  readonly blockSize: number;
}

/** Per job: true when both ranges hash alike, false when they differ, or the cause of a read failure. */
export type HashVerdict = boolean | string;

type Hasher = Awaited<ReturnType<typeof xxhash>>;
let hasher: Promise<Hasher> | undefined;
let blocks: [Buffer, Buffer] | undefined;

/** Pool task: compare ranges by xxh64 over both sides, block by block, reading into reused buffers. */
export default async function hash(task: HashTask): Promise<HashVerdict[]> {
  hasher ??= xxhash();
  const api = await hasher;
  if (!blocks || blocks[0].length < task.blockSize) blocks = [Buffer.allocUnsafeSlow(task.blockSize), Buffer.allocUnsafeSlow(task.blockSize)];
  const verdicts: HashVerdict[] = [];
  for (const job of task.jobs) verdicts.push(compareRange(api, job, task, blocks));
  return verdicts;
}

const cancelled = (job: HashJob, task: HashTask): boolean => job.slot >= 0 && Atomics.load(task.cancel, job.slot) === 1;

function compareRange(api: Hasher, job: HashJob, task: HashTask, [a, b]: [Buffer, Buffer]): HashVerdict {
  if (cancelled(job, task)) return false;
  let fa: number | undefined;
  let fb: number | undefined;
  try {
    fa = openSync(`${task.sourceRoot}/${job.path}`, 'r');
    fb = openSync(`${task.replicaRoot}/${job.path}`, 'r');
    // Block by block, each side's block hashed whole: the first differing block ends the
    // comparison (a file edited near its start costs one block, not the whole range).
    const end = job.offset + job.length;
    for (let pos = job.offset; pos < end; ) {
      if (cancelled(job, task)) return false;
      const want = Math.min(task.blockSize, end - pos);
      const na = readSync(fa, a, 0, want, pos);
      const nb = readSync(fb, b, 0, want, pos);
      // A short read means a file shrank since the scan: the sides no longer match.
      if (na !== want || nb !== want) return false;
      if (api.h64Raw(want === a.length ? a : a.subarray(0, want)) !== api.h64Raw(want === b.length ? b : b.subarray(0, want))) return false;
      pos += want;
    }
    return true;
  } catch (error) {
    return describeCause(error);
  } finally {
    if (fa !== undefined) closeSync(fa);
    if (fb !== undefined) closeSync(fb);
  }
}
