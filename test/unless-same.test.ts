import { readdirSync, readFileSync, statSync, symlinkSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesOf } from '../src/report/tally.js';
import { localTrees } from '../src/run/cycle.js';
import { planActions } from '../src/sync/actions.js';
import { cycleOptions, planSync } from '../src/sync/cycle.js';
import { execute } from '../src/sync/execute.js';
import { WorkerPool } from '../src/tree/local/pool.js';
import type { CopyJob } from '../src/tree/local/tasks.js';
import copy from '../workers/copy.js';
import { captureLogger, operations, removeDir, rsyncDiff, syncOnce, tempDir, within, writeTree } from './helpers.js';

/** Same-size pairs whose mtimes differ are compared by the copy itself (`unlessSame`), not hashed first. */
const U = suite<{ dir: string }>('unless-same', { dir: '' });
U.before.each((ctx) => {
  ctx.dir = tempDir();
});
U.after.each((ctx) => removeDir(ctx.dir));

const KiB = 1024;
const noCancel = (): Int32Array => new Int32Array(new SharedArrayBuffer(4));
const inode = (path: string): number => statSync(path).ino;

function job(sourceRoot: string, path: string): CopyJob {
  const { size, mtimeMs } = statSync(join(sourceRoot, path));
  return { kind: 'file', path, mode: 0o640, owner: undefined, size, mtimeMs, replacing: 'nothing', unlessSame: true };
}

/** Bytes of `size` with one byte changed at `at` (or none). */
function bytes(size: number, at?: number): Buffer {
  const b = Buffer.alloc(size, 'abcdefgh');
  if (at !== undefined) b[at] = 0x21;
  return b;
}

U('copy: the same bytes get only the metadata, in place; a difference anywhere gets a new file', ({ dir }) => {
  const big = 3 * 256 * KiB + 5;
  writeTree(dir, {
    's/small-same': bytes(10 * KiB),
    'r/small-same': bytes(10 * KiB),
    's/small-differs': bytes(10 * KiB, 9 * KiB),
    'r/small-differs': bytes(10 * KiB),
    's/big-same': bytes(big),
    'r/big-same': bytes(big),
    's/big-last-block': bytes(big, big - 1),
    'r/big-last-block': bytes(big),
    's/big-first-block': bytes(big, 0),
    'r/big-first-block': bytes(big),
    's/big-longer': bytes(big),
    'r/big-longer': bytes(big + 1),
  });
  const names = ['small-same', 'small-differs', 'big-same', 'big-last-block', 'big-first-block', 'big-longer'];
  const [sourceRoot, replicaRoot] = [join(dir, 's'), join(dir, 'r')];
  for (const name of names) utimesSync(join(sourceRoot, name), 1_600_000_000.25, 1_600_000_000.25);
  const before = names.map((name) => inode(join(replicaRoot, name)));
  const { results } = copy({ sourceRoot, replicaRoot, stop: noCancel(), jobs: names.map((n) => job(sourceRoot, n)) });
  const same = { ok: true, same: true };
  assert.equal(results, [same, { ok: true }, same, { ok: true }, { ok: true }, { ok: true }]);
  names.forEach((name, i) => {
    const [from, to] = [join(sourceRoot, name), join(replicaRoot, name)];
    assert.ok(readFileSync(to).equals(readFileSync(from)), `${name}: the source's bytes`);
    assert.is(statSync(to).mtimeMs, 1_600_000_000_250, `${name}: mtime`);
    assert.is(statSync(to).mode & 0o777, 0o640, `${name}: mode`);
    assert.is(inode(to) === before[i], results[i]?.ok === true && 'same' in (results[i] ?? {}), `${name}: in place`);
  });
  assert.equal(readdirSync(replicaRoot).sort(), [...names].sort(), 'no temporary file is left behind');
});

U('copy: a replica that is a symlink, or longer, is replaced, never followed or stamped', ({ dir }) => {
  writeTree(dir, { 's/link': 'content', 's/longer': 'content', elsewhere: 'content', 'r/longer': 'content and more' });
  symlinkSync('../elsewhere', join(dir, 'r/link'));
  utimesSync(join(dir, 'elsewhere'), 1_000_000_000, 1_000_000_000);
  const sourceRoot = join(dir, 's');
  const { results } = copy({
    sourceRoot,
    replicaRoot: join(dir, 'r'),
    stop: noCancel(),
    jobs: [job(sourceRoot, 'link'), job(sourceRoot, 'longer')],
  });
  assert.equal(results, [{ ok: true }, { ok: true }]);
  assert.ok(statSync(join(dir, 'r/link')).isFile());
  assert.is(readFileSync(join(dir, 'r/longer'), 'utf8'), 'content');
  assert.is(statSync(join(dir, 'elsewhere')).mtimeMs, 1_000_000_000_000, 'the link target is untouched');
});

U(
  'a sync reports a touched file as a metadata update and a rewritten one as content; dry runs still compare',
  async ({ dir }) => {
    const [s, r] = [join(dir, 's'), join(dir, 'r')];
    writeTree(s, { 'a/touched': 'same bytes', 'a/rewritten': 'old bytes!', 'b/big': bytes(300 * KiB) });
    assert.is((await within(30_000, syncOnce(s, r), 'the first sync')).failed, 0);
    writeTree(s, { 'a/rewritten': 'new bytes!', 'b/big': bytes(300 * KiB, 299 * KiB) });
    for (const path of ['a/touched', 'a/rewritten', 'b/big']) utimesSync(join(s, path), 1_700_000_000, 1_700_000_000);
    const touched = inode(join(r, 'a/touched'));
    const expected = [
      'update file a/rewritten (content)',
      'update file a/touched (metadata)',
      'update file b/big (content)',
    ];
    const dry = await within(30_000, syncOnce(s, r, { dryRun: true }), 'the dry run');
    assert.equal(
      operations(dry.lines).sort(),
      expected.map((line) => `[dry-run] ${line}`),
    );
    const report = await within(30_000, syncOnce(s, r), 'the sync');
    assert.equal(operations(report.lines).sort(), expected);
    assert.is(report.updated, 3);
    assert.is(report.bytes, 'new bytes!'.length + 300 * KiB, 'only what was copied counts as copied');
    assert.is(inode(join(r, 'a/touched')), touched, 'the touched file was not rewritten');
    assert.is(rsyncDiff(s, r), '');
  },
);

U('the live line reaches its total when touched files turn out the same', async ({ dir }) => {
  const [s, r] = [join(dir, 's'), join(dir, 'r')];
  writeTree(s, { 'a/touched': bytes(40 * KiB), 'a/rewritten': bytes(50 * KiB), 'b/big': bytes(300 * KiB) });
  assert.is((await within(30_000, syncOnce(s, r), 'the first sync')).failed, 0);
  writeTree(s, { 'a/rewritten': bytes(50 * KiB, 7) });
  for (const path of ['a/touched', 'a/rewritten', 'b/big']) utimesSync(join(s, path), 1_700_000_000, 1_700_000_000);
  const pool = new WorkerPool(2, (error) => assert.unreachable(error.message));
  try {
    const trees = localTrees(pool, s, r);
    const { log } = captureLogger();
    const { plan } = await within(
      30_000,
      planSync(trees, cycleOptions(s, r), log, undefined, undefined, undefined, true),
      'the plan',
    );
    const total = planActions(plan).reduce((sum, action) => sum + bytesOf(action), 0);
    assert.is(total, 390 * KiB, 'the three same-size pairs are planned as content');
    let done = 0;
    const outcome = await within(
      30_000,
      execute(plan, {
        ...trees,
        log,
        stop: noCancel(),
        onProgress: (_, b) => {
          done += b;
        },
      }),
      'the writes',
    );
    assert.is(outcome.bytes, 50 * KiB, 'only the rewritten file was copied');
    assert.is(done, total);
  } finally {
    await pool.close();
  }
});

U.run();
