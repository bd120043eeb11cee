import { closeSync, copyFileSync, mkdirSync, openSync, readdirSync, readSync, rmSync, writeSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createConsola } from 'consola/core';
import { Bench } from 'tinybench';
import xxhash from 'xxhash-wasm';
import { runCycle } from '../src/run/cycle.js';
import { type CycleOptions, cycleOptions } from '../src/sync/cycle.js';
import { ColumnSink } from '../src/tree/local/columns.js';
import { hasherFor } from '../src/tree/local/hash.js';
import { WorkerPool } from '../src/tree/local/pool.js';
import { closeFront, newShare } from '../src/tree/local/split-walk.js';
import { drainYielding, scanFront, scanTree, walkBack } from '../src/tree/local/walk.js';
import { ensureTree, SHAPES, type TreeName } from './tree.js';

/**
 * In-process strategy comparisons with tinybench, on the benchmark trees (generated on first
 * use and shared with compare.ts). Whole-process timings against rsync live in compare.ts.
 *   npm run bench [-- --dir /data/bench]
 */
const { values } = parseArgs({ options: { dir: { type: 'string', default: join(tmpdir(), 'replisync-bench') } } });
const base = values.dir;
const silent = createConsola({ level: -1, reporters: [] });
const stop = new Int32Array(new SharedArrayBuffer(4));

const tree = (name: TreeName): string => ensureTree(base, name);

async function walkAsync(root: string, limit: number): Promise<number> {
  let count = 0;
  const queue = [''];
  const worker = async (): Promise<void> => {
    for (let rel = queue.pop(); rel !== undefined; rel = queue.pop()) {
      for (const d of await readdir(join(root, rel), { withFileTypes: true })) {
        const path = rel ? `${rel}/${d.name}` : d.name;
        await lstat(join(root, path));
        count++;
        if (d.isDirectory()) queue.push(path);
      }
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return count;
}

/** One tree split between this thread (from the back) and a pool thread (from the front), as a cycle splits a tree. */
async function walkBothEnds(pool: WorkerPool, root: string): Promise<number> {
  const share = newShare();
  const nothing = newShare();
  closeFront(nothing);
  const pooled = pool.scan({ walk: { root, exclude: [], share }, help: { root, exclude: [], share: nothing } });
  const sink = new ColumnSink();
  await drainYielding(walkBack(root, undefined, sink, share));
  sink.decode((await pooled).walk);
  return sink.snapshot(root).entries.length;
}

function walkColumns(root: string): number {
  const sink = new ColumnSink();
  sink.decode(scanFront({ root, exclude: [], share: newShare() }));
  return sink.snapshot(root).entries.length;
}

function streamedCopy(from: string, to: string, block: Buffer): void {
  const src = openSync(from, 'r');
  const dst = openSync(to, 'w');
  for (let n = readSync(src, block); n > 0; n = readSync(src, block)) writeSync(dst, block, 0, n);
  closeSync(src);
  closeSync(dst);
}

/** Hashes a file block by block, each block read into `into` and hashed by `hash` (given the bytes read). */
function hashFile(path: string, into: Buffer, hash: (length: number) => bigint): void {
  const fd = openSync(path, 'r');
  for (let n = readSync(fd, into, 0, into.length, null); n > 0; n = readSync(fd, into, 0, into.length, null)) hash(n);
  closeSync(fd);
}

const cycle = (
  pool: WorkerPool,
  source: string,
  replica: string,
  extra: Partial<CycleOptions> = {},
): Promise<unknown> => runCycle(pool, cycleOptions(source, replica, extra), silent, stop);

async function report(bench: Bench): Promise<void> {
  await bench.run();
  process.stdout.write(`\n${bench.name}\n`);
  console.table(bench.table());
}

const small = tree('many-small');
const mixed = tree('mixed');
const large = tree('large');
const scratch = join(base, 'suite');
mkdirSync(scratch, { recursive: true });

const walkPool = new WorkerPool(1, (e) => console.error(e));
const walking = new Bench({
  name: `walking many-small (${SHAPES['many-small'].files} files)`,
  time: 1000,
  iterations: 3,
});
walking
  .add('readdir + lstat, sync, on this thread → columns', () => void scanTree(small))
  .add(
    'readdir + lstat, sync → columns, encoded and decoded (what crosses from a pool thread)',
    () => void walkColumns(small),
  )
  .add('one tree from both ends: this thread and a pool thread', async () => void (await walkBothEnds(walkPool, small)))
  .add('fs.promises, 64 concurrent walkers', async () => void (await walkAsync(small, 64)))
  .add("readdirSync recursive, no stat (Node's own listing)", () => void readdirSync(small, { recursive: true }));
await report(walking);
await walkPool.close();

const workers = new Bench({
  name: 'mixed tree: initial copy and no-op re-sync by worker count',
  time: 500,
  iterations: 3,
});
for (const n of [1, 2, 4, 8]) {
  const pool = new WorkerPool(n, (e) => console.error(e));
  const copy = join(scratch, `copy-${n}`);
  workers
    .add(`initial copy, ${n} workers`, () => cycle(pool, mixed, copy), {
      beforeEach: () => rmSync(copy, { recursive: true, force: true }),
    })
    .add(`no-op re-sync, ${n} workers`, () => cycle(pool, mixed, copy), { afterAll: () => pool.close() });
}
await report(workers);

const checks = new Bench({ name: 'mixed tree: quick check vs --checksum (unchanged)', time: 500, iterations: 3 });
const checkPool = new WorkerPool(2, (e) => console.error(e));
checks
  .add('quick check (size + mtime)', () => cycle(checkPool, mixed, join(scratch, 'copy-2')))
  .add('--checksum (xxh64 of every pair)', () => cycle(checkPool, mixed, join(scratch, 'copy-2'), { checksum: true }), {
    afterAll: () => checkPool.close(),
  });
await report(checks);

const largeCopy = join(scratch, 'large-copy');
const chunks = new Bench({ name: 'large tree: --checksum by chunk size (2 workers)', time: 500, iterations: 3 });
const hashPool = new WorkerPool(2, (e) => console.error(e));
await cycle(hashPool, large, largeCopy);
for (const mib of [1, 8, 64, 256])
  chunks.add(`chunk ${mib} MiB`, () =>
    cycle(hashPool, large, largeCopy, { checksum: true, chunkSize: mib * 1024 * 1024 }),
  );
await report(chunks);
await hashPool.close();

const bigFile = join(large, 'd0', 'd0', 'f0.bin');
const copies = new Bench({ name: 'copying one 256 MiB file', time: 500, iterations: 3 });
const block = Buffer.allocUnsafe(1024 * 1024);
copies
  .add('fs.copyFileSync (copy_file_range, in the kernel)', () => copyFileSync(bigFile, join(scratch, 'out-1')))
  .add('read/write loop, 1 MiB buffer', () => streamedCopy(bigFile, join(scratch, 'out-2'), block));
await report(copies);

const HASH_BLOCK = 128 * 1024;
const api = await xxhash();
const direct = await hasherFor(HASH_BLOCK);
const plain = Buffer.allocUnsafeSlow(HASH_BLOCK);
const hashing = new Bench({
  name: 'hashing one 256 MiB file, 128 KiB blocks, xxh64 (page cache)',
  time: 500,
  iterations: 3,
});
hashing
  .add("into a buffer, then xxhash-wasm's h64Raw (which copies it into the module's memory)", () =>
    hashFile(bigFile, plain, (n) => api.h64Raw(n === plain.length ? plain : plain.subarray(0, n))),
  )
  .add("read straight into the module's memory (what --checksum does)", () =>
    hashFile(bigFile, direct.block, (n) => direct.xxh64(0, n, 0n)),
  );
await report(hashing);
