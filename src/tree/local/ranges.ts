import { encodeName, hasRawBytes } from '../names.js';
import type { CompareOptions, Comparison, Entry } from '../tree.js';
import { hashRanges } from './hash.js';
import { runLanes } from './io-lanes.js';
import type { WorkerPool } from './pool.js';
import type { HashTask } from './tasks.js';

/** Rough single-thread costs here, to decide how many threads a comparison is worth: per pair (opening, closing, small reads) and per byte read (both sides). */
const PAIR_MS = 0.025;
const BYTES_PER_MS = 3e6;

/** Hashing reads in blocks that stay in the L2 cache: measured here, 128 KiB reads run at about 10 GiB/s from the page cache and 1 MiB reads at 2.5. */
const BLOCK_SIZE = 128 * 1024;

const shared = <T extends Int32Array | Float64Array>(
  Type: new (buffer: SharedArrayBuffer) => T,
  bytesPer: number,
  length: number,
): T => new Type(new SharedArrayBuffer(bytesPer * length));

const POLL_MS = 200;

/** Reports the bytes of the ranges the threads have taken so far, read from the shared counter every `POLL_MS`. */
function progressPoll(task: HashTask, count: number, onProgress: (bytes: number) => void): NodeJS.Timeout {
  const before = new Float64Array(count + 1);
  for (let i = 0; i < count; i++) before[i + 1] = (before[i] as number) + 2 * (task.lengths[i] as number);
  return setInterval(() => onProgress(before[Math.min(count, Atomics.load(task.next, 0))] as number), POLL_MS).unref();
}

/**
 * Hashes each pair (source entry + the replica file at the same path) on the pool (or here,
 * when no thread has started and the work is shorter than starting one) and says whether
 * their contents are equal. Large pairs are split into ranges of `chunkSize`;
 * every pool thread takes ranges from one shared list (the large ones first, so that the
 * last ranges taken are short and the threads finish together), and the first mismatch of
 * a pair stops its other ranges.
 */
export async function compareContents(
  pool: WorkerPool,
  sourceRoot: string,
  replicaRoot: string,
  pairs: readonly Entry[],
  options: CompareOptions,
): Promise<Comparison> {
  const rangesOf = (entry: Entry): number =>
    entry.size > options.chunkSize ? Math.ceil(entry.size / options.chunkSize) : entry.size > 0 ? 1 : 0;
  const count = pairs.reduce((sum, entry) => sum + rangesOf(entry), 0);
  // The paths go to every thread as one buffer of their exact bytes in shared memory, read a path at a time:
  // no thread holds its own copy of 100,000 strings.
  const starts = shared(Int32Array, 4, pairs.length + 1);
  pairs.forEach((entry, pair) => {
    starts[pair + 1] =
      (starts[pair] as number) +
      (hasRawBytes(entry.path) ? encodeName(entry.path).length : Buffer.byteLength(entry.path));
  });
  const paths = Buffer.from(new SharedArrayBuffer(starts[pairs.length] as number));
  pairs.forEach((entry, pair) => {
    if (hasRawBytes(entry.path)) encodeName(entry.path).copy(paths, starts[pair] as number);
    else paths.write(entry.path, starts[pair] as number);
  });
  const task: HashTask = {
    sourceRoot,
    replicaRoot,
    paths: new Uint8Array(paths.buffer),
    starts,
    pairs: shared(Int32Array, 4, count),
    offsets: shared(Float64Array, 8, count),
    lengths: shared(Float64Array, 8, count),
    next: shared(Int32Array, 4, 1),
    differs: shared(Int32Array, 4, pairs.length),
    stop: options.stop ?? shared(Int32Array, 4, 1),
    blockSize: Math.min(BLOCK_SIZE, options.chunkSize),
  };
  let at = 0;
  let bytes = 0;
  const add = (pair: number, offset: number, length: number): void => {
    task.pairs[at] = pair;
    task.offsets[at] = offset;
    task.lengths[at++] = length;
    bytes += 2 * length;
  };
  pairs.forEach((entry, pair) => {
    if (entry.size > options.chunkSize)
      for (let offset = 0; offset < entry.size; offset += options.chunkSize)
        add(pair, offset, Math.min(options.chunkSize, entry.size - offset));
  });
  pairs.forEach((entry, pair) => {
    if (entry.size > 0 && entry.size <= options.chunkSize) add(pair, 0, entry.size);
  });
  const ms = count * PAIR_MS + bytes / BYTES_PER_MS;
  const poll = options.onProgress && progressPoll(task, count, options.onProgress);
  const failures = await (pool.worthAThread(ms)
    ? runLanes(
        Math.min(pool.threadsFor(ms), count),
        Math.min(pool.readers, count),
        () => Atomics.load(task.next, 0) < count,
        () => pool.hash(task),
      ).then((f) => f.flat())
    : hashRanges(task)
  ).finally(() => clearInterval(poll));
  const unreadable = new Map(failures.map((f) => [f.failure.path, f.failure.cause]));
  const verdicts = new Map(pairs.map((entry, pair) => [entry.path, Atomics.load(task.differs, pair) === 0]));
  return { verdicts, unreadable };
}
