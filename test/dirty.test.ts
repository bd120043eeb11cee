import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describe } from '../src/report/text.js';
import { planActions } from '../src/sync/actions.js';
import { plan } from '../src/sync/plan.js';
import { scanSubtrees } from '../src/tree/local/subtrees.js';
import { comparePaths } from '../src/tree/order.js';
import { type Entry, entryArray, type Snapshot } from '../src/tree/tree.js';
import { COLLAPSE, dirtyRoots, FULL } from '../src/watch/dirty.js';
import { removeDir, tempDir, writeTree } from './helpers.js';

const cases: Array<[string, string[], string[] | 'full']> = [
  ['one file', ['docs/a.txt'], ['docs/a.txt']],
  ['paths inside a dirty directory go with it', ['a/b/c', 'a/b', 'a/b/c/d', 'a/bb'], ['a/b', 'a/bb']],
  ['duplicates once, in snapshot order', ['b', 'a/x', 'b', 'a'], ['a', 'b']],
  ['the root itself: a full cycle', ['x', ''], 'full'],
  [
    `more than ${COLLAPSE} entries of one directory: that directory`,
    [...Array.from({ length: COLLAPSE + 1 }, (_, i) => `d/f${i}`), 'e'],
    ['d', 'e'],
  ],
  [
    `${COLLAPSE} entries of one directory stay as they are`,
    Array.from({ length: 2 }, (_, i) => `d/f${i}`),
    ['d/f0', 'd/f1'],
  ],
  [
    'collapsing goes up a level when the parent gets busy in turn',
    Array.from(
      { length: (COLLAPSE + 1) ** 2 },
      (_, i) => `top/d${i % (COLLAPSE + 1)}/f${Math.floor(i / (COLLAPSE + 1))}`,
    ),
    ['top'],
  ],
  [
    'spread out, nothing collapses',
    Array.from({ length: 3 }, (_, i) => `top/d${i}/x`),
    ['top/d0/x', 'top/d1/x', 'top/d2/x'],
  ],
  ['a busy root directory: a full cycle', Array.from({ length: COLLAPSE + 1 }, (_, i) => `f${i}`), 'full'],
  [
    `more than ${FULL} subtrees: a full cycle`,
    Array.from({ length: FULL + 1 }, (_, i) => `d${i % 100}/e${Math.floor(i / 100)}/f`),
    'full',
  ],
];

for (const [name, paths, expected] of cases)
  test(`dirty roots: ${name}`, () => assert.equal(dirtyRoots(paths), expected));

const T = 1_700_000_000_000;
const entry = (path: string, kind: Entry['kind'] = 'file', size = 1): Entry => ({
  path,
  kind,
  size: kind === 'file' ? size : 0,
  mtimeMs: T,
  mode: kind === 'dir' ? 0o755 : 0o644,
  uid: 0,
  gid: 0,
});
const snap = (entries: Entry[]): Snapshot => ({
  root: '/x',
  entries: [entry('', 'dir'), ...entries].sort((a, b) => comparePaths(a.path, b.path)),
  unreadable: [],
});

test('a targeted plan over two partial views touches only the dirty subtrees', () => {
  // What scanSubtrees gives for the roots `a/new` and `gone` (the way down lists only what leads there).
  const source = snap([entry('a', 'dir'), entry('a/new', 'dir'), entry('a/new/f', 'file', 5)]);
  const replica = snap([entry('a', 'dir'), entry('gone', 'file', 3)]);
  const lines = planActions(plan(source, replica, { checksum: false }, new Map())).map(describe);
  assert.equal(lines, ['create dir a/new', 'create file a/new/f', 'delete file gone']);
});

test('scanSubtrees lists the dirty subtrees whole and only the way down to them', () => {
  const dir = tempDir();
  try {
    writeTree(dir, { 'a/b/c/f': 'f', 'a/b/c/g/h': 'h', 'a/b/other': 'o', 'a/sibling': 's', top: 't', 'x/y': 'y' });
    mkdirSync(join(dir, 'a/b/c/empty'));
    writeFileSync(join(dir, 'file-not-dir'), 'plain');
    const paths = (roots: string[]): string[] =>
      entryArray(scanSubtrees(dir, roots, undefined, false).entries).map((e) => `${e.path}:${e.kind}`);
    assert.equal(paths(['a/b/c', 'x/y', 'missing/deep', 'file-not-dir/below']), [
      ':dir',
      'a:dir',
      'a/b:dir',
      'a/b/c:dir',
      'a/b/c/empty:dir',
      'a/b/c/f:file',
      'a/b/c/g:dir',
      'a/b/c/g/h:file',
      'file-not-dir:file',
      'x:dir',
      'x/y:file',
    ]);
    assert.equal(
      paths(['a/b/c/f', 'a/b/other', 'a/sibling', 'missing/one', 'missing/two']),
      [':dir', 'a:dir', 'a/b:dir', 'a/b/c:dir', 'a/b/c/f:file', 'a/b/other:file', 'a/sibling:file'],
      'subtrees that share the way down list it once',
    );
    rmSync(join(dir, 'a/b/c'), { recursive: true });
    assert.equal(paths(['a/b/c']), [':dir', 'a:dir', 'a/b:dir'], 'a subtree that is gone is not in it');
  } finally {
    removeDir(dir);
  }
});

test.run();
