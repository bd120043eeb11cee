import { closeSync, constants, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type Failure, failureOf } from '../../errors.js';
import { decodeName } from '../names.js';
import type { HashFailure, HashTask } from './tasks.js';

/** xxh64 over `length` bytes of the hasher's memory from `at`. */
type Xxh64 = (at: number, length: number, seed: bigint) => bigint;

/** xxhash-wasm's own WebAssembly module with the block buffer inside its memory. */
export interface Hasher {
  readonly xxh64: Xxh64;
  readonly block: Buffer;
}

let hasher: Hasher | undefined;

/**
 * Instantiates the module that xxhash-wasm ships (`workerd/xxhash.wasm`, the one its API wraps)
 * so that blocks are read straight into its memory: the package's `h64Raw` copies each block
 * in first, about a tenth of a comparison's CPU.
 */
export async function hasherFor(blockSize: number): Promise<Hasher> {
  if (hasher && hasher.block.length >= blockSize) return hasher;
  // Found by require.resolve: the bundle is CommonJS, which has no import.meta.resolve.
  const { instance } = await WebAssembly.instantiate(
    readFileSync(join(dirname(createRequire(import.meta.url).resolve('xxhash-wasm')), '../workerd/xxhash.wasm')),
  );
  const { mem, xxh64 } = instance.exports;
  if (!(mem instanceof WebAssembly.Memory) || typeof xxh64 !== 'function')
    throw new Error('xxhash-wasm: its module no longer exports mem and xxh64');
  if (mem.buffer.byteLength < blockSize) mem.grow(Math.ceil((blockSize - mem.buffer.byteLength) / 65536));
  hasher = { xxh64: xxh64 as Xxh64, block: Buffer.from(mem.buffer, 0, blockSize) };
  return hasher;
}

/** Pool task: compare ranges by xxh64 over both sides, block by block, each read straight into the hasher's memory. */
export async function hashRanges(task: HashTask): Promise<HashFailure[]> {
  const api = await hasherFor(task.blockSize);
  const paths = Buffer.from(task.paths.buffer, task.paths.byteOffset, task.paths.byteLength);
  const pathOf = (pair: number): Buffer => paths.subarray(task.starts[pair], task.starts[pair + 1]);
  const roots = { source: Buffer.from(`${task.sourceRoot}/`), replica: Buffer.from(`${task.replicaRoot}/`) };
  const failures: HashFailure[] = [];
  for (
    let range = Atomics.add(task.next, 0, 1);
    range < task.pairs.length && Atomics.load(task.stop, 0) === 0;
    range = Atomics.add(task.next, 0, 1)
  ) {
    const pair = task.pairs[range] as number;
    if (Atomics.load(task.differs, pair) === 1) continue;
    const verdict = compareRange(
      api,
      roots,
      pathOf(pair),
      task.offsets[range] as number,
      task.lengths[range] as number,
      pair,
      task,
    );
    if (verdict === true) continue;
    Atomics.store(task.differs, pair, 1);
    if (verdict !== false) failures.push({ pair, failure: verdict });
  }
  return failures;
}

const READ = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * Opens a file for hashing without following a symlink and without blocking: a FIFO or device
 * swapped in since the scan is refused, never read (a read from a FIFO would wait forever).
 * Only a verdict leaves a comparison, so what it reads is never copied anywhere.
 */
function openFile(path: Buffer): number {
  const fd = openSync(path, READ);
  if (fstatSync(fd).isFile()) return fd;
  closeSync(fd);
  throw new Error('it is no longer a regular file');
}

/** True when both ranges hash alike block by block, false at the first differing block, or why it could not be read. */
function compareRange(
  { xxh64, block }: Hasher,
  roots: { readonly source: Buffer; readonly replica: Buffer },
  path: Buffer,
  offset: number,
  length: number,
  pair: number,
  task: HashTask,
): boolean | Failure {
  let fa: number | undefined;
  let fb: number | undefined;
  try {
    fa = openFile(Buffer.concat([roots.source, path]));
    fb = openFile(Buffer.concat([roots.replica, path]));
    // Each side's block hashed whole: the first differing block ends the comparison (a file
    // edited near its start costs one block, not the whole range).
    const end = offset + length;
    for (let pos = offset; pos < end; ) {
      // Another range of the same pair may have found a difference meanwhile; a stopped cycle acts on no verdict.
      if (Atomics.load(task.differs, pair) === 1 || Atomics.load(task.stop, 0) === 1) return false;
      const want = Math.min(task.blockSize, end - pos);
      // A short read means a file shrank since the scan: the sides no longer match.
      if (readSync(fa, block, 0, want, pos) !== want) return false;
      const hashed = xxh64(0, want, 0n);
      if (readSync(fb, block, 0, want, pos) !== want || xxh64(0, want, 0n) !== hashed) return false;
      pos += want;
    }
    return true;
  } catch (error) {
    return failureOf(decodeName(path), error);
  } finally {
    if (fa !== undefined) closeSync(fa);
    if (fb !== undefined) closeSync(fb);
  }
}
