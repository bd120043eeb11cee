import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { statePath } from '../src/run/state-file.js';
import { LocalTree } from '../src/tree/local/local-tree.js';
import { WorkerPool } from '../src/tree/local/pool.js';
import type { Op, OpResult } from '../src/tree/tree.js';
import { pairSuite, rsyncDiff, runCli, startCli, syncOnce, within, writeTree } from './helpers.js';

const S = pairSuite('two-way');

/** One two-way cycle, its state in `dir/state`. */
const twoWay = (ctx: { dir: string; src: string; rep: string }, extra: Parameters<typeof syncOnce>[2] = {}) =>
  syncOnce(ctx.src, ctx.rep, { twoWay: true, stateDir: join(ctx.dir, 'state'), ...extra } as Parameters<
    typeof syncOnce
  >[2]);
const cli = (ctx: { dir: string; src: string; rep: string }, ...args: string[]) =>
  within(
    20_000,
    runCli([ctx.src, ctx.rep, '--once', '--two-way', '--state-dir', join(ctx.dir, 'state'), ...args]),
    'replisync',
  );
const same = (ctx: { src: string; rep: string }): string => rsyncDiff(ctx.src, ctx.rep, ['-O']);
const ops = (lines: string[]): string[] => lines.filter((l) => / → (source|replica)$/.test(l)).sort();
let clock = 1_800_000_000;
/** Writes a file with an mtime of its own, later than any before it. */
const put = (path: string, content: string): void => {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
  clock += 10;
  utimesSync(path, clock, clock);
};

S('changes on either side reach the other; a second cycle finds nothing to do', async (ctx) => {
  const { src, rep } = ctx;
  writeTree(src, { keep: 'k', edit: 'e', gone: 'g', 'd/x': 'x', empty: null });
  assert.equal(ops((await twoWay(ctx)).lines), [
    'create dir . → replica',
    'create dir d → replica',
    'create dir empty → replica',
    'create file d/x → replica',
    'create file edit → replica',
    'create file gone → replica',
    'create file keep → replica',
  ]);
  put(join(rep, 'edit'), 'edited on the replica');
  rmSync(join(src, 'gone'));
  put(join(rep, 'd/new'), 'new on the replica');
  symlinkSync('keep', join(src, 'link'));
  chmodSync(join(rep, 'keep'), 0o600);
  mkdirSync(join(src, 'e2/deep'), { recursive: true });
  const second = await twoWay(ctx);
  assert.equal(ops(second.lines), [
    'create dir e2 → replica',
    'create dir e2/deep → replica',
    'create file d/new → source',
    'create symlink link → replica',
    'delete file gone → replica',
    'update file edit (content) → source',
    'update file keep (metadata) → source',
  ]);
  assert.equal(second.twoWay, {
    toReplica: { created: 3, updated: 0, deleted: 1 },
    toSource: { created: 1, updated: 2, deleted: 0 },
    conflicts: 0,
  });
  assert.is(same(ctx), '');
  assert.is(statSync(join(src, 'keep')).mode & 0o777, 0o600);
  const third = await twoWay(ctx);
  assert.equal(ops(third.lines), []);
  assert.is(third.created + third.updated + third.deleted, 0);
});

S('a touch (same bytes, new mtime) is a metadata change, not an edit, and no conflict', async (ctx) => {
  writeTree(ctx.src, { f: 'same' });
  await twoWay(ctx);
  clock += 100;
  utimesSync(join(ctx.rep, 'f'), clock, clock);
  const r = await twoWay(ctx);
  assert.equal(ops(r.lines), ['update file f (metadata) → source']);
  assert.is(statSync(join(ctx.src, 'f')).mtimeMs, clock * 1000);
});

S(
  'different edits on both sides: the source keeps the name, the replica version is kept on both sides',
  async (ctx) => {
    writeTree(ctx.src, { 'docs/report.pdf': 'v1' });
    await twoWay(ctx);
    put(join(ctx.src, 'docs/report.pdf'), 'source edit');
    put(join(ctx.rep, 'docs/report.pdf'), 'replica edit, longer');
    const r = await twoWay(ctx);
    assert.is(r.twoWay?.conflicts, 1);
    assert.is(r.failed, 0);
    for (const root of [ctx.src, ctx.rep]) {
      const names = readdirSync(join(root, 'docs')).sort();
      assert.is(names.length, 2);
      assert.is(names[0], 'report.pdf');
      assert.match(names[1] ?? '', /^report\.sync-conflict-\d{8}-\d{6}-replica\.pdf$/);
      assert.is(readFileSync(join(root, 'docs/report.pdf'), 'utf8'), 'source edit');
      assert.is(readFileSync(join(root, 'docs', names[1] ?? ''), 'utf8'), 'replica edit, longer');
    }
    assert.ok(r.errors.some((l) => /^conflict file docs\/report\.pdf \(changed on both sides; both kept/.test(l)));
    assert.is(same(ctx), '');
    assert.equal(ops((await twoWay(ctx)).lines), []);
  },
);

S('--conflict newer with --backup-dir: the older version goes to the backup, not lost', async (ctx) => {
  writeTree(ctx.src, { f: 'v1' });
  await twoWay(ctx);
  put(join(ctx.rep, 'f'), 'older replica edit');
  put(join(ctx.src, 'f'), 'newer source edit');
  const backup = join(ctx.dir, 'backup');
  const r = await twoWay(ctx, { conflict: 'newer', backupDir: backup });
  assert.is(r.twoWay?.conflicts, 1);
  assert.is(readFileSync(join(ctx.rep, 'f'), 'utf8'), 'newer source edit');
  const [cycle] = readdirSync(backup);
  assert.is(readFileSync(join(backup, cycle ?? '', 'replica', 'f'), 'utf8'), 'older replica edit');
});

S('--conflict replica: the replica version wins on both sides, the source edit is not kept', async (ctx) => {
  writeTree(ctx.src, { f: 'v1' });
  await twoWay(ctx);
  put(join(ctx.rep, 'f'), 'older replica edit');
  put(join(ctx.src, 'f'), 'newer source edit');
  const r = await twoWay(ctx, { conflict: 'replica' });
  assert.is(r.twoWay?.conflicts, 1);
  assert.equal(ops(r.lines), ['update file f (content) → source']);
  for (const root of [ctx.src, ctx.rep]) {
    assert.equal(readdirSync(root), ['f']);
    assert.is(readFileSync(join(root, 'f'), 'utf8'), 'older replica edit');
  }
  assert.is(same(ctx), '');
});

S('--log-format json: each two-way operation names the side it wrote', async (ctx) => {
  writeTree(ctx.src, { a: 'a' });
  assert.is((await cli(ctx)).code, 0);
  put(join(ctx.rep, 'b'), 'new on the replica');
  const r = await cli(ctx, '--log-format', 'json');
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(
    lines.filter((l) => l.op !== undefined).map(({ op, kind, path, to }) => ({ op, kind, path, to })),
    [{ op: 'create', kind: 'file', path: 'b', to: 'source' }],
  );
});

S(
  'first run: the union, nothing deleted, differing files kept both; a dry run changes neither side nor the state',
  async (ctx) => {
    writeTree(ctx.src, { a: 'a', both: 'from the source' });
    writeTree(ctx.rep, { b: 'b', both: 'from the replica' });
    const dry = await twoWay(ctx, { dryRun: true });
    assert.ok(dry.lines.some((l) => l.startsWith('[dry-run] rename both to both.sync-conflict-')));
    assert.equal(readdirSync(ctx.src).sort(), ['a', 'both']);
    assert.equal(readdirSync(ctx.rep).sort(), ['b', 'both']);
    assert.not.ok(existsSync(join(ctx.dir, 'state')));
    const r = await twoWay(ctx);
    assert.ok(r.lines.some((l) => l.startsWith('first two-way cycle of this pair')));
    assert.is(r.deleted, 0);
    assert.is(readdirSync(ctx.src).length, 4);
    assert.is(same(ctx), '');
  },
);

S('excludes apply on both sides; --allow-empty-source lets an emptied side empty the other', async (ctx) => {
  writeTree(ctx.src, { a: 'a', 'cache/s': 'source only', 'x.tmp': 't' });
  writeTree(ctx.rep, { b: 'b', 'cache/r': 'replica only' });
  await twoWay(ctx, { exclude: ['cache', '*.tmp'] });
  assert.equal(readdirSync(ctx.src).sort(), ['a', 'b', 'cache', 'x.tmp']);
  assert.equal(readdirSync(ctx.rep).sort(), ['a', 'b', 'cache']);
  assert.equal(readdirSync(join(ctx.rep, 'cache')), ['r']);
  rmSync(join(ctx.rep, 'a'));
  rmSync(join(ctx.rep, 'b'));
  rmSync(join(ctx.rep, 'cache'), { recursive: true });
  const r = await twoWay(ctx, { exclude: ['cache', '*.tmp'], allowEmptySource: true });
  assert.is(r.deleted, 2);
  assert.equal(readdirSync(ctx.src).sort(), ['cache', 'x.tmp'], 'excluded paths are left alone');
});

S('--max-delete counts the deletions of both sides together', async (ctx) => {
  writeTree(ctx.src, { a: '1', b: '2', c: '3' });
  await twoWay(ctx);
  rmSync(join(ctx.src, 'a'));
  rmSync(join(ctx.rep, 'b'));
  put(join(ctx.rep, 'n'), 'new');
  const r = await twoWay(ctx, { maxDelete: 1 });
  assert.is(r.deleted, 0);
  assert.is(r.failed, 1);
  assert.ok(existsSync(join(ctx.rep, 'a')) && existsSync(join(ctx.src, 'b')));
  assert.ok(existsSync(join(ctx.src, 'n')), 'creations still run');
  // The withheld deletions are seen again, and done once allowed.
  const allowed = await twoWay(ctx, { maxDelete: 2 });
  assert.is(allowed.deleted, 2);
  assert.is(same(ctx), '');
});

S('a write whose target changed since the scan is skipped, and the target kept', async (ctx) => {
  writeTree(ctx.src, { f: 'new', g: 'x' });
  writeTree(ctx.rep, { f: 'user edit after the scan', gone: 'keep me' });
  const pool = new WorkerPool(1, (error) => {
    throw error;
  });
  try {
    const rep = new LocalTree(ctx.rep, pool);
    const entry = {
      path: 'f',
      kind: 'file' as const,
      size: 3,
      mtimeMs: statSync(join(ctx.src, 'f')).mtimeMs,
      mode: 0o644,
      uid: 0,
      gid: 0,
    };
    const stale = { kind: 'file' as const, size: 2, mtimeMs: 1 };
    const steps: Op[] = [
      { op: 'put', path: 'f', entry, mode: 0o644, owner: undefined, replacing: 'nothing', expect: stale },
      {
        op: 'put',
        path: 'g',
        entry: { ...entry, path: 'g', size: 1, mtimeMs: statSync(join(ctx.src, 'g')).mtimeMs },
        mode: 0o644,
        owner: undefined,
        replacing: 'nothing',
        expect: stale,
      },
      { op: 'remove', path: 'gone', kind: 'file', expect: stale },
      {
        op: 'rename',
        path: 'gone',
        to: 'f',
        expect: { kind: 'file', size: 7, mtimeMs: statSync(join(ctx.rep, 'gone')).mtimeMs },
      },
    ];
    const results: OpResult[] = [];
    await rep.apply(steps, {
      from: new LocalTree(ctx.src, pool),
      stop: new Int32Array(new SharedArrayBuffer(4)),
      onResult: (i, r) => (results[i] = r),
    });
    assert.equal(results.slice(0, 3), [
      { ok: 'changed', reason: 'changed since the scan', here: true },
      { ok: 'changed', reason: 'vanished since the scan', here: true },
      { ok: 'changed', reason: 'changed since the scan', here: true },
    ]);
    assert.is(results[3]?.ok, false, 'a rename never replaces what stands at the new name');
    assert.is(readFileSync(join(ctx.rep, 'f'), 'utf8'), 'user edit after the scan');
    assert.is(readFileSync(join(ctx.rep, 'gone'), 'utf8'), 'keep me');
    assert.equal(readdirSync(ctx.rep).sort(), ['f', 'gone']);
  } finally {
    await pool.close();
  }
});

S('a damaged state, or one side emptied, is refused with one line and exit 2; --resync recovers', async (ctx) => {
  writeTree(ctx.src, { a: 'a', b: 'b' });
  assert.is((await cli(ctx)).code, 0);
  put(join(ctx.src, 'a'), 'a, edited');
  assert.is((await cli(ctx)).code, 0);
  const file = statePath(join(ctx.dir, 'state'), ctx.src, ctx.rep);
  const good = readFileSync(file);
  writeFileSync(file, good.subarray(0, good.length - 2));
  const damaged = await cli(ctx);
  assert.is(damaged.code, 2);
  assert.match(
    damaged.stderr,
    /^replisync: the two-way state .* is unusable: its integrity check fails .*--resync.*\n$/,
  );
  assert.ok(existsSync(join(`${file}.prev`)), 'the previous generation is kept beside it');
  put(join(ctx.src, 'c'), 'c');
  assert.is((await cli(ctx, '--resync')).code, 0);
  assert.ok(existsSync(join(ctx.rep, 'c')));
  for (const name of readdirSync(ctx.rep)) rmSync(join(ctx.rep, name));
  const emptied = await cli(ctx);
  assert.is(emptied.code, 2);
  assert.match(
    emptied.stderr,
    /^replisync: replica .* is empty but held 3 entries at the last sync: .*--allow-empty-source to allow it\n$/,
  );
  assert.equal(readdirSync(ctx.src).sort(), ['a', 'b', 'c'], 'nothing deleted on the other side');
});

S('two-way flags are checked before anything is touched', async (ctx) => {
  writeTree(ctx.src, { a: 'a' });
  for (const [args, message] of [
    [['--conflict', 'newer'], /--conflict applies to two-way sync/],
    [['--two-way', '--conflict', 'mine'], /--conflict must be one of keep-both, source, replica, newer, not "mine"/],
    [['--resync'], /--resync rebuilds the state of a two-way pair/],
    [['--two-way', '--delete-excluded'], /--delete-excluded does not apply to two-way sync/],
    [['--two-way', '--state-dir', join(ctx.src, 'st')], /--state-dir .* must lie outside both sides/],
  ] as const) {
    const r = await within(20_000, runCli([ctx.src, ctx.rep, '--once', ...args]), 'replisync');
    assert.is(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.not.ok(existsSync(ctx.rep));
  }
});

S('kill -9 mid-cycle, then a rerun: both sides converge, no torn file, no false conflict', async (ctx) => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 400; i++) files[`s/${i}`] = `source ${i}`.repeat(200);
  writeTree(ctx.src, files);
  const replicaFiles: Record<string, string> = {};
  for (let i = 0; i < 400; i++) replicaFiles[`r/${i}`] = `replica ${i}`.repeat(200);
  writeTree(ctx.rep, replicaFiles);
  const args = [ctx.src, ctx.rep, '--once', '--two-way', '--state-dir', join(ctx.dir, 'state'), '--workers', '1'];
  const run = startCli(args);
  await within(20_000, run.waitFor(/create file/), 'the first copy');
  run.child.kill('SIGKILL');
  await within(20_000, run.exit, 'exit');
  // As a copy cut short leaves it.
  writeFileSync(join(ctx.src, 's', '.7.99999-1-1.replisync-tmp'), 'torn');
  const rerun = await within(20_000, runCli(args), 'the rerun');
  assert.is(rerun.code, 0, rerun.stderr);
  assert.not.match(rerun.stdout + rerun.stderr, /conflict (file|dir|symlink)|sync-conflict/);
  assert.is(same(ctx), '');
  assert.is(readdirSync(join(ctx.src, 'r')).length, 400);
  assert.is(readdirSync(join(ctx.src, 's')).length, 400, 'no temporary file of the killed run is left or synced');
  assert.is(readdirSync(join(ctx.rep, 's')).length, 400);
  assert.is(readFileSync(join(ctx.src, 'r/7'), 'utf8'), 'replica 7'.repeat(200));
});

S('the periodic loop picks up changes on both sides; a second two-way run on either root is refused', async (ctx) => {
  writeTree(ctx.src, { a: 'a' });
  const loop = startCli([ctx.src, ctx.rep, '--two-way', '--interval', '300ms', '--state-dir', join(ctx.dir, 'state')]);
  try {
    await within(20_000, loop.waitFor(/cycle done/), 'the first cycle');
    put(join(ctx.rep, 'from-replica'), 'r');
    put(join(ctx.src, 'from-source'), 's');
    await within(20_000, loop.waitFor(/create file from-replica → source/), 'the replica change');
    await within(20_000, loop.waitFor(/create file from-source → replica/), 'the source change');
    const other = join(ctx.dir, 'other');
    writeTree(other, {});
    const second = await within(20_000, runCli([other, ctx.src, '--once']), 'a one-way run into the two-way source');
    assert.is(second.code, 2);
    assert.match(second.stderr, /^replisync: replica .*src is already being synced by process/);
    const third = await within(
      20_000,
      runCli([ctx.src, other, '--once', '--two-way', '--state-dir', join(ctx.dir, 'st2')]),
      'a two-way run on the same source',
    );
    assert.is(third.code, 2);
    assert.match(third.stderr, /^replisync: source .*src is already being synced by process/);
  } finally {
    loop.child.kill('SIGTERM');
    assert.is(await within(20_000, loop.exit, 'exit'), 0);
  }
  assert.is(same(ctx), '');
});

S('"twoWay": true in a jobs file; the report has counts per direction and the conflicts', async (ctx) => {
  writeTree(ctx.src, { f: 'v1', a: 'a' });
  writeTree(ctx.rep, { f: 'other', b: 'b' });
  const config = join(ctx.dir, 'jobs.json');
  const report = join(ctx.dir, 'report.jsonl');
  writeFileSync(
    config,
    JSON.stringify({ twoWay: true, stateDir: 'state', jobs: [{ name: 'pair', source: 'src', replica: 'rep' }] }),
  );
  const r = await within(20_000, runCli(['--config', config, '--once', '--report', report]), 'replisync');
  assert.is(r.code, 0, 'a conflict kept both does not fail the run');
  assert.match(r.stderr, /WARN \[pair\] conflict file f \(different on both sides, never synced; both kept/);
  const line = JSON.parse(readFileSync(report, 'utf8'));
  assert.equal(
    [line.toReplica, line.toSource, line.conflicts],
    [{ created: 2, updated: 0, deleted: 0 }, { created: 2, updated: 0, deleted: 0 }, 1],
  );
  assert.is(same(ctx), '');
});

S.run();
