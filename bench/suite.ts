import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import { createConsola } from 'consola/core';
import { compareContents } from '../src/compare.js';
import { WorkerPool } from '../src/pool.js';
import { decodeSnapshot, scanEncoded, scanTree } from '../src/scan.js';
import { cycleOptions, runCycle, type CycleOptions } from '../src/sync.js';
import type { Entry } from '../src/types.js';
import { rng } from './tree.js';

/**
 * In-process strategy comparisons with tinybench, on small generated trees so that the
 * whole suite runs in a few minutes. Whole-process timings against rsync live in compare.ts.
 *   npm run bench [-- --dir /data/bench --files 20000]
 */
const { values } = parseArgs({ options: { dir: { type: 'string', default: join(tmpdir(), 'replisync-suite') }, files: { type: 'string', default: '20000' } } });
const dir = values.dir;
const files = Number(values.files);
const MiB = 1024 * 1024;
const silent = createConsola({ level: -1, reporters: [] });
const stop = new Int32Array(new SharedArrayBuffer(4));

function smallTree(root: string): void {
  if (existsSync(root)) return;
  const random = rng(7);
  for (let i = 0; i < files; i++) {
    const d = join(root, `d${Math.floor(i / 100)}`);
    if (i % 100 === 0) mkdirSync(d, { recursive: true });
    writeFileSync(join(d, `f${i}`), Buffer.alloc(1024 + Math.floor(random() * 15 * 1024), i & 0xff));
  }
}

function bigFile(path: string, size: number): void {
  if (existsSync(path)) return;
  const block = Buffer.alloc(MiB);
  const random = rng(size);
  for (let i = 0; i < block.length; i++) block[i] = Math.floor(random() * 256);
  const fd = openSync(path, 'w');
  for (let written = 0; written < size; written += MiB) writeSync(fd, block);
  closeSync(fd);
}

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

function streamedCopy(from: string, to: string, block: Buffer): void {
  const src = openSync(from, 'r');
  const dst = openSync(to, 'w');
  for (let n = readSync(src, block); n > 0; n = readSync(src, block)) writeSync(dst, block, 0, n);
  closeSync(src);
  closeSync(dst);
}

const cycle = (pool: WorkerPool, source: string, replica: string, extra: Partial<CycleOptions> = {}): Promise<unknown> =>
  runCycle(pool, cycleOptions(source, replica, extra), silent, stop);

async function report(bench: Bench): Promise<void> {
  await bench.run();
  process.stdout.write(`\n${bench.name}\n`);
  console.table(bench.table());
}

const src = join(dir, 'small-src');
const rep = join(dir, 'small-replica');
smallTree(src);
mkdirSync(rep, { recursive: true });

const walking = new Bench({ name: `walking a ${files}-file tree`, time: 2000, iterations: 5 });
walking
  .add('readdir + lstat, sync, this thread → Entry objects', () => void scanTree(src))
  .add('readdir + lstat, sync → columns → decoded Entry objects', () => void decodeSnapshot(scanEncoded(src)))
  .add('fs.promises, 64 walkers', async () => void (await walkAsync(src, 64)))
  .add('readdirSync only (the floor without stats)', () => void readdirSync(src, { recursive: true }));
await report(walking);

const workers = new Bench({ name: 'initial copy and no-op re-sync by worker count', time: 1000, iterations: 3 });
for (const n of [1, 2, 4, 8]) {
  const pool = new WorkerPool(n, (e) => console.error(e));
  workers.add(`initial copy, ${n} workers`, () => cycle(pool, src, join(dir, `copy-${n}`)), { beforeEach: () => rmSync(join(dir, `copy-${n}`), { recursive: true, force: true }) });
  workers.add(`no-op re-sync, ${n} workers`, () => cycle(pool, src, rep), { beforeAll: () => cycle(pool, src, rep).then(() => undefined), afterAll: () => pool.close() });
}
await report(workers);

const checks = new Bench({ name: 'quick check vs --checksum (unchanged tree)', time: 1000, iterations: 3 });
const checkPool = new WorkerPool(2, (e) => console.error(e));
checks.add('quick check (size + mtime)', () => cycle(checkPool, src, rep)).add('--checksum (xxh64 of every pair)', () => cycle(checkPool, src, rep, { checksum: true }), { afterAll: () => checkPool.close() });
await report(checks);

const big = join(dir, 'big-a');
const bigCopy = join(dir, 'big-b');
bigFile(big, 256 * MiB);
if (!existsSync(bigCopy)) copyFileSync(big, bigCopy);
const pair: Entry = { path: 'big-a', kind: 'file', size: 256 * MiB, mtimeMs: 0, mode: 0o644 };
const chunks = new Bench({ name: 'hashing a 256 MiB pair by chunk size (2 workers)', time: 1000, iterations: 3 });
const hashPool = new WorkerPool(2, (e) => console.error(e));
for (const chunk of [1, 8, 32, 256]) {
  // Both sides are the same file name under different roots: compare big-a against its copy.
  chunks.add(`chunk ${chunk} MiB`, () => compareContents(hashPool, dir, join(dir, 'copy-of'), [pair], { chunkSize: chunk * MiB }), {
    beforeAll: () => {
      mkdirSync(join(dir, 'copy-of'), { recursive: true });
      if (!existsSync(join(dir, 'copy-of', 'big-a'))) copyFileSync(bigCopy, join(dir, 'copy-of', 'big-a'));
    },
  });
}
await report(chunks);
await hashPool.close();

const copies = new Bench({ name: 'copying a 256 MiB file', time: 1000, iterations: 3 });
const block = Buffer.allocUnsafe(MiB);
copies.add('fs.copyFileSync (copy_file_range)', () => copyFileSync(big, join(dir, 'out-1'))).add('read/write loop, 1 MiB buffer', () => streamedCopy(big, join(dir, 'out-2'), block));
await report(copies);
