import { lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type CycleOptions, type CycleReport, cycleOptions, runSync, type Trees } from '../src/sync/cycle.js';
import { LocalTree } from '../src/tree/local/local-tree.js';
import { WorkerPool } from '../src/tree/local/pool.js';
import { MemoryTree } from '../src/tree/memory/memory-tree.js';
import { sameMtime } from '../src/tree/mtime.js';
import { type Entry, entryArray, type Snapshot, type Tree } from '../src/tree/tree.js';
import { captureLogger, operations, removeDir, tempDir } from './helpers.js';

/** What a test does to one side between cycles, as a user would. */
interface Side {
  readonly tree: Tree;
  file(path: string, content: string, mtimeS?: number): void;
  dir(path: string): void;
  link(path: string, target: string): void;
  remove(path: string): void;
  content(path: string): string;
}

/** A backend: makes a source and a replica side; the same sync suite runs against each. */
interface Backend {
  readonly name: string;
  pair(): Promise<{ source: Side; replica: Side; close(): Promise<void> }>;
}

const T0 = 1_700_000_000;

function localSide(root: string, pool: WorkerPool): Side {
  const at = (path: string): string => join(root, path);
  return {
    tree: new LocalTree(root, pool),
    file(path, content, mtimeS = T0) {
      mkdirSync(dirname(at(path)), { recursive: true });
      writeFileSync(at(path), content);
      utimesSync(at(path), mtimeS, mtimeS);
    },
    dir: (path) => mkdirSync(at(path), { recursive: true }),
    link(path, target) {
      mkdirSync(dirname(at(path)), { recursive: true });
      symlinkSync(target, at(path));
    },
    remove: (path) => rmSync(at(path), { recursive: true, force: true }),
    content: (path) => readFileSync(at(path), 'utf8'),
  };
}

function memorySide(): Side {
  const tree = new MemoryTree();
  const entry = (path: string, kind: Entry['kind'], extra: Partial<Entry> = {}): Entry => ({
    path,
    kind,
    size: 0,
    mtimeMs: T0 * 1000,
    mode: kind === 'dir' ? 0o755 : 0o644,
    uid: 0,
    gid: 0,
    ...extra,
  });
  const parents = (path: string): void => {
    const parts = path.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!tree.get(dir)) tree.set(entry(dir, 'dir'));
    }
  };
  tree.set(entry('', 'dir'));
  return {
    tree,
    file(path, content, mtimeS = T0) {
      parents(path);
      tree.set(entry(path, 'file', { mtimeMs: mtimeS * 1000 }), Buffer.from(content));
    },
    dir(path) {
      parents(path);
      if (!tree.get(path)) tree.set(entry(path, 'dir'));
    },
    link(path, target) {
      parents(path);
      tree.set(entry(path, 'symlink', { target, mode: 0o777 }));
    },
    remove: (path) => tree.delete(path),
    content: (path) => Buffer.from(tree.get(path)?.content ?? new Uint8Array()).toString('utf8'),
  };
}

/** Operation lines, those on the replica's root aside (a new local replica root is created, a memory one exists). */
const ops = (lines: string[]): string[] => operations(lines).filter((l) => !/ dir \.( |$)/.test(l));

const BACKENDS: Backend[] = [
  {
    name: 'local',
    async pair() {
      const dir = tempDir();
      const pool = new WorkerPool(2, (error) => assert.unreachable(error.message));
      mkdirSync(join(dir, 'src'));
      return {
        source: localSide(join(dir, 'src'), pool),
        replica: localSide(join(dir, 'replica'), pool),
        async close() {
          await pool.close();
          removeDir(dir);
        },
      };
    },
  },
  {
    name: 'memory',
    async pair() {
      return { source: memorySide(), replica: memorySide(), close: async () => undefined };
    },
  },
];

/** Entries as a comparison sees them: the root's own mtime and mode aside, which the replica's root keeps. */
const shape = (snapshot: Snapshot): string[] =>
  entryArray(snapshot.entries)
    .filter((e) => e.path !== '')
    .map((e) => `${e.path} ${e.kind} ${e.size} ${e.kind === 'symlink' ? e.target : (e.mode & 0o777).toString(8)}`);

async function assertSame(trees: Trees): Promise<void> {
  const [s, r] = await Promise.all([trees.source.scan([]), trees.replica.scan([])]);
  assert.equal(shape(r), shape(s));
  entryArray(s.entries).forEach((e, i) => {
    const twin = r.entries.at(i) as Entry;
    assert.ok(e.path === '' || sameMtime(e.mtimeMs, twin.mtimeMs), `mtime of ${e.path}`);
  });
}

for (const backend of BACKENDS) {
  const S = suite<{ source: Side; replica: Side; trees: Trees; close(): Promise<void> }>(
    `sync on ${backend.name} trees`,
  );
  S.before.each(async (ctx) => {
    const made = await backend.pair();
    Object.assign(ctx, made, { trees: { source: made.source.tree, replica: made.replica.tree } });
  });
  S.after.each((ctx) => ctx.close());

  const cycle = async (
    trees: Trees,
    overrides: Partial<CycleOptions> = {},
  ): Promise<CycleReport & { lines: string[]; errors: string[] }> => {
    const { log, lines, errors } = captureLogger();
    const options = cycleOptions(trees.source.root, trees.replica.root, overrides);
    const report = await runSync(trees, options, log, new Int32Array(new SharedArrayBuffer(4)));
    return { ...report, lines, errors };
  };

  S('a varied tree becomes an exact copy, and a second cycle does nothing', async ({ source, trees }) => {
    source.file('a/b/c/deep.txt', 'deep', T0 - 86_400);
    source.dir('empty');
    source.file('zero', '');
    source.link('to-deep', 'a/b/c/deep.txt');
    source.link('dangling', 'nowhere');
    const first = await cycle(trees);
    assert.equal(first.errors, []);
    assert.is(ops(first.lines).filter((l) => l.startsWith('create ')).length, 8);
    await assertSame(trees);
    const second = await cycle(trees);
    assert.equal(ops(second.lines), []);
  });

  S('edits, metadata changes, kind changes and deletions all converge', async ({ source, replica, trees }) => {
    source.file('same-size', 'aaaa');
    source.file('touched', 'same');
    source.file('grows', 'x');
    source.file('becomes-dir', 'file');
    source.dir('becomes-file/sub');
    source.file('becomes-file/sub/f', 'f');
    source.file('gone/deep/f', 'f');
    await cycle(trees);
    source.file('same-size', 'bbbb', T0 + 5);
    source.file('touched', 'same', T0 + 9);
    source.file('grows', 'xxxxxxxx');
    source.remove('becomes-dir');
    source.file('becomes-dir/inner', 'inner');
    source.remove('becomes-file');
    source.file('becomes-file', 'now a file');
    source.remove('gone');
    replica.file('replica-only', 'extra');
    const r = await cycle(trees);
    assert.equal(r.errors, []);
    assert.ok(ops(r.lines).includes('update file touched (metadata)'), r.lines.join('\n'));
    assert.ok(ops(r.lines).includes('update file same-size (content)'));
    assert.ok(ops(r.lines).includes('delete file replica-only'));
    assert.is(replica.content('becomes-file'), 'now a file');
    await assertSame(trees);
    assert.equal(ops((await cycle(trees)).lines), []);
  });

  S('excludes are neither copied nor deleted, unless deleteExcluded', async ({ source, replica, trees }) => {
    source.file('keep.txt', 'k');
    source.file('skip.tmp', 's');
    replica.file('old.tmp', 'replica-only, excluded');
    const r = await cycle(trees, { exclude: ['*.tmp'] });
    assert.equal(ops(r.lines), ['create file keep.txt']);
    assert.is(replica.content('old.tmp'), 'replica-only, excluded');
    const d = await cycle(trees, { exclude: ['*.tmp'], deleteExcluded: true });
    assert.equal(ops(d.lines), ['delete file old.tmp']);
  });

  S('a dry run changes nothing; maxDelete withholds every deletion', async ({ source, replica, trees }) => {
    source.file('new', 'n');
    replica.file('a', 'a');
    replica.file('b', 'b');
    const dry = await cycle(trees, { dryRun: true });
    assert.equal(ops(dry.lines), ['[dry-run] create file new', '[dry-run] delete file b', '[dry-run] delete file a']);
    assert.equal(ops((await cycle(trees, { dryRun: true })).lines), ops(dry.lines));
    const limited = await cycle(trees, { maxDelete: 1 });
    assert.equal(ops(limited.lines), ['create file new']);
    assert.is(replica.content('a'), 'a');
  });

  S('an empty source is refused while the replica holds entries', async ({ replica, trees }) => {
    replica.file('precious', 'p');
    try {
      await cycle(trees);
      assert.unreachable('an empty source was synced');
    } catch (error) {
      assert.match(String(error), /is empty but the replica is not/);
    }
    assert.is(replica.content('precious'), 'p');
    const allowed = await cycle(trees, { allowEmptySource: true });
    assert.equal(ops(allowed.lines), ['delete file precious']);
  });

  S.run();
}

const Cross = suite<{ dir: string }>('sync between trees of different kinds', { dir: '' });
Cross.before.each((ctx) => {
  ctx.dir = tempDir();
});
Cross.after.each((ctx) => removeDir(ctx.dir));

Cross('a memory source syncs into a local replica through the generic paths (read, compare, put)', async ({ dir }) => {
  const pool = new WorkerPool(1, (error) => assert.unreachable(error.message));
  try {
    const source = memorySide();
    const replica = localSide(join(dir, 'replica'), pool);
    const trees = { source: source.tree, replica: replica.tree };
    source.file('d/f.txt', 'from memory');
    source.file('same', 'abc');
    const { log, errors } = captureLogger();
    const stop = new Int32Array(new SharedArrayBuffer(4));
    await runSync(trees, cycleOptions(source.tree.root, replica.tree.root), log, stop);
    assert.equal(errors, []);
    assert.is(readFileSync(join(dir, 'replica/d/f.txt'), 'utf8'), 'from memory');
    assert.ok(sameMtime(lstatSync(join(dir, 'replica/d/f.txt')).mtimeMs, T0 * 1000));
    source.file('same', 'xyz', T0 + 1);
    const { log: log2, lines } = captureLogger();
    await runSync(trees, cycleOptions(source.tree.root, replica.tree.root, { checksum: true }), log2, stop);
    assert.equal(ops(lines), ['update file same (content)']);
    assert.is(readFileSync(join(dir, 'replica/same'), 'utf8'), 'xyz');
  } finally {
    await pool.close();
  }
});

Cross.run();
