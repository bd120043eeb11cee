import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { COLLAPSE, dirtyRoots, FULL } from '../src/watch/dirty.js';

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

test.run();
