import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { classify } from '../src/errors.js';
import { describe, showPath } from '../src/report/text.js';
import { type Action, type Plan, planActions } from '../src/sync/actions.js';
import type { Verdicts } from '../src/sync/equal.js';
import { limitDeletes } from '../src/sync/guards.js';
import { march } from '../src/sync/march.js';
import { draftPlan, pairsToHash, plan } from '../src/sync/plan.js';
import { ColumnSink } from '../src/tree/local/columns.js';
import { comparePaths, parentOf } from '../src/tree/order.js';
import { type Entry, entryArray, type Snapshot } from '../src/tree/tree.js';
import { listingOf } from './helpers.js';

const T = 1_700_000_000_123.456;
type Spec = Partial<Entry> & { kind: Entry['kind'] };
const dir = (extra: Partial<Entry> = {}): Spec => ({ kind: 'dir', mode: 0o755, ...extra });
const file = (size: number, extra: Partial<Entry> = {}): Spec => ({ kind: 'file', size, mode: 0o644, ...extra });
const link = (target: string, extra: Partial<Entry> = {}): Spec => ({ kind: 'symlink', target, mode: 0o777, ...extra });

/** A snapshot in scan order, whatever order the spec lists its paths in. */
function snap(spec: Record<string, Spec>, unreadable: string[] = []): Snapshot {
  const entries = Object.entries({ '': dir(), ...spec }).map(
    ([path, e]): Entry => ({ path, size: 0, mtimeMs: T, mode: 0, uid: 0, gid: 0, ...e }),
  );
  return {
    root: '/x',
    entries: entries.sort((a, b) => comparePaths(a.path, b.path)),
    unreadable: unreadable.map((path) => ({ path, code: 'EACCES', cause: 'EACCES' })),
  };
}

const lines = (p: Plan): string[] => planActions(p).map(describe);
const noVerdicts: Verdicts = new Map();
const quick = { checksum: false };

const cases: Array<[string, Record<string, Spec>, Record<string, Spec>, string[]]> = [
  [
    'identical trees: nothing',
    { a: file(3), d: dir(), 'd/l': link('../a') },
    { a: file(3), d: dir(), 'd/l': link('../a') },
    [],
  ],
  [
    'missing entries are created, parents first',
    { d: dir(), 'd/e': dir(), 'd/e/f': file(1), 'd/l': link('x') },
    {},
    ['create dir d', 'create dir d/e', 'create file d/e/f', 'create symlink d/l'],
  ],
  ['size differs: content copy', { a: file(3) }, { a: file(4) }, ['update file a (content)']],
  [
    'same size and mtime, mode differs: metadata',
    { a: file(3, { mode: 0o755 }) },
    { a: file(3) },
    ['update file a (metadata)'],
  ],
  [
    'replica-only entries deleted deepest first',
    {},
    { old: dir(), 'old/sub': dir(), 'old/sub/f': file(1), x: file(1) },
    ['delete file x', 'delete file old/sub/f', 'delete dir old/sub', 'delete dir old'],
  ],
  ['file becomes dir', { p: dir(), 'p/f': file(1) }, { p: file(1) }, ['update dir p (kind)', 'create file p/f']],
  [
    'dir becomes file: its contents are cleared first',
    { p: file(1) },
    { p: dir(), 'p/q': dir(), 'p/q/f': file(1) },
    ['delete file p/q/f', 'delete dir p/q', 'update file p (kind)'],
  ],
  ['file becomes symlink', { p: link('t') }, { p: file(1) }, ['update symlink p (kind)']],
  ['symlink retargeted', { p: link('new') }, { p: link('old') }, ['update symlink p (target)']],
  [
    'symlink mtime differs: metadata',
    { p: link('t', { mtimeMs: T + 5 }) },
    { p: link('t') },
    ['update symlink p (metadata)'],
  ],
  [
    'dir mode differs: metadata, applied last',
    { d: dir({ mode: 0o700 }), n: file(1) },
    { d: dir() },
    ['create file n', 'update dir d (metadata)'],
  ],
  ['mtime within a microsecond is equal', { a: file(3, { mtimeMs: T + 0.0005 }) }, { a: file(3) }, []],
  [
    'mtime 1.5 µs later (a cut copy plus the doubles’ error) is equal',
    { a: file(3, { mtimeMs: T + 0.0015 }) },
    { a: file(3) },
    [],
  ],
  [
    'mtime three microseconds apart differs',
    { a: dir({ mtimeMs: T + 0.003 }) },
    { a: dir() },
    ['update dir a (metadata)'],
  ],
  ['replica special file is replaced', { p: file(1) }, { p: { kind: 'special' } }, ['update file p (kind)']],
  ['source special file is skipped, replica entry kept', { p: { kind: 'special' } }, { p: file(1) }, []],
];

for (const [name, source, replica, expected] of cases) {
  test(name, () => {
    assert.equal(lines(plan(snap(source), snap(replica), quick, noVerdicts)), expected);
  });
}

test('same size, different mtime: hashed; equal content means metadata only', () => {
  const s = snap({ a: file(3, { mtimeMs: T + 0.01 }) });
  const r = snap({ a: file(3) });
  assert.equal(
    pairsToHash(s, r, quick).map((e) => e.path),
    ['a'],
  );
  assert.equal(lines(plan(s, r, quick, new Map([['a', true]]))), ['update file a (metadata)']);
  assert.equal(lines(plan(s, r, quick, new Map([['a', false]]))), ['update file a (content)']);
});

test('same size and mtime are hashed only with checksum', () => {
  const s = snap({ a: file(3), b: file(2) });
  const r = snap({ a: file(3), b: file(5) });
  assert.equal(pairsToHash(s, r, quick), []);
  assert.equal(
    pairsToHash(s, r, { checksum: true }).map((e) => e.path),
    ['a'],
  );
  assert.equal(lines(plan(s, r, { checksum: true }, new Map([['a', false]]))), [
    'update file a (content)',
    'update file b (content)',
  ]);
});

test('empty files are never hashed: different mtimes are a metadata update, equal ones nothing, even with checksum', () => {
  const s = snap({ a: file(0, { mtimeMs: T + 1 }), b: file(0) });
  const r = snap({ a: file(0), b: file(0) });
  assert.equal(pairsToHash(s, r, { checksum: true }), []);
  assert.equal(lines(plan(s, r, { checksum: true }, noVerdicts)), ['update file a (metadata)']);
});

test('a missing verdict is a programming error, not a silent skip', () => {
  assert.throws(
    () => plan(snap({ a: file(3, { mtimeMs: T + 0.01 }) }), snap({ a: file(3) }), quick, noVerdicts),
    /no content verdict for a/,
  );
});

/** A side of a small tree: files (some of them names of one inode) and symlinks, their directories made. */
const sideSpec = fc
  .dictionary(
    fc.constantFrom('a', 'b', 'c', 'd/a', 'd/b', 'e/a'),
    fc.record({
      symlink: fc.boolean(),
      size: fc.constantFrom(1, 2),
      mtimeMs: fc.constantFrom(T, T + 1),
      link: fc.constantFrom(undefined, '1:1', '1:2'),
      mode: fc.constantFrom(0o644, 0o600, 0o4755),
      uid: fc.constantFrom(0, 1000),
      target: fc.constantFrom('t', 'u'),
    }),
    { maxKeys: 6 },
  )
  .map((files) => {
    const spec: Record<string, Spec> = {};
    for (const [path, f] of Object.entries(files)) {
      if (path.includes('/')) spec[path.split('/')[0] as string] = dir();
      const more = { mtimeMs: f.mtimeMs, uid: f.uid };
      spec[path] = f.symlink
        ? link(f.target, more)
        : file(f.size, f.link === undefined ? { ...more, mode: f.mode } : { ...more, mode: f.mode, link: f.link });
    }
    return spec;
  });
const side = sideSpec.map((spec) => snap(spec));
/** Two sides that hold some of the same entries (twins), the rest drawn for each. */
const twinSides = fc.tuple(sideSpec, sideSpec, fc.func(fc.boolean())).map(([a, b, shared]): [Snapshot, Snapshot] => {
  const r = { ...b };
  for (const [path, entry] of Object.entries(a)) {
    if (!shared(path)) continue;
    r[path] = entry;
    const parent = parentOf(path) as string;
    if (parent !== '') r[parent] = a[parent] as Spec;
  }
  return [snap(a), snap(r)];
});

test('a draft names every pair the plan needs compared, and decided from their verdicts is the plan', () => {
  fc.assert(
    fc.property(side, side, fc.boolean(), fc.boolean(), fc.func(fc.boolean()), (s, r, checksum, hardLinks, same) => {
      const options = { checksum, hardLinks };
      const verdicts = (pairs: readonly Entry[]): Verdicts => new Map(pairs.map((e) => [e.path, same(e.path)]));
      const all = pairsToHash(s, r, options);
      const full = plan(s, r, options, verdicts(all));
      const draft = draftPlan(s, r, options);
      assert.ok(draft.pairs.every((e) => all.includes(e)));
      assert.equal(draft.decide(verdicts(draft.pairs)), full);
    }),
    { numRuns: 500 },
  );
});

test("decided at copy, resolved by the verdicts the copies find, is the plan: stamping back at most those pairs' parents more", () => {
  fc.assert(
    fc.property(side, side, fc.boolean(), fc.func(fc.boolean()), (s, r, hardLinks, same) => {
      const options = { checksum: false, hardLinks };
      const draft = draftPlan(s, r, options);
      const atCopy = draft.decideAtCopy();
      if (atCopy === undefined) {
        assert.ok(
          hardLinks && draft.pairs.some((e) => e.link !== undefined),
          'only a hard-linked pair needs verdicts first',
        );
        return;
      }
      const full = plan(s, r, options, new Map(draft.pairs.map((e) => [e.path, same(e.path)])));
      const open = atCopy.transfers.filter((a) => a.op === 'update' && a.unlessSame);
      assert.ok(
        open.every((a) => draft.pairs.includes(a.entry)),
        'only pairs left open are compared by the copy',
      );
      const resolved = atCopy.transfers.map((a): Action => {
        if (a.op !== 'update' || !a.unlessSame) return a;
        const { unlessSame: _, ...rest } = a;
        return same(a.entry.path) ? { ...rest, change: 'metadata' } : rest;
      });
      assert.equal({ ...atCopy, transfers: resolved, restamp: [] }, { ...full, restamp: [] });
      const parents = new Set(open.map((a) => parentOf(a.entry.path)));
      assert.ok(full.restamp.every((d) => atCopy.restamp.includes(d)));
      assert.ok(atCopy.restamp.every((d) => full.restamp.includes(d) || parents.has(d.path)));
    }),
    { numRuns: 500 },
  );
  // The replica's is a name of a hard-linked file, the source's is not: a copy either way, never compared.
  const s = snap({ a: file(1, { mtimeMs: T + 1 }) });
  const r = snap({ a: file(1, { link: '1:1' }) });
  assert.equal(draftPlan(s, r, { checksum: false, hardLinks: true }).decideAtCopy()?.transfers, [
    { op: 'update', entry: entryArray(s.entries)[1], change: 'content', was: entryArray(r.entries)[1] },
  ]);
});

/** The snapshot as a local walk keeps it: in columns, listing by listing. */
function inColumns(snapshot: Snapshot): Snapshot {
  const children = new Map<string, Entry[]>();
  for (const entry of entryArray(snapshot.entries)) {
    if (entry.kind === 'dir') children.set(entry.path, entry.path === '' ? [entry] : []);
    if (entry.path !== '') children.get(parentOf(entry.path) as string)?.push(entry);
  }
  const sink = new ColumnSink();
  for (const [dir, entries] of children) sink.take(listingOf(dir, entries));
  return sink.snapshot(snapshot.root);
}

test('a plan over columns, which pass over plain twins without making them, is the plan over the same entries as objects', () => {
  const options = fc.record({
    checksum: fc.boolean(),
    hardLinks: fc.boolean(),
    owners: fc.boolean(),
    sizeOnly: fc.boolean(),
  });
  fc.assert(
    fc.property(twinSides, options, fc.func(fc.boolean()), ([s, r], o, same) => {
      const verdicts: Verdicts = new Map(pairsToHash(s, r, o).map((e) => [e.path, same(e.path)]));
      assert.equal(plan(inColumns(s), inColumns(r), o, verdicts), plan(s, r, o, verdicts));
      assert.equal(draftPlan(inColumns(s), inColumns(r), o).decide(verdicts), plan(s, r, o, verdicts));
    }),
    { numRuns: 500 },
  );
  // Alike in every number, but the replica's is a name of a hard-linked file: it gets an inode of its own.
  const [s, r] = [snap({ a: file(1) }), snap({ a: file(1, { link: '1:1' }) })];
  assert.equal(lines(plan(inColumns(s), inColumns(r), { checksum: false, hardLinks: true }, noVerdicts)), [
    'update file a (content)',
  ]);
});

test('a draft with more open pairs than it keeps plans again, to the same plan', () => {
  const names = Array.from({ length: 10_001 }, (_, i) => `f${i}`);
  const s = snap(Object.fromEntries(names.map((n) => [n, file(1, { mtimeMs: T + 1 })])));
  const r = snap(Object.fromEntries(names.map((n) => [n, file(1)])));
  const draft = draftPlan(s, r, quick);
  assert.is(draft.pairs.length, 10_001);
  const verdicts = new Map(names.map((n, i) => [n, i % 2 === 0]));
  assert.equal(draft.decide(verdicts), plan(s, r, quick, verdicts));
});

test('nothing is deleted below a source directory that could not be read', () => {
  const p = plan(
    snap({ d: dir() }, ['d', 'gone']),
    snap({ d: dir(), 'd/f': file(1), 'd/e': dir(), 'd/e/g': file(1), gone: file(1), other: file(1) }),
    quick,
    noVerdicts,
  );
  assert.equal(lines(p), ['delete file other']);
});

test('directories whose contents change are stamped back; untouched ones are not', () => {
  const p = plan(
    snap({ a: dir(), 'a/new': file(1), b: dir(), 'b/same': file(1) }),
    snap({ a: dir(), b: dir(), 'b/same': file(1) }),
    quick,
    noVerdicts,
  );
  assert.equal(
    p.restamp.map((e) => e.path),
    ['a'],
  );
});

test('a created replica root and its created subdirectories are stamped', () => {
  const p = plan(snap({ d: dir() }), { root: '/r', entries: [], unreadable: [] }, quick, noVerdicts);
  assert.equal(lines(p), ['create dir .', 'create dir d']);
  assert.equal(p.restamp.map((e) => e.path).sort(), ['', 'd']);
});

test('our leftover temporary files are removed apart, other dot files are ordinary deletes', () => {
  const p = plan(
    snap({ d: dir() }),
    snap({ d: dir(), 'd/.photo.jpg.123-0-7.replisync-tmp': file(5), '.notes.replisync-tmp.bak': file(1) }),
    quick,
    noVerdicts,
  );
  assert.equal(
    p.leftovers.map((e) => e.path),
    ['d/.photo.jpg.123-0-7.replisync-tmp'],
  );
  assert.equal(lines(p), ['delete file .notes.replisync-tmp.bak']);
});

test('max-delete: at the limit everything runs; over it no removal and no kind change, the rest still runs', () => {
  const p = plan(
    snap({ n: file(1), k: dir(), 'k/inside': file(1) }),
    snap({ a: file(1), b: file(1), k: file(1) }),
    quick,
    noVerdicts,
  );
  assert.equal(lines(limitDeletes(p, 2).plan), lines(p));
  assert.is(limitDeletes(p, 2).withheld, 0);
  const over = limitDeletes(p, 1);
  assert.is(over.withheld, 2);
  assert.equal(lines(over.plan), ['create file n']);
});

test('comparePaths puts each directory right before its contents', () => {
  const sorted = ['a-c', 'a/b', 'ab', 'a', '', 'a/b/c', 'B', 'é', 'a.d'].sort(comparePaths);
  assert.equal(sorted, ['', 'B', 'a', 'a/b', 'a/b/c', 'a-c', 'a.d', 'ab', 'é']);
});

test('march reports each path once: source only, replica only, or both', () => {
  const seen: string[] = [];
  march(
    snap({ a: file(1), 'a-b': file(1), c: dir(), 'c/d': file(1) }),
    snap({ a: file(1), b: file(1), 'c/d': file(1), c: dir() }),
    {
      sourceOnly: (s) => void seen.push(`${s.path}:s`),
      replicaOnly: (r) => void seen.push(`${r.path}:r`),
      both: (s) => void seen.push(`${s.path}:sr`),
    },
  );
  assert.equal(seen, [':sr', 'a:sr', 'a-b:s', 'b:r', 'c:sr', 'c/d:sr']);
});

test('a special file in the source shields the replica entry at its path and below it', () => {
  const p = plan(snap({ p: { kind: 'special' } }), snap({ p: dir(), 'p/f': file(1) }), quick, noVerdicts);
  assert.equal(lines(p), []);
});

test('a newline in a name is escaped in the log line, so one operation stays one line', () => {
  assert.equal(lines(plan(snap({ 'bad\nname': file(1), 'tab\there': file(1) }), snap({}), quick, noVerdicts)), [
    'create file bad\\x0aname',
    'create file tab\\x09here',
  ]);
});

test('log paths are one line and unambiguous: quoted where a bare one could be misread', () => {
  const cases: Array<[string, string]> = [
    ['', '.'],
    ['docs/a b.txt', 'docs/a b.txt'],
    ['bad\nname', 'bad\\x0aname'],
    ['\uDCFFraw', '\\xffraw'],
    [' lead', '" lead"'],
    ['trail ', '"trail "'],
    ['a (content)', '"a (content)"'],
    ['back\\slash', '"back\\\\slash"'],
    ['"quoted"', '"\\"quoted\\""'],
    ['x (y)\n', '"x (y)\\x0a"'],
  ];
  for (const [path, shown] of cases) assert.is(showPath(path), shown, JSON.stringify(path));
  assert.is(
    describe({ op: 'update', entry: { path: 'a (content)', kind: 'file', size: 1 }, change: 'content' }),
    'update file "a (content)" (content)',
  );
});

test('failures are classified once by errno: a read-only disk is fatal, a busy file retried, the rest per entry', () => {
  assert.equal(['EROFS', 'EBUSY', 'EAGAIN', 'ENOSPC', 'EACCES', 'ENOENT', undefined].map(classify), [
    'fatal',
    'retry',
    'retry',
    'entry',
    'entry',
    'entry',
    'entry',
  ]);
});

test.run();
