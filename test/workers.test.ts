import { execFileSync } from 'node:child_process';
import {
  closeSync,
  fstatSync,
  linkSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runCycle } from '../src/run/cycle.js';
import { cycleOptions } from '../src/sync/cycle.js';
import { ColumnSink } from '../src/tree/local/columns.js';
import { LocalTree } from '../src/tree/local/local-tree.js';
import { THREAD_EXEC_ARGV, WorkerPool } from '../src/tree/local/pool.js';
import { compareContents } from '../src/tree/local/ranges.js';
import { backShare, closeFront, newShare } from '../src/tree/local/split-walk.js';
import type { CopyJob, HashTask } from '../src/tree/local/tasks.js';
import { drainYielding, scanTree, walkBack, walkFront } from '../src/tree/local/walk.js';
import { type Entry, entryArray, type Op, type OpResult } from '../src/tree/tree.js';
import copy from '../workers/copy.js';
import hash from '../workers/hash.js';
import { captureLogger, plain, removeDir, tempDir, within, writeTree } from './helpers.js';

const W = suite<{ dir: string }>('workers', { dir: '' });
W.before.each((ctx) => {
  ctx.dir = tempDir();
});
W.after.each((ctx) => removeDir(ctx.dir));

const noCancel = (): Int32Array => new Int32Array(new SharedArrayBuffer(4));

/** A job copying `path` from the tree at `sourceRoot` as it is now (as a scan would have seen it). */
function fileJob(sourceRoot: string, path: string, extra: Partial<Extract<CopyJob, { kind: 'file' }>> = {}): CopyJob {
  const stat = lstatSync(join(sourceRoot, path), { throwIfNoEntry: false });
  return {
    kind: 'file',
    path,
    mode: 0o644,
    owner: undefined,
    size: stat?.size ?? 0,
    mtimeMs: stat?.mtimeMs ?? 0,
    replacing: 'nothing',
    ...extra,
  };
}

/** A hash task over `ranges` ([path, offset, length]) of the files under `s/` and `r/`; pairs numbered by first appearance. */
function hashTask(dir: string, ranges: [string, number, number][]): HashTask {
  const names = [...new Set(ranges.map(([path]) => path))];
  return {
    sourceRoot: join(dir, 's'),
    replicaRoot: join(dir, 'r'),
    paths: Buffer.from(names.join('')),
    starts: Int32Array.from([0, ...names], (_, i) => Buffer.byteLength(names.slice(0, i).join(''))),
    pairs: Int32Array.from(ranges, ([path]) => names.indexOf(path)),
    offsets: Float64Array.from(ranges, ([, offset]) => offset),
    lengths: Float64Array.from(ranges, ([, , length]) => length),
    next: new Int32Array(new SharedArrayBuffer(4)),
    differs: new Int32Array(new SharedArrayBuffer(4 * names.length)),
    stop: noCancel(),
    blockSize: 4096,
  };
}

W('hash: a pair differs when any of its ranges does; an unreadable pair comes back with its cause', async ({ dir }) => {
  const data = Buffer.alloc(10_000, 7);
  const other = Buffer.from(data);
  other[6000] = 8;
  writeTree(dir, { 's/f': data, 'r/f': other, 's/same': data, 'r/same': data, 's/only-in-source': data });
  const task = hashTask(dir, [
    ['f', 0, 6000],
    ['f', 6000, 4000],
    ['same', 0, 6000],
    ['same', 6000, 4000],
    ['only-in-source', 0, 10],
  ]);
  const failures = await hash(task);
  assert.equal(
    Array.from(task.differs),
    [1, 0, 1],
    'f differs in its second range, same is equal, the unreadable one counts as different',
  );
  assert.is(failures.length, 1);
  assert.is(failures[0]?.pair, 2);
  assert.match(String(failures[0]?.failure.cause), /^ENOENT: no such file or directory \(open\)$/);
  assert.is(Atomics.load(task.next, 0) >= 5, true, 'every range was taken');
});

W(
  'hash: a single changed byte is found wherever it sits, including the last byte of a block and of a file',
  async ({ dir }) => {
    const data = Buffer.alloc(10_000, 7);
    const at = [0, 4095, 4096, 9999];
    const tree: Record<string, Buffer> = { 's/same': data, 'r/same': data };
    for (const i of at) {
      const other = Buffer.from(data);
      other[i] = 8;
      tree[`s/${i}`] = data;
      tree[`r/${i}`] = other;
    }
    writeTree(dir, tree);
    const task = hashTask(dir, [
      ['same', 0, 10_000],
      ...at.map((i): [string, number, number] => [String(i), 0, 10_000]),
    ]);
    assert.equal(await hash(task), []);
    assert.equal(Array.from(task.differs), [0, 1, 1, 1, 1]);
  },
);

W('hash: a pair already known to differ is not read again', async ({ dir }) => {
  writeTree(dir, { s: null, r: null });
  const task = hashTask(dir, [['missing', 0, 4]]);
  Atomics.store(task.differs, 0, 1);
  assert.equal(await hash(task), [], 'no read, so no failure');
});

W('hash: once the run is stopped no range is started', async ({ dir }) => {
  writeTree(dir, { s: null, r: null });
  const task = hashTask(dir, [['missing', 0, 4]]);
  Atomics.store(task.stop, 0, 1);
  assert.equal(await hash(task), [], 'no read, so no failure');
});

W('hash: ranges already taken by another thread are left to it', async ({ dir }) => {
  writeTree(dir, { s: null, r: null });
  const task = hashTask(dir, [['missing', 0, 4]]);
  Atomics.store(task.next, 0, 1);
  assert.equal(await hash(task), []);
  assert.equal(Array.from(task.differs), [0]);
});

W('copy: files and symlinks land by rename with mode and mtime; failures come back as data', ({ dir }) => {
  writeTree(dir, { 's/old': 'content', 's/missing/new': 'new', 'out/old': 'old content', 'out/meta': 'm' });
  const sourceRoot = join(dir, 's');
  const replicaRoot = join(dir, 'out');
  utimesSync(join(sourceRoot, 'old'), 1_600_000_000.5, 1_600_000_000.5);
  const { results } = copy({
    sourceRoot,
    replicaRoot,
    stop: noCancel(),
    jobs: [
      fileJob(sourceRoot, 'old', { mode: 0o640 }),
      {
        kind: 'symlink',
        link: '../src',
        path: 'link',
        mtimeMs: 1_600_000_001_000,
        owner: undefined,
        replacing: 'nothing',
      },
      fileJob(sourceRoot, 'missing/new'),
      { kind: 'meta', path: 'meta', mode: 0o600, mtimeMs: 1_500_000_000_000, owner: undefined },
    ],
  });
  assert.equal(results.slice(0, 2), [{ ok: true }, { ok: true }]);
  assert.equal(results[2], {
    ok: false,
    failure: { path: 'missing/new', code: 'ENOENT', cause: 'ENOENT: no such file or directory (open)' },
  });
  assert.is(readFileSync(join(replicaRoot, 'old'), 'utf8'), 'content');
  assert.is(statSync(join(replicaRoot, 'old')).mode & 0o777, 0o640);
  assert.is(statSync(join(replicaRoot, 'old')).mtimeMs, 1_600_000_000_500);
  assert.is(readlinkSync(join(replicaRoot, 'link')), '../src');
  assert.is(lstatSync(join(replicaRoot, 'link')).mtimeMs, 1_600_000_001_000);
  assert.is(statSync(join(replicaRoot, 'meta')).mode & 0o777, 0o600);
  assert.is(statSync(join(replicaRoot, 'meta')).mtimeMs, 1_500_000_000_000);
  assert.equal(readdirSync(replicaRoot).sort(), ['link', 'meta', 'old'], 'no temporary file is left behind');
});

W(
  'copy: files on both sides of the in-memory limit (256 KiB) land whole, with mode and mtime to the microsecond',
  ({ dir }) => {
    const sizes = { empty: 0, limit: 256 * 1024, over: 256 * 1024 + 1, big: 3 * 1024 * 1024 };
    writeTree(
      dir,
      Object.fromEntries(Object.entries(sizes).map(([name, size]) => [`s/${name}`, Buffer.alloc(size, name)])),
    );
    writeTree(dir, { 'out/limit': 'old' });
    const sourceRoot = join(dir, 's');
    const names = Object.keys(sizes);
    for (const name of names) execFileSync('touch', ['-d', '2001-02-03 04:05:06.123456789', join(sourceRoot, name)]);
    const { results } = copy({
      sourceRoot,
      replicaRoot: join(dir, 'out'),
      stop: noCancel(),
      jobs: names.map((name) => fileJob(sourceRoot, name, { mode: 0o000, replacing: 'nothing' })),
    });
    assert.equal(
      results,
      names.map(() => ({ ok: true })),
    );
    const us = (path: string): bigint => statSync(path, { bigint: true }).mtimeNs / 1000n;
    for (const name of names) {
      const [from, to] = [join(sourceRoot, name), join(dir, 'out', name)];
      assert.ok(readFileSync(to).equals(readFileSync(from)), `${name}: the same bytes`);
      assert.is(statSync(to).mode & 0o7777, 0, `${name}: mode set even where the owner may not read`);
      assert.is(us(to), us(from), `${name}: mtime`);
    }
    assert.equal(readdirSync(join(dir, 'out')).sort(), [...names].sort(), 'no temporary file is left behind');
  },
);

W('copy: a source that changed or vanished since the scan is not written, and leaves no temporary file', ({ dir }) => {
  writeTree(dir, { 's/f': 'new content', 'out/f': 'old content' });
  const sourceRoot = join(dir, 's');
  const stale = fileJob(sourceRoot, 'f', { mtimeMs: 1 });
  const { results } = copy({
    sourceRoot,
    replicaRoot: join(dir, 'out'),
    stop: noCancel(),
    jobs: [stale, fileJob(sourceRoot, 'gone')],
  });
  assert.equal(results, [
    { ok: 'changed', reason: 'changed while it was copied' },
    { ok: 'changed', reason: 'vanished before it could be copied' },
  ]);
  assert.is(readFileSync(join(dir, 'out/f'), 'utf8'), 'old content');
  assert.equal(readdirSync(join(dir, 'out')), ['f']);
});

W(
  'copy: a replaced file with no other name comes back held open, its old content still readable through it',
  ({ dir }) => {
    writeTree(dir, { 's/a': 'new a', 's/b': 'new b', 's/c': 'new c', 'r/a': 'old a', 'r/b': 'old b' });
    linkSync(join(dir, 'r/b'), join(dir, 'r/b2'));
    const sourceRoot = join(dir, 's');
    const jobs = ['a', 'b', 'c'].map((path) => fileJob(sourceRoot, path));
    const { results, held } = copy({ sourceRoot, replicaRoot: join(dir, 'r'), stop: noCancel(), jobs });
    assert.equal(results, [{ ok: true }, { ok: true }, { ok: true }]);
    assert.equal(
      ['a', 'b', 'c'].map((p) => readFileSync(join(dir, 'r', p), 'utf8')),
      ['new a', 'new b', 'new c'],
    );
    assert.is(readFileSync(join(dir, 'r/b2'), 'utf8'), 'old b', 'the other name keeps the old file');
    // Only `a` had its last name replaced (`b` has another, `c` replaced nothing).
    assert.is(held.length, 1);
    const fd = held[0] as number;
    const buffer = Buffer.alloc(16);
    assert.is(buffer.toString('utf8', 0, readSync(fd, buffer, 0, 16, 0)), 'old a');
    assert.is(fstatSync(fd).nlink, 0);
    closeSync(fd);
  },
);

W('replacing files through the pool leaves no descriptor open once the writes are done', async ({ dir }) => {
  const files = (content: (i: number) => string) =>
    Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`d${i % 20}/f${i}`, content(i)]));
  writeTree(
    join(dir, 's'),
    files((i) => `new content ${i}`),
  );
  // Large enough that freeing each one's blocks (its last close) takes a while.
  writeTree(
    join(dir, 'r'),
    files((i) => `old ${i} `.repeat(10_000)),
  );
  const open = (): number => readdirSync('/proc/self/fd').length;
  // One thread, booted by a first write: a thread starting during the writes counted would open descriptors of its own.
  const pool = new WorkerPool(1, (error) => assert.unreachable(error.message));
  try {
    const source = new LocalTree(join(dir, 's'), pool);
    const replica = new LocalTree(join(dir, 'r'), pool);
    const ops: Op[] = entryArray(scanTree(source.root).entries)
      .filter((e) => e.kind === 'file')
      .map((entry) => ({
        op: 'put',
        path: entry.path,
        entry,
        mode: entry.mode,
        owner: undefined,
        replacing: 'nothing',
      }));
    const results: OpResult[] = [];
    const apply = (some: Op[]): Promise<void> =>
      within(
        30_000,
        replica.apply(some, { from: source, stop: noCancel(), onResult: (_, r) => results.push(r) }),
        'the writes',
      );
    await apply(ops.slice(0, 1));
    const before = open();
    await apply(ops.slice(1));
    // Counted at once: the replaced files' last closes run on libuv's threads, and apply waits for them.
    assert.is(open(), before);
    assert.is(results.length, 400);
    assert.equal(
      results.filter((r) => r.ok !== true),
      [],
    );
  } finally {
    await pool.close();
  }
  for (let i = 0; i < 400; i++) assert.is(readFileSync(join(dir, 'r', `d${i % 20}/f${i}`), 'utf8'), `new content ${i}`);
});

W('descriptors the coordinator opens after a sync survive the end of the threads that copied', async ({ dir }) => {
  const files = (content: string) =>
    Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`d${i % 10}/f${i}`, `${content} ${i}`]));
  writeTree(join(dir, 's'), files('new content'));
  writeTree(join(dir, 'r'), files('old'));
  const pool = new WorkerPool(2, (error) => assert.unreachable(error.message));
  const mine: number[] = [];
  try {
    const { log } = captureLogger();
    const report = await within(
      30_000,
      runCycle(pool, cycleOptions(join(dir, 's'), join(dir, 'r')), log, noCancel()),
      'the sync',
    );
    assert.is(report.failed, 0);
    // Opened now, these take the numbers of the replaced files' descriptors the coordinator closed.
    for (let i = 0; i < 300; i++) mine.push(openSync(join(dir, 's', `d${i % 10}/f${i}`), 'r'));
  } finally {
    await pool.close();
  }
  for (const fd of mine) {
    assert.ok(fstatSync(fd).isFile(), 'a thread ending closed none of them');
    closeSync(fd);
  }
});

W('copy: nothing is written through a replica directory that became a symlink', ({ dir }) => {
  writeTree(dir, { 's/sub/keep': 'x', 'outside/keep': 'keep', 'rep/sub': { link: '../outside' } });
  const sourceRoot = join(dir, 's');
  const {
    results: [result],
  } = copy({
    sourceRoot,
    replicaRoot: join(dir, 'rep'),
    stop: noCancel(),
    jobs: [fileJob(sourceRoot, 'sub/keep')],
  });
  assert.match(
    String(result?.ok === false && result.failure.cause),
    /rep\/sub leads through a symlink to .*outside: nothing is written or deleted there/,
  );
  assert.is(readFileSync(join(dir, 'outside/keep'), 'utf8'), 'keep');
  assert.equal(readdirSync(join(dir, 'outside')), ['keep']);
});

W('copy: a raised stop flag skips jobs not yet started', ({ dir }) => {
  writeTree(dir, { 's/f': 'x' });
  const stop = noCancel();
  Atomics.store(stop, 0, 1);
  const task = { sourceRoot: join(dir, 's'), replicaRoot: join(dir, 'r'), stop, jobs: [fileJob(join(dir, 's'), 'f')] };
  assert.equal(copy(task), { results: [{ ok: 'skipped' }], held: [] });
});

W('scan: kinds, sizes, modes and link targets; symlinks are not followed; FIFOs are listed as special', ({ dir }) => {
  writeTree(dir, { 'd/f': 'abc', l: { link: 'd' }, l2: { link: '/etc' } });
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  const snap = scanTree(dir);
  const pick = (p: string): Partial<Entry> | undefined => {
    const e = entryArray(snap.entries).find((x) => x.path === p);
    return e && { kind: e.kind, size: e.size, target: e.target };
  };
  assert.equal(
    entryArray(snap.entries).map((e) => e.path),
    ['', 'd', 'd/f', 'fifo', 'l', 'l2'],
    'in scan order',
  );
  assert.equal(pick('d/f'), { kind: 'file', size: 3, target: undefined });
  assert.equal(pick('l'), { kind: 'symlink', size: 0, target: 'd' });
  assert.equal(pick('fifo')?.kind, 'special');
  assert.is(snap.entries.at(2)?.mode, statSync(join(dir, 'd/f')).mode & 0o7777);
  assert.equal(snap.unreadable, []);
});

W('scan on the coordinator lets the event loop run between directories, with the same result', async ({ dir }) => {
  writeTree(dir, Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`d${i}/f`, `${i}`])));
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 0);
  const sink = new ColumnSink();
  await drainYielding(walkFront(dir, undefined, sink), 0);
  clearInterval(ticker);
  assert.ok(ticks > 0, 'timers ran during the walk');
  assert.equal(plain(sink.snapshot(dir)), plain(scanTree(dir)));
});

W('scan: a missing root is an empty snapshot', ({ dir }) => {
  assert.is(scanTree(join(dir, 'absent')).entries.length, 0);
});

W('pool: the pool thread walks its tree from the front and helps with the other from the back', async ({ dir }) => {
  writeTree(dir, { 's/a': 'a', 's/d/b': 'b', 'r/x': 'x', 'r/y/z': 'z' });
  const pool = new WorkerPool(1, (error) => assert.unreachable(error.message));
  try {
    const walk = newShare();
    const help = newShare();
    const found = await pool.scan({
      walk: { root: join(dir, 'r'), exclude: [], share: walk },
      help: { root: join(dir, 's'), exclude: [], share: help },
    });
    const replica = new ColumnSink();
    replica.decode(found.walk);
    assert.equal(plain(replica.snapshot(join(dir, 'r'))), plain(scanTree(join(dir, 'r'))), 'its own tree, whole');
    const source = new ColumnSink();
    source.decode(found.help);
    assert.equal(
      plain(source.snapshot(join(dir, 's'))),
      plain(scanTree(join(dir, 's'))),
      'the other tree, whole, as nobody walked it from the front',
    );
    const mine = new ColumnSink();
    await drainYielding(walkBack(join(dir, 'r'), undefined, mine, walk));
    assert.equal(
      mine.snapshot(join(dir, 'r')).entries.length,
      0,
      'a tree the pool walked to the end leaves the coordinator nothing',
    );
  } finally {
    await pool.close();
  }
});

W('pool: one tree walked from both ends by two threads at once comes out whole, run after run', async ({ dir }) => {
  writeTree(dir, Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`t/d${i % 7}/e${i % 31}/f${i}`, `${i}`])));
  const root = join(dir, 't');
  const whole = scanTree(root);
  const pool = new WorkerPool(1, (error) => assert.unreachable(error.message));
  try {
    for (let run = 0; run < 20; run++) {
      const share = newShare();
      const nothing = newShare();
      closeFront(nothing);
      const pooled = pool.scan({ walk: { root, exclude: [], share }, help: { root, exclude: [], share: nothing } });
      const sink = new ColumnSink();
      await drainYielding(walkBack(root, undefined, sink, share), 0);
      if (backShare(share) !== 'all') sink.decode((await pooled).walk);
      assert.equal(plain(sink.snapshot(root)), plain(whole), `run ${run}`);
    }
  } finally {
    await pool.close();
  }
});

W('pool: small work stays on the threads already running; large work is worth booting the rest', async () => {
  const pool = new WorkerPool(3, (error) => assert.unreachable(error.message));
  try {
    assert.is(pool.threadsFor(5), 1, 'shorter than booting a thread: the one thread up front');
    assert.is(pool.threadsFor(100), 2);
    assert.is(pool.threadsFor(10_000), 3, 'never more than --workers');
  } finally {
    await pool.close();
  }
});

W('pool: hashing that waits on the disk may use as many threads again, at most 8 more', async () => {
  const pools = [1, 3, 64].map((threads) => new WorkerPool(threads, (error) => assert.unreachable(error.message)));
  try {
    assert.equal(
      pools.map((pool) => pool.readers),
      [2, 6, 72],
    );
  } finally {
    await Promise.all(pools.map((pool) => pool.close()));
  }
});

W('pool: a tree the coordinator listed down to its root leaves the pool thread nothing', async ({ dir }) => {
  writeTree(dir, { 's/a': 'a', 's/d/b': 'b' });
  const pool = new WorkerPool(1, (error) => assert.unreachable(error.message));
  try {
    const walk = newShare();
    const help = newShare();
    closeFront(help);
    const mine = new ColumnSink();
    await drainYielding(walkBack(join(dir, 's'), undefined, mine, walk));
    assert.is(backShare(walk), 'all');
    const found = await pool.scan({
      walk: { root: join(dir, 's'), exclude: [], share: walk },
      help: { root: join(dir, 's'), exclude: [], share: help },
    });
    assert.equal([found.walk.counts.length, found.help.counts.length], [0, 0]);
    assert.equal(plain(mine.snapshot(join(dir, 's'))), plain(scanTree(join(dir, 's'))));
  } finally {
    await pool.close();
  }
});

W('pool: scan, multi-range compare with an early mismatch, and copy all run on real threads', async ({ dir }) => {
  const chunk = 4096;
  const big = Buffer.alloc(chunk * 8, 1);
  const bigChanged = Buffer.from(big);
  bigChanged[chunk * 2] = 2;
  // Non-ASCII names before others: the paths cross to the threads as UTF-8, found by byte offset.
  writeTree(dir, {
    's/big': big,
    'r/big': bigChanged,
    's/sämé': big,
    'r/sämé': big,
    's/small': 'abc',
    'r/small': 'abd',
    's/zz': 'z',
    'r/zz': 'z',
    's/empty': '',
    'r/empty': '',
  });
  const pool = new WorkerPool(2, (error) => assert.unreachable(error.message));
  try {
    const help = newShare();
    closeFront(help);
    const sink = new ColumnSink();
    sink.decode(
      (
        await pool.scan({
          walk: { root: join(dir, 's'), exclude: [], share: newShare() },
          help: { root: dir, exclude: [], share: help },
        })
      ).walk,
    );
    const snap = sink.snapshot(join(dir, 's'));
    assert.is(snap.entries.length, 6);
    const pairs = ['big', 'sämé', 'small', 'zz', 'empty'].map(
      (p) => entryArray(snap.entries).find((e) => e.path === p) as Entry,
    );
    const { verdicts, unreadable } = await compareContents(pool, join(dir, 's'), join(dir, 'r'), pairs, {
      chunkSize: chunk,
    });
    assert.equal(Object.fromEntries(verdicts), { big: false, sämé: true, small: false, zz: true, empty: true });
    assert.is(unreadable.size, 0);
    const {
      results: [result],
    } = await pool.copy({
      sourceRoot: join(dir, 's'),
      replicaRoot: join(dir, 'r'),
      stop: noCancel(),
      jobs: [fileJob(join(dir, 's'), 'big')],
    });
    assert.equal(result, { ok: true });
    assert.ok(readFileSync(join(dir, 'r/big')).equals(big));
  } finally {
    await pool.close();
  }
});

W(
  'pool: its threads load task modules with import(), not require(), which aborts Node 20.20 when a closing pool terminates a thread inside it',
  async () => {
    const esm = fileURLToPath(new URL('../src/errors.js', import.meta.url));
    const probe = `try { require(${JSON.stringify(esm)}); process.exit(1); } catch (error) { process.exit(error.code === 'ERR_REQUIRE_ESM' ? 0 : 2); }`;
    const exitCode = (execArgv: readonly string[]): Promise<number> =>
      new Promise((resolve) => new Worker(probe, { eval: true, execArgv: [...execArgv] }).on('exit', resolve));
    assert.is(
      await exitCode([]),
      1,
      'this Node loads ES modules with require(): the probe would prove nothing otherwise',
    );
    assert.is(await exitCode(THREAD_EXEC_ARGV), 0);
  },
);

W('hash: a FIFO or a symlink swapped in for a file is refused at once, never read', async ({ dir }) => {
  writeTree(dir, { 's/fifo': 'x', 'r/fifo': 'x', 's/link': 'x', 'r/link': 'x', elsewhere: 'x' });
  rmSync(join(dir, 's/fifo'));
  execFileSync('mkfifo', [join(dir, 's/fifo')]);
  rmSync(join(dir, 'r/link'));
  symlinkSync(join(dir, 'elsewhere'), join(dir, 'r/link'));
  const task = hashTask(dir, [
    ['fifo', 0, 1],
    ['link', 0, 1],
  ]);
  const failures = await hash(task);
  assert.equal(
    failures.map((f) => [f.pair, f.failure.cause]),
    [
      [0, 'it is no longer a regular file'],
      [1, 'ELOOP: too many symbolic links encountered (open)'],
    ],
  );
});

W('copy: a symlink swapped in for a source file since the scan is skipped as changed, never followed', ({ dir }) => {
  writeTree(dir, { 's/f': 'content', 's/secret': 'not to be copied', 'r/other': '' });
  const sourceRoot = join(dir, 's');
  const job = fileJob(sourceRoot, 'f');
  rmSync(join(sourceRoot, 'f'));
  symlinkSync(join(sourceRoot, 'secret'), join(sourceRoot, 'f'));
  const { results } = copy({ sourceRoot, replicaRoot: join(dir, 'r'), stop: noCancel(), jobs: [job] });
  assert.equal(results, [{ ok: 'changed', reason: 'is no longer a regular file (a FIFO, device or symlink now)' }]);
  assert.equal(readdirSync(join(dir, 'r')), ['other']);
});

W(
  'copy: a FIFO swapped in for a source file since the scan is skipped as changed, not opened for reading',
  ({ dir }) => {
    writeTree(dir, { 's/f': 'content', 'r/other': '' });
    const sourceRoot = join(dir, 's');
    const job = fileJob(sourceRoot, 'f');
    rmSync(join(sourceRoot, 'f'));
    execFileSync('mkfifo', [join(sourceRoot, 'f')]);
    const { results } = copy({ sourceRoot, replicaRoot: join(dir, 'r'), stop: noCancel(), jobs: [job] });
    assert.equal(results, [{ ok: 'changed', reason: 'is no longer a regular file (a FIFO, device or symlink now)' }]);
  },
);

W.run();
