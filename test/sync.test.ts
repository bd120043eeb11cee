import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { localTrees, planCycle, runCycle } from '../src/run/cycle.js';
import { emptyPlan } from '../src/sync/actions.js';
import { cycleOptions } from '../src/sync/cycle.js';
import { execute } from '../src/sync/execute.js';
import { WorkerPool } from '../src/tree/local/pool.js';
import type { HashFailure, HashTask } from '../src/tree/local/tasks.js';
import { sameMtime } from '../src/tree/mtime.js';
import { captureLogger, operations, removeDir, rsyncDiff, setMtime, syncOnce, tempDir, writeTree } from './helpers.js';

const Sync = suite<{ dir: string; src: string; rep: string }>('sync', { dir: '', src: '', rep: '' });
Sync.before.each((ctx) => {
  ctx.dir = tempDir();
  ctx.src = join(ctx.dir, 'src');
  ctx.rep = join(ctx.dir, 'replica');
});
Sync.after.each((ctx) => removeDir(ctx.dir));

const MiB = 1024 * 1024;
const pattern = (size: number, seed: number): Buffer =>
  Buffer.from(Array.from({ length: size }, (_, i) => (i * 31 + seed) & 0xff));

/** Whether each path has the same mtime on both sides, to the microsecond Node can set. */
function sameTimes(src: string, rep: string, paths: string[]): boolean {
  return paths.every((p) => sameMtime(lstatSync(join(src, p)).mtimeMs, lstatSync(join(rep, p)).mtimeMs));
}

/** Inode numbers of every path, to prove a second cycle rewrote nothing. */
function inodes(root: string, paths: string[]): number[] {
  return paths.map((p) => lstatSync(join(root, p)).ino);
}

Sync('a varied tree becomes an exact copy, and a second cycle does nothing', async ({ src, rep }) => {
  writeTree(src, {
    'a/b/c/deep.txt': 'deep',
    'empty/': null,
    'a/empty-nested': null,
    'zero.bin': '',
    'big.bin': pattern(3 * MiB + 17, 1),
    'ünïcødé/名前 with spaces.txt': 'unicode',
    '.hidden/.dotfile': 'hidden',
    'exec.sh': '#!/bin/sh\necho hi\n',
    'readonly.txt': 'ro',
    'to-file': { link: 'a/b/c/deep.txt' },
    'to-dir': { link: 'a/b' },
    dangling: { link: 'does/not/exist' },
  });
  chmodSync(join(src, 'exec.sh'), 0o755);
  chmodSync(join(src, 'readonly.txt'), 0o444);
  chmodSync(join(src, 'a/b'), 0o750);
  setMtime(join(src, 'a/b/c/deep.txt'), 1_600_000_000.123456);
  setMtime(join(src, 'a'), 1_500_000_000.5);

  const first = await syncOnce(src, rep);
  assert.equal(first.errors, []);
  assert.equal(first.failed, 0);
  assert.equal(rsyncDiff(src, rep), '');
  assert.is(readlinkSync(join(rep, 'to-dir')), 'a/b');
  assert.ok(lstatSync(join(rep, 'to-dir')).isSymbolicLink());
  assert.is(statSync(join(rep, 'exec.sh')).mode & 0o777, 0o755);
  assert.ok(sameTimes(src, rep, ['a/b/c/deep.txt', 'a', 'to-dir']));
  assert.is(first.bytes, 3 * MiB + 17 + 4 + 7 + 6 + 18 + 2);

  const paths = ['big.bin', 'a/b/c/deep.txt', 'to-dir', 'exec.sh', 'a', 'empty'];
  const before = inodes(rep, paths);
  const second = await syncOnce(src, rep);
  assert.equal(operations(second.lines), []);
  assert.equal([second.created, second.updated, second.deleted, second.bytes], [0, 0, 0, 0]);
  assert.equal(inodes(rep, paths), before);
});

Sync('every kind change converges', async ({ src, rep }) => {
  writeTree(rep, {
    f2d: 'was a file',
    'd2f/x/y': 'was a dir',
    f2l: 'was a file',
    l2f: { link: 'somewhere' },
    'd2l/z': 'was a dir',
    l2d: { link: 'f2d' },
    retarget: { link: 'old' },
  });
  writeTree(src, {
    'f2d/inside': 'now a dir',
    d2f: 'now a file',
    f2l: { link: 'd2f' },
    l2f: 'now a file',
    d2l: { link: 'f2d' },
    'l2d/in': 'now a dir',
    retarget: { link: 'new' },
  });
  const r = await syncOnce(src, rep);
  assert.equal(r.errors, []);
  assert.equal(rsyncDiff(src, rep), '');
  assert.ok(operations(r.lines).includes('update dir f2d (kind)'));
  assert.ok(operations(r.lines).includes('update symlink retarget (target)'));
  assert.equal(operations((await syncOnce(src, rep)).lines), []);
});

Sync(
  'deletions of files and whole trees; extra replica files; a deleted replica file is restored',
  async ({ src, rep }) => {
    writeTree(src, { keep: 'k', 'tree/a/b': 'b', 'tree/c': 'c', lone: 'l' });
    await syncOnce(src, rep);
    rmSync(join(src, 'tree'), { recursive: true });
    unlinkSync(join(src, 'lone'));
    writeTree(rep, { 'extra/deep/file': 'x', 'extra-file': 'y' });
    unlinkSync(join(rep, 'keep'));
    const r = await syncOnce(src, rep);
    assert.equal(rsyncDiff(src, rep), '');
    assert.is(readFileSync(join(rep, 'keep'), 'utf8'), 'k');
    assert.ok(!existsSync(join(rep, 'tree')) && !existsSync(join(rep, 'extra')));
    const ops = operations(r.lines);
    assert.ok(
      ops.indexOf('delete file tree/a/b') < ops.indexOf('delete dir tree/a') &&
        ops.indexOf('delete dir tree/a') < ops.indexOf('delete dir tree'),
    );
    assert.is(r.deleted, 9);
    assert.is(r.created, 1);
  },
);

Sync('a symlink in the replica is deleted as a link, its target untouched', async ({ dir, src, rep }) => {
  const outside = join(dir, 'outside');
  writeTree(outside, { precious: 'keep me' });
  writeTree(src, { a: 'a' });
  writeTree(rep, { a: 'a', escape: { link: outside } });
  await syncOnce(src, rep);
  assert.ok(!existsSync(join(rep, 'escape')));
  assert.is(readFileSync(join(outside, 'precious'), 'utf8'), 'keep me');
});

Sync('same size and same mtime but other bytes: caught only with --checksum', async ({ src, rep }) => {
  writeTree(src, { f: 'aaaa' });
  await syncOnce(src, rep);
  writeFileSync(join(rep, 'f'), 'bbbb');
  const mtime = statSync(join(src, 'f')).mtimeMs / 1000;
  setMtime(join(rep, 'f'), mtime);
  setMtime(join(src, 'f'), mtime);
  assert.equal(operations((await syncOnce(src, rep)).lines), []);
  assert.is(readFileSync(join(rep, 'f'), 'utf8'), 'bbbb');
  const r = await syncOnce(src, rep, { checksum: true });
  assert.equal(operations(r.lines), ['update file f (content)']);
  assert.is(readFileSync(join(rep, 'f'), 'utf8'), 'aaaa');
});

Sync('same content with a new mtime: only metadata is fixed, no data copied', async ({ src, rep }) => {
  writeTree(src, { f: pattern(100_000, 3) });
  await syncOnce(src, rep);
  const inode = lstatSync(join(rep, 'f')).ino;
  setMtime(join(src, 'f'), 1_234_567_890);
  const r = await syncOnce(src, rep);
  assert.equal(operations(r.lines), ['update file f (metadata)']);
  assert.is(r.bytes, 0);
  assert.is(lstatSync(join(rep, 'f')).ino, inode);
  assert.equal(rsyncDiff(src, rep), '');
});

Sync('a difference right after a chunk boundary is found, in any chunk', async ({ src, rep }) => {
  const chunk = 64 * 1024;
  const data = pattern(chunk * 5 + 100, 7);
  writeTree(src, { f: data, g: data });
  await syncOnce(src, rep, { chunkSize: chunk });
  for (const offset of [chunk, chunk * 3 - 1, chunk * 5 + 99]) {
    const changed = Buffer.from(data);
    changed[offset] = (changed[offset] ?? 0) ^ 0xff;
    writeFileSync(join(rep, 'f'), changed);
    setMtime(join(rep, 'f'), 1_000_000_000);
    const r = await syncOnce(src, rep, { chunkSize: chunk });
    assert.equal(operations(r.lines), ['update file f (content)'], `offset ${offset}`);
    assert.equal(readFileSync(join(rep, 'f')), data);
  }
  setMtime(join(rep, 'g'), 1_000_000_000);
  assert.equal(operations((await syncOnce(src, rep, { chunkSize: chunk })).lines), ['update file g (metadata)']);
});

Sync('sub-second mtimes survive, on files, dirs and links', async ({ src, rep }) => {
  writeTree(src, { d: null, 'd/f': 'x', l: { link: 'd' } });
  setMtime(join(src, 'd/f'), 1_650_000_000.987654);
  setMtime(join(src, 'd'), 1_650_000_001.25);
  await syncOnce(src, rep);
  assert.ok(sameTimes(src, rep, ['d/f', 'd', 'l', '']));
});

Sync('a dry run reports and changes nothing, not even creating the replica', async ({ src, rep }) => {
  writeTree(src, { a: 'a', d: null });
  const r = await syncOnce(src, rep, { dryRun: true });
  assert.equal(operations(r.lines), ['[dry-run] create dir .', '[dry-run] create dir d', '[dry-run] create file a']);
  assert.is(r.created, 3);
  assert.ok(!existsSync(rep));
});

Sync(
  'a file that vanished between scan and copy is a warning, not a failure; the rest of the cycle goes on',
  async ({ src, rep }) => {
    writeTree(src, { a: 'a', b: 'b', c: 'c' });
    const { log, lines, errors } = captureLogger();
    const pool = new WorkerPool(2, (error) => assert.unreachable(error.message));
    try {
      const options = cycleOptions(src, rep);
      const { plan } = await planCycle(pool, options, log);
      unlinkSync(join(src, 'b'));
      const outcome = await execute(plan, {
        ...localTrees(pool, src, rep),
        log,
        stop: new Int32Array(new SharedArrayBuffer(4)),
      });
      assert.equal([outcome.created, outcome.failed], [3, 0]);
      assert.equal(errors, [
        'create file b not done: the source vanished before it could be copied; left for the next cycle',
      ]);
      assert.ok(lines.includes('create file c'));
      assert.equal(readdirSync(rep).sort(), ['a', 'c']);
    } finally {
      await pool.close();
    }
    await syncOnce(src, rep);
    assert.equal(rsyncDiff(src, rep), '', 'the next cycle converges');
  },
);

Sync('a stop raised before execution (a signal during the scan) changes nothing', async ({ src, rep }) => {
  writeTree(src, { a: 'a', d: null });
  const { log } = captureLogger();
  const pool = new WorkerPool(2, (error) => assert.unreachable(error.message));
  try {
    const { plan } = await planCycle(pool, cycleOptions(src, rep), log);
    const stop = new Int32Array(new SharedArrayBuffer(4));
    Atomics.store(stop, 0, 1);
    const outcome = await execute(plan, {
      ...localTrees(pool, src, rep),
      log,
      stop,
    });
    assert.equal([outcome.created, outcome.updated, outcome.deleted, outcome.failed], [0, 0, 0, 0]);
    assert.ok(!existsSync(rep));
  } finally {
    await pool.close();
  }
});

Sync(
  'a cycle stopped during the walks plans nothing, not even the refusal of a source that looks empty',
  async ({ src, rep }) => {
    writeTree(src, {});
    writeTree(rep, { a: 'a', 'd/b': 'b' });
    const { log, errors } = captureLogger();
    const pool = new WorkerPool(2, (error) => assert.unreachable(error.message));
    try {
      const stop = new Int32Array(new SharedArrayBuffer(4));
      Atomics.store(stop, 0, 1);
      const { plan } = await planCycle(pool, cycleOptions(src, rep), log, stop);
      assert.equal(plan, emptyPlan());
      const report = await runCycle(pool, cycleOptions(src, rep, { maxDelete: 0 }), log, stop);
      assert.equal([report.deleted, report.failed], [0, 0]);
      assert.equal(errors, [], 'no refusal, no --max-delete error: nothing was planned');
      assert.ok(existsSync(join(rep, 'd/b')));
    } finally {
      await pool.close();
    }
  },
);

/** A pool that raises the run's stop flag the moment hashing starts, as a Ctrl-C during the comparison would. */
class StopAtHash extends WorkerPool {
  constructor(readonly stop: Int32Array) {
    super(2, (error) => assert.unreachable(error.message));
  }
  override hash(task: HashTask): Promise<HashFailure[]> {
    Atomics.store(this.stop, 0, 1);
    return super.hash(task);
  }
}

Sync(
  'a cycle stopped during the comparison plans nothing: its pairs went uncompared (a dry run lists nothing)',
  async ({ src, rep }) => {
    writeTree(src, { a: 'new', b: 'b' });
    writeTree(rep, { a: 'old' });
    setMtime(join(rep, 'a'), 1_000_000);
    const { log, lines } = captureLogger();
    const stop = new Int32Array(new SharedArrayBuffer(4));
    const pool = new StopAtHash(stop);
    try {
      const { plan } = await planCycle(pool, cycleOptions(src, rep), log, stop);
      assert.ok(Atomics.load(stop, 0) === 1, 'the comparison was reached');
      assert.equal(plan, emptyPlan(), 'not "a: metadata only" from a comparison that never ran');
      const report = await runCycle(pool, cycleOptions(src, rep, { dryRun: true }), log, stop);
      assert.equal(operations(lines), []);
      assert.equal([report.created, report.updated], [0, 0]);
    } finally {
      await pool.close();
    }
  },
);

Sync('copies in several batches over two threads all land', async ({ src, rep }) => {
  // 800 files: worth two threads (see WorkerPool.threadsFor), each with several batches.
  writeTree(src, {
    ...Object.fromEntries(Array.from({ length: 800 }, (_, i) => [`d${i % 9}/s${i % 2}/f${i}`, `${i}`])),
    'e/f/g': null,
  });
  const r = await syncOnce(src, rep);
  assert.is(r.created, 831, 'the root, 9 directories with 2 each, 800 files, 3 empty directories');
  assert.equal(r.errors, []);
  assert.is(rsyncDiff(src, rep), '');
});

Sync(
  'a FIFO in the source is never opened: skipped with a warning once per run, the cycle finishes',
  async ({ src, rep }) => {
    writeTree(src, { a: 'a' });
    execFileSync('mkfifo', [join(src, 'pipe')]);
    const pool = new WorkerPool(1, (error) => {
      throw error;
    });
    const { log, errors } = captureLogger();
    try {
      for (let cycle = 0; cycle < 2; cycle++) {
        await runCycle(pool, cycleOptions(src, rep), log, new Int32Array(new SharedArrayBuffer(4)));
      }
    } finally {
      await pool.close();
    }
    assert.equal(errors, ['skip special pipe: FIFOs, sockets and devices are not copied']);
    assert.equal(readdirSync(rep), ['a']);
  },
);

Sync.run();
