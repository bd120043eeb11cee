import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ColumnSink } from '../src/tree/local/columns.js';
import { comparePaths } from '../src/tree/order.js';
import { type Entry, entryArray } from '../src/tree/tree.js';
import { listingOf, plain } from './helpers.js';

const entry = (path: string, more: Partial<Entry> = {}): Entry => ({
  path,
  kind: 'file',
  size: 3,
  mtimeMs: -1500.25,
  mode: 0o644,
  uid: 1000,
  gid: 100,
  ...more,
});

const dir = (path: string): Entry => entry(path, { kind: 'dir', size: 0, mode: 0o755 });

/** Listed in an order no walk uses: children before their parents, the root last. */
const listings: [string, Entry[]][] = [
  ['empty', []],
  [
    'a',
    [
      entry('a/big', { size: 2 ** 40, mtimeMs: 1_796_145_540_875.808 }),
      entry('a/link', { kind: 'symlink', size: 0, target: 'n\uDCFF' }),
      entry('a/n\uDCFF', { link: '64768:123456789012345678' }),
      entry('a/second name', { link: '64768:123456789012345678' }),
      entry('a/fifo', { kind: 'special', size: 0, mode: 0o600, uid: 2 ** 32 - 2 }),
    ],
  ],
  ['', [dir(''), dir('a'), dir('empty'), entry('z', { kind: 'symlink', size: 0, target: '/elsewhere' })]],
];
const walkOrder = ['', 'a', 'a/big', 'a/link', 'a/n\uDCFF', 'a/second name', 'a/fifo', 'empty', 'z'];
const byPath = new Map(listings.flatMap(([, entries]) => entries.map((e) => [e.path, e] as const)));

test('listings come back entry for entry in walk order, whichever thread listed them', () => {
  for (const split of [0, 1, 2, 3]) {
    const mine = new ColumnSink();
    const theirs = new ColumnSink();
    for (const [i, [path, entries]] of listings.entries()) (i < split ? mine : theirs).take(listingOf(path, entries));
    theirs.unreadable.push({ path: 'a/x', code: 'EACCES', cause: 'permission denied' });
    mine.decode(structuredClone(theirs.encode()));
    assert.equal(
      plain(mine.snapshot('/r')),
      { root: '/r', entries: walkOrder.map((p) => byPath.get(p) as Entry), unreadable: theirs.unreadable },
      `${split} listings on the coordinator`,
    );
  }
});

test('a listing whose parent was never listed (a stopped walk) is not reached; a directory listed twice is its last listing', () => {
  const sink = new ColumnSink();
  sink.take(listingOf('lost', [entry('lost/f')]));
  sink.take(listingOf('', [dir(''), dir('a')]));
  sink.take(listingOf('a', [entry('a/old')]));
  sink.take(listingOf('a', [entry('a/new')]));
  assert.equal(
    entryArray(sink.snapshot('/r').entries).map((e) => e.path),
    ['', 'a', 'a/new'],
  );
});

test('a pool thread that listed 150,000 directories decodes into a sink that has listings of its own', () => {
  const theirs = new ColumnSink();
  const names = Array.from({ length: 150_000 }, (_, i) => `d${i}`);
  for (const name of names) theirs.take(listingOf(name, []));
  const mine = new ColumnSink();
  mine.take(listingOf('', [dir(''), ...names.map(dir)]));
  mine.decode(theirs.encode());
  assert.is(mine.snapshot('/r').entries.length, 150_001);
});

test('nothing listed, nothing back; reading past the end gives nothing', () => {
  const crossed = new ColumnSink();
  crossed.decode(new ColumnSink().encode());
  const snapshot = crossed.snapshot('/r');
  assert.equal(plain(snapshot), { root: '/r', entries: [], unreadable: [] });
  assert.is(snapshot.entries.at(0), undefined);
});

/** A tree of directories and files as path lists, parents first. */
const trees = fc
  .array(fc.array(fc.constantFrom('a', 'b', 'é', 'a b', 'z\uDCFF', '~'), { minLength: 1, maxLength: 4 }), {
    maxLength: 40,
  })
  .map((paths) => {
    const parents = new Set(['']);
    const all = new Set<string>();
    for (const names of paths)
      names.forEach((_, depth) => {
        all.add(names.slice(0, depth + 1).join('/'));
        parents.add(names.slice(0, depth).join('/'));
      });
    // Some of the paths nothing is below are files, the rest directories.
    return ['', ...all]
      .map((p) => (parents.has(p) || p.length % 2 === 1 ? dir(p) : entry(p, { size: p.length })))
      .sort((x, y) => comparePaths(x.path, y.path));
  });

test('any tree, its listings spread over two sinks in any order, comes back as it was walked', () => {
  fc.assert(
    fc.property(trees, fc.infiniteStream(fc.boolean()), fc.infiniteStream(fc.nat()), (all, side, rank) => {
      const children = new Map<string, Entry[]>();
      for (const e of all) {
        if (e.kind === 'dir') children.set(e.path, e.path === '' ? [e] : []);
        if (e.path === '') continue;
        const cut = e.path.lastIndexOf('/');
        children.get(cut < 0 ? '' : e.path.slice(0, cut))?.push(e);
      }
      const order = [...children].map((l) => [rank.next().value as number, l] as const).sort((x, y) => x[0] - y[0]);
      const mine = new ColumnSink();
      const theirs = new ColumnSink();
      for (const [, [path, entries]] of order) (side.next().value ? mine : theirs).take(listingOf(path, entries));
      mine.decode(structuredClone(theirs.encode()));
      assert.equal(entryArray(mine.snapshot('/r').entries), all);
    }),
    { numRuns: 300 },
  );
});

test.run();
