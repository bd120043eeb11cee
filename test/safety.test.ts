import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { localTrees, planCycle } from '../src/run/cycle.js';
import { cycleOptions } from '../src/sync/cycle.js';
import { execute } from '../src/sync/execute.js';
import { WorkerPool } from '../src/tree/local/pool.js';
import { CLI, captureLogger, removeDir, rsyncDiff, runCli, startCli, syncOnce, tempDir, writeTree } from './helpers.js';

const S = suite<{ dir: string; src: string; rep: string }>('safety', { dir: '', src: '', rep: '' });
S.before.each((ctx) => {
  ctx.dir = tempDir();
  ctx.src = join(ctx.dir, 'src');
  ctx.rep = join(ctx.dir, 'replica');
});
S.after.each((ctx) => removeDir(ctx.dir));

/** Every path below `root` with its kind, size, mode, mtime and content: to prove a tree untouched. */
function fingerprint(root: string): string {
  return (
    execFileSync('find', [root, '-printf', '%P %y %s %m %T@\\n'], { encoding: 'utf8' }) +
    execFileSync('sh', ['-c', `cd '${root}' && find . -type f -exec sha1sum {} + | sort`], { encoding: 'utf8' })
  );
}

S(
  'an empty source over a populated replica is refused, then allowed with --allow-empty-source',
  async ({ src, rep }) => {
    writeTree(src, {});
    writeTree(rep, { 'precious/photo.jpg': 'jpeg', notes: 'n' });
    const before = fingerprint(rep);
    const refused = await syncOnce(src, rep).then(
      () => 'synced',
      (e: Error) => e.message,
    );
    assert.match(refused, /is empty but the replica is not: .*pass --allow-empty-source/);
    assert.is(fingerprint(rep), before);

    const cli = await runCli([src, rep, '--once']);
    assert.is(cli.code, 2);
    assert.match(
      cli.stderr,
      /^replisync: source .* is empty but the replica is not: refusing to delete everything \(is a disk not mounted\?\); pass --allow-empty-source to allow it\n$/,
    );
    assert.is(fingerprint(rep), before);

    const allowed = await syncOnce(src, rep, { allowEmptySource: true });
    assert.is(allowed.deleted, 3);
    assert.equal(readdirSync(rep), []);
  },
);

S('in the loop an empty source skips the cycle with an error, and the loop goes on', async ({ src, rep }) => {
  writeTree(src, {});
  writeTree(rep, { keep: 'k' });
  const run = startCli([src, rep, '--interval', '100ms']);
  await run.waitFor(/refusing to delete everything/, 2);
  writeFileSync(join(src, 'new'), 'n');
  await run.waitFor(/delete file keep/);
  run.child.kill('SIGTERM');
  assert.is(await run.exit, 0);
  assert.is(rsyncDiff(src, rep), '');
});

S(
  '--max-delete: under the limit deletes, over it deletes nothing but still creates, and the cycle fails',
  async ({ src, rep }) => {
    writeTree(src, { keep: 'k' });
    writeTree(rep, { keep: 'k', a: '1', b: '2', 'c/d': '3' });
    const over = await syncOnce(src, rep, { maxDelete: 3 });
    assert.equal(over.errors, [
      '--max-delete 3: this cycle would delete 4 entries, so it deletes none (and makes no kind change)',
    ]);
    assert.is(over.failed, 1);
    assert.equal(readdirSync(rep).sort(), ['a', 'b', 'c', 'keep']);
    writeTree(src, { added: 'new' });
    const cli = await runCli([src, rep, '--once', '--max-delete', '3']);
    assert.is(cli.code, 1);
    assert.ok(existsSync(join(rep, 'added')), 'creates still happen');
    const under = await syncOnce(src, rep, { maxDelete: 4 });
    assert.is(under.deleted, 4);
    assert.is(rsyncDiff(src, rep), '');
  },
);

S(
  'a planted replica symlink pointing outside is replaced by a real directory; the outside is untouched',
  async ({ dir, src, rep }) => {
    const outside = join(dir, 'outside');
    writeTree(outside, { x: 'outside x', 'only-outside': 'do not delete', sub: null });
    const before = fingerprint(outside);
    writeTree(src, { 'd/x': 'source x', 'd/new': 'n', other: 'o' });
    writeTree(rep, { d: { link: outside }, other: 'o', escape: { link: outside } });
    const r = await syncOnce(src, rep);
    assert.equal(r.errors, []);
    assert.is(fingerprint(outside), before);
    assert.ok(lstatSync(join(rep, 'd')).isDirectory());
    assert.ok(!existsSync(join(rep, 'escape')));
    assert.is(rsyncDiff(src, rep), '');
  },
);

S(
  'a source file rewritten after the scan is left alone with a warning, and the next cycle converges',
  async ({ src, rep }) => {
    writeTree(src, { f: 'first version', g: 'g' });
    const { log, errors } = captureLogger();
    const pool = new WorkerPool(2, (error) => assert.unreachable(error.message));
    try {
      const { plan } = await planCycle(pool, cycleOptions(src, rep), log);
      writeFileSync(join(src, 'f'), 'second, longer version');
      const outcome = await execute(plan, {
        ...localTrees(pool, src, rep),
        log,
        stop: new Int32Array(new SharedArrayBuffer(4)),
      });
      assert.equal(errors, ['create file f not done: the source changed while it was copied; left for the next cycle']);
      assert.is(outcome.failed, 0);
      assert.ok(!existsSync(join(rep, 'f')));
      assert.equal(readdirSync(rep), ['g'], 'no temporary file left');
    } finally {
      await pool.close();
    }
    await syncOnce(src, rep);
    assert.is(rsyncDiff(src, rep), '');
  },
);

S(
  'a replica directory swapped for a symlink after the scan: nothing below it is deleted through the link',
  async ({ dir, src, rep }) => {
    writeTree(src, { keep: 'k', d: null });
    writeTree(rep, { keep: 'k', 'd/old': 'replica-only' });
    const outside = join(dir, 'outside');
    writeTree(outside, { old: 'not ours to delete' });
    const { log, errors } = captureLogger();
    const pool = new WorkerPool(2, (error) => assert.unreachable(error.message));
    try {
      const { plan } = await planCycle(pool, cycleOptions(src, rep), log);
      rmSync(join(rep, 'd'), { recursive: true });
      symlinkSync(outside, join(rep, 'd'));
      const outcome = await execute(plan, {
        ...localTrees(pool, src, rep),
        log,
        stop: new Int32Array(new SharedArrayBuffer(4)),
      });
      // The delete is refused, and so is stamping d's mode and mtime through the link.
      assert.is(outcome.failed, 2, errors.join('\n'));
      assert.match(
        errors[0] ?? '',
        /^delete file d\/old failed: .*\/d leads through a symlink to .*outside: nothing is written or deleted there$/,
      );
      assert.match(errors[1] ?? '', /^update dir d \(metadata\) failed: it is no longer a directory$/);
    } finally {
      await pool.close();
    }
    assert.is(readFileSync(join(outside, 'old'), 'utf8'), 'not ours to delete');
  },
);

S('leftover temporary files of ours are removed by the next cycle, even under --max-delete 0', async ({ src, rep }) => {
  writeTree(src, { 'd/a': 'a', '.kept.1-2-3.replisync-tmp': 'a source file that only looks like ours' });
  await syncOnce(src, rep);
  writeTree(rep, { 'd/.a.4242-1-9.replisync-tmp': 'half a copy' });
  const r = await syncOnce(src, rep, { maxDelete: 0 });
  assert.ok(r.lines.includes('remove leftover temporary file d/.a.4242-1-9.replisync-tmp'));
  assert.equal([r.deleted, r.failed], [0, 0]);
  assert.is(rsyncDiff(src, rep), '');
});

S('a source directory that cannot be read keeps its replica counterpart whole; exit 1', async ({ src, rep }) => {
  writeTree(src, { 'locked/a': 'a', 'open/b': 'b' });
  assert.is((await runCli([src, rep, '--once'], undefined, { unprivileged: true })).code, 0);
  writeTree(rep, { 'locked/replica-only': 'was synced before, or put here by hand' });
  chmodSync(join(src, 'locked'), 0o000);
  const r = await runCli([src, rep, '--once'], undefined, { unprivileged: true });
  chmodSync(join(src, 'locked'), 0o755);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /ERROR cannot read locked: EACCES: permission denied \(open\)/);
  assert.equal(readdirSync(join(rep, 'locked')).sort(), ['a', 'replica-only']);
});

S(
  'read-only directories take new files and give up old ones without root privileges, and keep their mode',
  async ({ src, rep }) => {
    writeTree(src, { 'ro/a': 'a' });
    writeTree(rep, { 'gone/x': 'replica-only, in a read-only directory' });
    chmodSync(join(rep, 'gone'), 0o555);
    chmodSync(join(src, 'ro'), 0o555);
    const first = await runCli([src, rep, '--once'], undefined, { unprivileged: true });
    assert.is(first.code, 0, first.stderr);
    chmodSync(join(src, 'ro'), 0o755);
    writeFileSync(join(src, 'ro/b'), 'b');
    chmodSync(join(src, 'ro'), 0o555);
    const second = await runCli([src, rep, '--once'], undefined, { unprivileged: true });
    assert.is(second.code, 0, second.stderr);
    assert.match(second.stdout, /create file ro\/b/);
    assert.is(statSync(join(rep, 'ro')).mode & 0o777, 0o555);
    assert.is(rsyncDiff(src, rep), '');
    chmodSync(join(src, 'ro'), 0o755);
    chmodSync(join(rep, 'ro'), 0o755);
  },
);

S(
  "a second replisync on the same replica is refused, naming the first; a killed holder's lock is taken over",
  async ({ src, rep }) => {
    writeTree(src, { a: 'a' });
    const first = startCli([src, rep, '--interval', '1h']);
    await first.waitFor(/cycle done/);
    const second = await runCli([src, rep, '--once']);
    assert.is(second.code, 2);
    assert.match(
      second.stderr,
      new RegExp(
        `^replisync: replica .* is already being synced by process ${first.child.pid} \\(since .*\\); lock file .*\\.lock\\n$`,
      ),
    );
    first.child.kill('SIGKILL');
    await first.exit;
    const third = await runCli([src, rep, '--once']);
    assert.is(third.code, 0, third.stderr);
  },
);

S(
  'a full disk fails only the file that does not fit, and the replica file it would replace stays intact',
  async ({ dir }) => {
    // A 1 MiB tmpfs in a private mount namespace (works as root and, with user namespaces, without).
    const mnt = join(dir, 'mnt');
    writeTree(join(dir, 'src'), { small: 'fits', big: Buffer.alloc(2 * 1024 * 1024, 1) });
    writeTree(mnt, {});
    const script = `mount -t tmpfs -o size=1m tmpfs '${mnt}' && mkdir '${mnt}/r' && echo old > '${mnt}/r/big' && "$0" '${CLI}' '${join(dir, 'src')}' '${mnt}/r' --once 2>&1; echo "exit=$?"; cat '${mnt}/r/big'; ls -a '${mnt}/r'`;
    const out = execFileSync('unshare', ['-rm', 'sh', '-c', script, process.execPath], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    assert.match(out, /ERROR update file big \(content\) failed: ENOSPC: no space left on device \(copyfile\)/);
    assert.match(out, /exit=1\nold\n\.\n\.\.\nbig\nsmall\n$/);
  },
);

S('a read-only replica stops the cycle at the first write it refuses, with exit 2', async ({ dir }) => {
  const mnt = join(dir, 'mnt');
  writeTree(join(dir, 'src'), { 'a/f': 'a', 'b/f': 'b', 'c/f': 'c' });
  writeTree(mnt, {});
  const script = `mount -t tmpfs tmpfs '${mnt}' && mkdir '${mnt}/r' && mount -o remount,ro '${mnt}' && "$0" '${CLI}' '${join(dir, 'src')}' '${mnt}/r' --once 2>&1; echo "exit=$?"`;
  const out = execFileSync('unshare', ['-rm', 'sh', '-c', script, process.execPath], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  assert.equal(
    out
      .split('\n')
      .filter((l) => l.includes('ERROR'))
      .map((l) => l.replace(/^\S+ /, '')),
    [
      'ERROR create dir a failed: EROFS: read-only file system (mkdir)',
      'ERROR the replica takes no more writes (EROFS): this cycle stops here',
    ],
    out,
  );
  assert.match(out, /exit=2\n$/);
});

const BIG = 300 * 1024 * 1024;

/** A source with one 300 MiB file (all 'n') and a replica holding an old version of it. */
function bigTree(src: string, rep: string): void {
  writeTree(src, {});
  execFileSync('sh', ['-c', `head -c ${BIG} /dev/zero | tr '\\0' 'n' > '${src}/big' && echo small > '${src}/small'`]);
  writeTree(rep, { big: 'old content' });
}

/** Resolves once the copy of `big` is under way: its temporary file exists and has data. */
function copyUnderWay(rep: string, run: ReturnType<typeof startCli>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const poll = (): void => {
      if (
        existsSync(rep) &&
        readdirSync(rep).some((n) => n.startsWith('.big.') && statSync(join(rep, n), { throwIfNoEntry: false })?.size)
      )
        resolve();
      else if (run.child.exitCode !== null)
        reject(new Error(`finished before the copy could be caught: ${run.output()}`));
      else setImmediate(poll);
    };
    poll();
  });
}

S('kill -9 in the middle of a large copy leaves old or new content, and the rerun converges', async ({ src, rep }) => {
  bigTree(src, rep);
  const run = startCli([src, rep, '--once']);
  await copyUnderWay(rep, run);
  run.child.kill('SIGKILL');
  await run.exit;
  const big = readFileSync(join(rep, 'big'));
  assert.ok(
    big.toString() === 'old content' || (big.length === BIG && big.every((b) => b === 110)),
    'old or new, never torn',
  );
  const rerun = await runCli([src, rep, '--once']);
  assert.is(rerun.code, 0, rerun.stderr);
  assert.match(rerun.stdout, /remove leftover temporary file \.big\.\d+-\d+-\d+\.replisync-tmp/);
  assert.is(rsyncDiff(src, rep), '');
  assert.is(statSync(join(rep, 'big')).size, BIG);
});

S('SIGTERM during a copy lets it finish and exits 0; a second signal exits at once', async ({ dir, src, rep }) => {
  bigTree(src, rep);
  const graceful = startCli([src, rep, '--interval', '1h']);
  await copyUnderWay(rep, graceful);
  graceful.child.kill('SIGTERM');
  assert.is(await graceful.exit, 0, graceful.output());
  assert.match(graceful.output(), /create file big|update file big \(content\)/);
  assert.is(statSync(join(rep, 'big')).size, BIG, 'the copy in flight was finished, not abandoned');

  const rep2 = join(dir, 'replica2');
  const hurried = startCli([src, rep2, '--interval', '1h']);
  await copyUnderWay(rep2, hurried);
  hurried.child.kill('SIGINT');
  await hurried.waitFor(/SIGINT received/);
  // Another signal at once (the same one twice within half a second counts as one request).
  hurried.child.kill('SIGTERM');
  assert.is(await hurried.exit, 143);
  assert.match(hurried.output(), /SIGTERM again: exiting now/);
});

S.run();
