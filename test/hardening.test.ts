import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { localTrees, planCycle } from '../src/run/cycle.js';
import { cycleOptions } from '../src/sync/cycle.js';
import { execute } from '../src/sync/execute.js';
import { ListingSink } from '../src/tree/local/columns.js';
import { WorkerPool } from '../src/tree/local/pool.js';
import { walkFront } from '../src/tree/local/walk.js';
import { captureLogger, removeDir, syncOnce, tempDir, writeTree } from './helpers.js';

const H = suite<{ dir: string; src: string; rep: string; outside: string }>('hardening', {
  dir: '',
  src: '',
  rep: '',
  outside: '',
});
H.before.each((ctx) => {
  ctx.dir = tempDir();
  ctx.src = join(ctx.dir, 'src');
  ctx.rep = join(ctx.dir, 'rep');
  ctx.outside = join(ctx.dir, 'outside');
  writeTree(ctx.outside, { 'secret.txt': 'not to be read', 'keep.txt': 'not to be touched' });
});
H.after.each((ctx) => removeDir(ctx.dir));

const noStop = (): Int32Array => new Int32Array(new SharedArrayBuffer(4));

H('a source directory swapped for a symlink while the tree is walked is not followed', ({ src, outside }) => {
  writeTree(src, { 'a/own.txt': 'own', 'b/own.txt': 'own' });
  for (const swap of ['symlink', 'other directory'] as const) {
    const sink = new ListingSink();
    const walk = walkFront(src, undefined, sink);
    walk.next(); // the root is listed: a and b are recorded as the directories they are now
    renameSync(join(src, 'a'), join(src, 'a-moved'));
    if (swap === 'symlink') symlinkSync(outside, join(src, 'a'));
    else mkdirSync(join(src, 'a'));
    if (swap === 'other directory') writeFileSync(join(src, 'a/planted.txt'), 'planted');
    for (let step = walk.next(); !step.done; step = walk.next());
    const snapshot = sink.snapshot(src);
    const paths = snapshot.entries.map((e) => e.path);
    assert.ok(!paths.includes('a/secret.txt') && !paths.includes('a/planted.txt'), `${swap}: ${paths.join(' ')}`);
    assert.ok(paths.includes('b/own.txt'));
    assert.equal(
      snapshot.unreadable.map((f) => f.path),
      ['a'],
      swap,
    );
    rmSync(join(src, 'a'), { recursive: true });
    renameSync(join(src, 'a-moved'), join(src, 'a'));
  }
});

H('a replica directory swapped for a symlink between plan and copy: nothing is written through it', async (ctx) => {
  writeTree(ctx.src, { 'd/keep.txt': 'new content', 'd/new.txt': 'new' });
  writeTree(ctx.rep, { 'd/keep.txt': 'old' });
  const { log, errors } = captureLogger();
  const pool = new WorkerPool(2, (error) => assert.unreachable(error.message));
  try {
    const { plan } = await planCycle(pool, cycleOptions(ctx.src, ctx.rep), log);
    rmSync(join(ctx.rep, 'd'), { recursive: true });
    symlinkSync(ctx.outside, join(ctx.rep, 'd'));
    const outcome = await execute(plan, { ...localTrees(pool, ctx.src, ctx.rep), log, stop: noStop() });
    assert.ok(outcome.failed >= 2, errors.join('\n'));
    assert.match(errors.join('\n'), /rep\/d leads through a symlink to .*outside: nothing is written or deleted there/);
  } finally {
    await pool.close();
  }
  assert.equal(readdirSync(ctx.outside).sort(), ['keep.txt', 'secret.txt']);
  assert.is(readFileSync(join(ctx.outside, 'keep.txt'), 'utf8'), 'not to be touched');
});

H(
  'random swaps of replica directories during syncs never touch the folder outside (bounded race loop)',
  async (ctx) => {
    const files = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`d${i % 3}/f${i}`, `v${i}`]));
    writeTree(ctx.src, files);
    writeTree(ctx.outside, Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`f${i}`, 'outside'])));
    const before = readdirSync(ctx.outside).sort();
    const contents = before.map((name) => readFileSync(join(ctx.outside, name), 'utf8'));
    // A child swaps rep/d1 for a symlink to outside and back as fast as it can while one sync runs.
    const script = `
    const fs = require('node:fs');
    const [rep, outside] = process.argv.slice(1);
    for (;;) {
      try { fs.renameSync(rep + '/d1', rep + '/d1-away'); fs.symlinkSync(outside, rep + '/d1'); } catch {}
      try { fs.unlinkSync(rep + '/d1'); fs.renameSync(rep + '/d1-away', rep + '/d1'); } catch {}
    }`;
    for (let round = 0; round < 10; round++) {
      rmSync(ctx.rep, { recursive: true, force: true });
      writeTree(ctx.rep, Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`d1/replica-only-${i}`, 'x'])));
      const swapper = spawn(process.execPath, ['-e', script, ctx.rep, ctx.outside], { stdio: 'ignore' });
      const gone = new Promise((resolve) => swapper.on('close', resolve));
      try {
        await syncOnce(ctx.src, ctx.rep);
      } finally {
        swapper.kill('SIGKILL');
        await gone;
      }
      assert.equal(readdirSync(ctx.outside).sort(), before, `round ${round}`);
    }
    assert.equal(
      before.map((name) => readFileSync(join(ctx.outside, name), 'utf8')),
      contents,
    );
  },
);

H('a FIFO swapped in for a source file after the scan ends the cycle with a warning, not a hang', async (ctx) => {
  writeTree(ctx.src, { f: 'file', g: 'g' });
  const { log, errors } = captureLogger();
  const pool = new WorkerPool(2, (error) => assert.unreachable(error.message));
  try {
    const { plan } = await planCycle(pool, cycleOptions(ctx.src, ctx.rep), log);
    rmSync(join(ctx.src, 'f'));
    execFileSync('mkfifo', [join(ctx.src, 'f')]);
    const limit = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('the copy hung')), 20_000).unref(),
    );
    await Promise.race([execute(plan, { ...localTrees(pool, ctx.src, ctx.rep), log, stop: noStop() }), limit]);
    assert.equal(errors, [
      'create file f not done: the source is no longer a regular file (a FIFO, device or symlink now); left for the next cycle',
    ]);
  } finally {
    await pool.close();
  }
  assert.ok(existsSync(join(ctx.rep, 'g')) && !existsSync(join(ctx.rep, 'f')));
});

H('a tree 2,000 directories deep syncs exactly (a child with a time limit)', async (ctx) => {
  let path = ctx.src;
  for (let i = 0; i < 2000; i++) path = join(path, 'd');
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, 'bottom.txt'), 'deep');
  const started = performance.now();
  const first = await syncOnce(ctx.src, ctx.rep);
  assert.equal(first.errors, []);
  assert.is(first.created, 2002);
  // rsync itself gives up this deep (opendir: ENOMEM), so the check is ours: the bottom file, and a second cycle.
  assert.is(readFileSync(join(ctx.rep, path.slice(ctx.src.length), 'bottom.txt'), 'utf8'), 'deep');
  const second = await syncOnce(ctx.src, ctx.rep);
  assert.is(second.created + second.updated + second.deleted, 0);
  assert.ok(performance.now() - started < 60_000, 'finished within a minute');
  // Node's recursive rmSync gives up this deep.
  execFileSync('rm', ['-rf', ctx.dir]);
});

H.run();
