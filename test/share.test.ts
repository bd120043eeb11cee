import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Failure } from '../src/errors.js';
import { compileExcludes } from '../src/tree/filter.js';
import { ColumnSink, type Sink } from '../src/tree/local/columns.js';
import type { Listing } from '../src/tree/local/listing.js';
import { backOpen, backShare, claimBack, claimFront, closeFront, newShare } from '../src/tree/local/split-walk.js';
import { scanTree, walkBack, walkFront } from '../src/tree/local/walk.js';
import { entryArray } from '../src/tree/tree.js';
import { plain, removeDir, tempDir, writeTree } from './helpers.js';

const P = suite('share: claims from both ends');

P('the front and the back each claim until they would cross', () => {
  const share = newShare();
  assert.ok(claimFront(share, ''));
  assert.ok(claimFront(share, 'a'));
  assert.ok(claimBack(share, 'z/y'));
  assert.ok(claimBack(share, 'z'));
  assert.ok(claimBack(share, 'b'));
  assert.not.ok(claimFront(share, 'b'), 'the back has it');
  assert.not.ok(claimFront(share, 'c'), 'past the back');
  assert.ok(claimFront(share, 'a/x'), 'still before the back');
  assert.not.ok(claimBack(share, 'a/x'), 'the front has it');
  assert.not.ok(claimBack(share, 'a'), 'before the front');
  assert.is(backShare(share), 'part');
});

P('the walk order ranks a directory before its contents and "/" below every other character', () => {
  const share = newShare();
  assert.ok(claimFront(share, 'a'));
  assert.ok(claimBack(share, 'a-b'), "'a-b' comes after everything below 'a'");
  assert.ok(claimFront(share, 'a/z'));
  assert.not.ok(claimFront(share, 'a-b'));
});

P('a closed front leaves the back nothing; a back at the root leaves the front nothing', () => {
  const closed = newShare();
  assert.is(backShare(closed), 'none');
  closeFront(closed);
  assert.not.ok(claimBack(closed, 'z'));
  assert.is(backShare(closed), 'none');
  const taken = newShare();
  assert.ok(claimBack(taken, 'z'));
  assert.ok(claimBack(taken, ''));
  assert.is(backShare(taken), 'all');
  assert.not.ok(claimFront(taken, ''));
});

P('a path too long to publish stops the back, never the front', () => {
  const long = 'd/'.repeat(2100);
  const share = newShare();
  assert.not.ok(claimBack(share, long), 'the back stops rather than publish half a path');
  assert.ok(claimFront(share, long), 'the front lists it anyway');
  assert.not.ok(claimBack(share, 'z'), 'and the back, which cannot see where the front is, takes nothing more');
});

P.run();

const W = suite<{ dir: string }>('share: one tree walked from both ends', { dir: '' });
W.before.each((ctx) => {
  ctx.dir = tempDir();
  writeTree(ctx.dir, {
    'a/1': '1',
    'a/b/2': '2',
    'a/b/c/3': '3',
    'a/d': null,
    'a-z': 'file between a/ and e/',
    'e/f/4': '4',
    'e/g': null,
    h: 'h',
    i: null,
    l: { link: 'a' },
    'skip/5': 'excluded',
  });
});
W.after.each((ctx) => removeDir(ctx.dir));

/** Keeps every listing in one place and counts which directories were listed, and how often. */
class Recorder implements Sink {
  readonly all = new ColumnSink();
  readonly listed: string[] = [];
  get unreadable(): Failure[] {
    return this.all.unreadable;
  }
  take(listing: Listing): void {
    this.listed.push(listing.dir);
    this.all.take(listing);
  }
}

const advance = (steps: Generator<void, void, undefined>, n: number): void => {
  for (let i = 0; i < n && !steps.next().done; i++);
};

const exclude = compileExcludes(['skip/']);

function check(dir: string, recorder: Recorder, how: string): void {
  const whole = scanTree(dir, ['skip/']);
  assert.equal(plain(recorder.all.snapshot(dir)), plain(whole), `${how}: the same snapshot as one thread's walk`);
  const dirs = entryArray(whole.entries)
    .filter((e) => e.kind === 'dir')
    .map((e) => e.path);
  assert.equal([...recorder.listed].sort(), dirs.sort(), `${how}: every directory listed exactly once`);
}

W('whatever the interleaving, the two ends list each directory once and add up to the whole tree', ({ dir }) => {
  const order = [
    '',
    'a',
    'a/1',
    'a/b',
    'a/b/2',
    'a/b/c',
    'a/b/c/3',
    'a/d',
    'a-z',
    'e',
    'e/f',
    'e/f/4',
    'e/g',
    'h',
    'i',
    'l',
  ];
  assert.equal(
    entryArray(scanTree(dir, ['skip/']).entries).map((e) => e.path),
    order,
    'the whole tree in walk order, the reference below',
  );
  for (let k = 0; k <= 10; k++) {
    for (const first of ['front', 'back'] as const) {
      const share = newShare();
      const recorder = new Recorder();
      const front = walkFront(dir, exclude, recorder, share);
      const back = walkBack(dir, exclude, recorder, share);
      const [lead, follow] = first === 'front' ? [front, back] : [back, front];
      advance(lead, k);
      advance(follow, Infinity);
      advance(lead, Infinity);
      check(dir, recorder, `${first} ${k} steps ahead`);
      assert.not.ok(backOpen(share), 'a front that is done leaves the back nothing more to claim');
    }
  }
});

W('in lockstep, the two ends meet in the middle', ({ dir }) => {
  const share = newShare();
  const recorder = new Recorder();
  const front = walkFront(dir, exclude, recorder, share);
  const back = walkBack(dir, exclude, recorder, share);
  let frontDone = false;
  let backDone = false;
  while (!frontDone || !backDone) {
    frontDone ||= front.next().done === true;
    backDone ||= back.next().done === true;
  }
  check(dir, recorder, 'lockstep');
  assert.is(backShare(share), 'part');
});

W('a raised stop ends either walk at its next directory', ({ dir }) => {
  for (const end of ['front', 'back'] as const) {
    const stop = new Int32Array(new SharedArrayBuffer(4));
    const recorder = new Recorder();
    const walk =
      end === 'front'
        ? walkFront(dir, exclude, recorder, newShare(), stop)
        : walkBack(dir, exclude, recorder, newShare(), stop);
    advance(walk, 2);
    Atomics.store(stop, 0, 1);
    advance(walk, Infinity);
    assert.is(recorder.listed.length, 2, `${end}: the two directories listed before the stop, no more`);
  }
});

W('a missing root: whichever end claims it finds an empty tree', ({ dir }) => {
  const share = newShare();
  const recorder = new Recorder();
  advance(walkBack(`${dir}/absent`, undefined, recorder, share), Infinity);
  advance(walkFront(`${dir}/absent`, undefined, recorder, share), Infinity);
  assert.equal(recorder.all.snapshot(`${dir}/absent`).entries.length, 0);
  assert.is(backShare(share), 'all');
});

W.run();
