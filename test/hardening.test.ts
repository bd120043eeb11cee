import { execFileSync, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
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
import { ColumnSink } from '../src/tree/local/columns.js';
import { WorkerPool } from '../src/tree/local/pool.js';
import { walkFront } from '../src/tree/local/walk.js';
import { entryArray } from '../src/tree/tree.js';
import {
  CLI,
  captureLogger,
  pairSuite,
  removeDir,
  rsyncDiff,
  runCli,
  startCli,
  syncOnce,
  tempDir,
  writeTree,
} from './helpers.js';

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
    const sink = new ColumnSink();
    const walk = walkFront(src, undefined, sink);
    walk.next(); // the root is listed: a and b are recorded as the directories they are now
    renameSync(join(src, 'a'), join(src, 'a-moved'));
    if (swap === 'symlink') symlinkSync(outside, join(src, 'a'));
    else mkdirSync(join(src, 'a'));
    if (swap === 'other directory') writeFileSync(join(src, 'a/planted.txt'), 'planted');
    for (let step = walk.next(); !step.done; step = walk.next());
    const snapshot = sink.snapshot(src);
    const paths = entryArray(snapshot.entries).map((e) => e.path);
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

H('replica entries someone else deleted first count as done, not failed', async (ctx) => {
  writeTree(ctx.src, { keep: 'k' });
  writeTree(ctx.rep, { keep: 'k', 'old/a': 'a', 'old/b': 'b', loose: 'l' });
  const { log, errors } = captureLogger();
  const pool = new WorkerPool(2, (error) => assert.unreachable(error.message));
  try {
    const { plan } = await planCycle(pool, cycleOptions(ctx.src, ctx.rep), log);
    rmSync(join(ctx.rep, 'old'), { recursive: true });
    rmSync(join(ctx.rep, 'loose'));
    const outcome = await execute(plan, { ...localTrees(pool, ctx.src, ctx.rep), log, stop: noStop() });
    assert.equal(errors, []);
    assert.is(outcome.failed, 0);
    assert.is(outcome.deleted, 4);
  } finally {
    await pool.close();
  }
});

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

const O = pairSuite('output and signals');
O.before.each((ctx) => {
  writeTree(ctx.src, Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`d${i % 4}/f${i}`, `content ${i}`])));
});

O('a full disk under the log file leaves a complete replica: warned once, exit 0', ({ dir, src, rep }) => {
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  // A 64 KiB tmpfs in a private mount namespace, filled up before the run.
  const script = `mount -t tmpfs -o size=64k tmpfs '${mnt}' && (head -c 1m /dev/zero > '${mnt}/filler' 2>/dev/null; true) && "$0" '${CLI}' '${src}' '${rep}' '${mnt}/sync.log' --once 2>&1 >/dev/null; echo "exit=$?"`;
  const out = execFileSync('unshare', ['-rm', 'sh', '-c', script, process.execPath], { encoding: 'utf8' });
  assert.match(out, /exit=0\n$/);
  assert.is(
    (
      out.match(
        /cannot write to the log file .*sync\.log \(ENOSPC: no space left on device \(write\)\): the sync goes on without it/g,
      ) ?? []
    ).length,
    1,
    out,
  );
  assert.is(rsyncDiff(src, rep), '');
});

O('standard output on /dev/full: the sync completes, warned once on stderr', async ({ src, rep }) => {
  const full = openSync('/dev/full', 'w');
  const child = spawn(process.execPath, [CLI, src, rep, '--once'], { stdio: ['ignore', full, 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise((resolve) => child.on('close', resolve));
  closeSync(full);
  assert.is(code, 0, stderr);
  assert.is((stderr.match(/cannot write to the standard output/g) ?? []).length, 1, stderr);
  assert.is(rsyncDiff(src, rep), '');
});

O(
  'SIGHUP stops the loop as gracefully as SIGTERM (exit 0, lock released); SIGUSR1 opens no inspector',
  async ({ src, rep }) => {
    const run = startCli([src, rep, '--interval', '1h']);
    await run.waitFor(/cycle done/);
    run.child.kill('SIGUSR1');
    await new Promise((resolve) => setTimeout(resolve, 300));
    run.child.kill('SIGHUP');
    assert.is(await run.exit, 0, run.output());
    assert.match(run.output(), /SIGHUP received/);
    assert.not.match(run.output(), /Debugger listening/);
    const again = await runCli([src, rep, '--once']);
    assert.is(again.code, 0, again.stderr);
  },
);

O.run();

const I = suite<{ dir: string; src: string }>('same directory, however reached', { dir: '', src: '' });
I.before.each((ctx) => {
  ctx.dir = tempDir();
  ctx.src = join(ctx.dir, 'src');
  writeTree(ctx.src, { 'keep.txt': 'k' });
});
I.after.each((ctx) => removeDir(ctx.dir));

I(
  'a replica that is the source through a bind mount, or inside it, is refused before anything is touched',
  ({ dir, src }) => {
    const bind = join(dir, 'bind');
    mkdirSync(bind);
    const script = `mount --bind '${src}' '${bind}' && for r in '${bind}' '${bind}/sub/replica'; do "$0" '${CLI}' '${src}' "$r" --once --delete-excluded --exclude keep.txt 2>&1; echo "exit=$?"; done`;
    const out = execFileSync('unshare', ['-rm', 'sh', '-c', script, process.execPath], { encoding: 'utf8' });
    assert.match(out, /^replisync: replica .*bind is the source itself\nexit=2\n/);
    assert.match(out, /replisync: replica .*bind\/sub\/replica is inside the source .*src\nexit=2\n$/);
    assert.equal(readdirSync(src), ['keep.txt']);
  },
);

I(
  'jobs files: a key given twice is refused naming it, a byte-order mark is fine; report = log is refused',
  async ({ dir, src }) => {
    const jobs = join(dir, 'jobs.json');
    writeFileSync(jobs, `{"jobs": [{"source": "src", "replica": "r1"}], "jobs": [{"source": "src", "replica": "r2"}]}`);
    const twice = await runCli(['--config', jobs, '--once']);
    assert.is(twice.code, 2);
    assert.match(twice.stderr, /jobs file .*jobs\.json: "jobs" is given twice in the top level\n$/);
    writeFileSync(jobs, `\uFEFF{"jobs": [{"source": "src", "replica": "r1", "interval": 5, "interval": 6}]}`);
    const inJob = await runCli(['--config', jobs, '--once']);
    assert.match(inJob.stderr, /"interval" is given twice in "jobs"\n$/);
    writeFileSync(jobs, `\uFEFF{"jobs": [{"source": "src", "replica": "r1"}]}`);
    const bom = await runCli(['--config', jobs, '--once']);
    assert.is(bom.code, 0, bom.stderr);
    const same = await runCli([src, join(dir, 'r3'), join(dir, 'x.log'), '--report', join(dir, 'x.log'), '--once']);
    assert.is(same.code, 2);
    assert.match(same.stderr, /the report file .*x\.log is the log file\n$/);
  },
);

I('a log file that is a dangling symlink into the replica is refused as inside the replica', async ({ dir, src }) => {
  const rep = join(dir, 'rep');
  mkdirSync(rep);
  symlinkSync(join(rep, 'sync.log'), join(dir, 'sync.log'));
  const r = await runCli([src, rep, join(dir, 'sync.log'), '--once']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /log file .*sync\.log is inside the replica/);
  assert.equal(readdirSync(rep), []);
});

I.run();

const S2 = pairSuite('a signal sent twice at once');
S2(
  'the same signal twice within half a second is one request: the loop still stops gracefully',
  async ({ src, rep }) => {
    writeTree(src, { f: 'f' });
    const run = startCli([src, rep, '--interval', '1h']);
    await run.waitFor(/cycle done/);
    run.child.kill('SIGTERM');
    run.child.kill('SIGTERM');
    assert.is(await run.exit, 0, run.output());
    assert.not.match(run.output(), /again: exiting now/);
  },
);
S2.run();

const X1 = pairSuite('one file system');
X1(
  '-x: a filesystem mounted in the source is an empty directory in the replica, as with rsync -x; one in the replica is not entered',
  ({ dir, src, rep }) => {
    writeTree(src, { 'keep.txt': 'k', 'mnt/': null });
    writeTree(rep, { 'mnt2/': null });
    const twin = join(dir, 'twin');
    const script = [
      `mount -t tmpfs tmpfs '${src}/mnt' && echo inside > '${src}/mnt/other-fs.txt'`,
      `mount -t tmpfs tmpfs '${rep}/mnt2' && echo mine > '${rep}/mnt2/on-its-own-fs.txt'`,
      `"$0" '${CLI}' '${src}' '${rep}' -x --once > /dev/null 2>&1; echo "exit=$?"`,
      `rsync -rlptD -x '${src}/' '${twin}/'`,
      `echo "replica: $(cd '${rep}' && find . | sort | tr '\\n' ' ')"`,
      `echo "rsync: $(cd '${twin}' && find . | sort | tr '\\n' ' ')"`,
    ].join(' && ');
    const out = execFileSync('unshare', ['-rm', 'sh', '-c', script, process.execPath], { encoding: 'utf8' });
    assert.match(out, /exit=(0|1)\n/);
    assert.match(out, /replica: \. \.\/keep\.txt \.\/mnt \.\/mnt2 \.\/mnt2\/on-its-own-fs\.txt \n/, out);
    assert.match(out, /rsync: \. \.\/keep\.txt \.\/mnt \n/, out);
  },
);
X1.run();

const B = pairSuite('backups on another filesystem');
B(
  '--backup-dir on another filesystem: what a cycle deletes or overwrites is copied there, then removed',
  ({ dir, src, rep }) => {
    writeTree(src, { 'edit.txt': 'version 1', 'gone.txt': 'deleted later' });
    const bak = join(dir, 'bak');
    mkdirSync(bak);
    const script = [
      `mount -t tmpfs tmpfs '${bak}'`,
      `"$0" '${CLI}' '${src}' '${rep}' --once --backup-dir '${bak}' > /dev/null`,
      `echo 'version 2, longer' > '${src}/edit.txt' && rm '${src}/gone.txt'`,
      `"$0" '${CLI}' '${src}' '${rep}' --once --backup-dir '${bak}' > /dev/null; echo "exit=$?"`,
      `cat '${bak}'/*/edit.txt '${bak}'/*/gone.txt; ls '${rep}'`,
    ].join(' && ');
    const out = execFileSync('unshare', ['-rm', 'sh', '-c', script, process.execPath], { encoding: 'utf8' });
    assert.is(
      out,
      'exit=0\nversion 1deleted lateredit.txt\n',
      'old contents (written without newlines) in the backup, one file left',
    );
  },
);
B.run();
