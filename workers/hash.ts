import { closeSync, openSync, readSync } from 'node:fs';
import xxhash from 'xxhash-wasm';
import { describeCause } from '../src/errors.js';

/**
 * Byte ranges to compare between source files and their replicas, in columns. Every thread
 * of the pool gets the same task and takes ranges from the shared `next` counter until none
 * are left, so no thread waits on a round trip to the coordinator between ranges, and a
 * thread that boots late simply takes fewer.
 */
export interface HashTask {
  readonly sourceRoot: string;
  readonly replicaRoot: string;
  /** Relative paths of the pairs, UTF-8, one after the other (shared); pair `i` spans `starts[i]` to `starts[i + 1]`. */
  readonly paths: Uint8Array;
  readonly starts: Int32Array;
  /** Per range: its pair (an index into `starts` and `differs`), offset and length. */
  readonly pairs: Int32Array;
  readonly offsets: Float64Array;
  readonly lengths: Float64Array;
  /** Shared: the index of the next range to take. */
  readonly next: Int32Array;
  /** Shared, per pair: set to 1 once a range differs (or cannot be read), which also stops its other ranges. */
  readonly differs: Int32Array;
  /** Set to 1 by the coordinator on shutdown: no range is started after it, and ranges under way stop at their next block. */
  readonly stop: Int32Array;
  readonly blockSize: number;
}

/** A pair whose ranges could not be read, and why; it counts as different. */
export interface HashFailure {
  readonly pair: number;
  readonly cause: string;
}

type Hasher = Awaited<ReturnType<typeof xxhash>>;
let hasher: Promise<Hasher> | undefined;
let blocks: [Buffer, Buffer] | undefined;

/** Pool task: compare ranges by xxh64 over both sides, block by block, reading into reused buffers. */
export default async function hash(task: HashTask): Promise<HashFailure[]> {
  hasher ??= xxhash();
  const api = await hasher;
  if (!blocks || blocks[0].length < task.blockSize) blocks = [Buffer.allocUnsafeSlow(task.blockSize), Buffer.allocUnsafeSlow(task.blockSize)];
  const paths = Buffer.from(task.paths.buffer, task.paths.byteOffset, task.paths.byteLength);
  const pathOf = (pair: number): string => paths.toString('utf8', task.starts[pair], task.starts[pair + 1]);
  const failures: HashFailure[] = [];
  for (let range = Atomics.add(task.next, 0, 1); range < task.pairs.length && Atomics.load(task.stop, 0) === 0; range = Atomics.add(task.next, 0, 1)) {
    const pair = task.pairs[range] as number;
    if (Atomics.load(task.differs, pair) === 1) continue;
    const verdict = compareRange(api, pathOf(pair), task.offsets[range] as number, task.lengths[range] as number, pair, task, blocks);
    if (verdict === true) continue;
    Atomics.store(task.differs, pair, 1);
    if (verdict !== false) failures.push({ pair, cause: verdict });
  }
  return failures;
}

/** True when both ranges hash alike block by block, false at the first differing block, or the cause of a read failure. */
function compareRange(api: Hasher, path: string, offset: number, length: number, pair: number, task: HashTask, [a, b]: [Buffer, Buffer]): boolean | string {
  let fa: number | undefined;
  let fb: number | undefined;
  try {
    fa = openSync(`${task.sourceRoot}/${path}`, 'r');
    fb = openSync(`${task.replicaRoot}/${path}`, 'r');
    // Each side's block hashed whole: the first differing block ends the comparison (a file
    // edited near its start costs one block, not the whole range).
    const end = offset + length;
    for (let pos = offset; pos < end; ) {
      // Another range of the same pair may have found a difference meanwhile; a stopped cycle acts on no verdict.
      if (Atomics.load(task.differs, pair) === 1 || Atomics.load(task.stop, 0) === 1) return false;
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
