import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ColumnSink, ListingSink } from '../src/tree/local/columns.js';
import type { Entry } from '../src/tree/tree.js';

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

test('listings cross from a pool thread in columns and come back entry for entry', () => {
  const listings: [string, Entry[]][] = [
    ['', [entry('', { kind: 'dir', size: 0 }), entry('a', { kind: 'dir', size: 0 }), entry('empty', { kind: 'dir' })]],
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
  ];
  const direct = new ListingSink();
  const columns = new ColumnSink();
  for (const [dir, entries] of listings) {
    direct.listing(dir, entries);
    columns.listing(dir, entries);
  }
  columns.unreadable.push({ path: 'a/x', code: 'EACCES', cause: 'permission denied' });
  const crossed = new ListingSink();
  crossed.decode(structuredClone(columns.encode()));
  assert.equal(crossed.snapshot('/r'), { ...direct.snapshot('/r'), unreadable: columns.unreadable });
});

test('nothing listed, nothing back', () => {
  const crossed = new ListingSink();
  crossed.decode(new ColumnSink().encode());
  assert.equal(crossed.snapshot('/r'), { root: '/r', entries: [], unreadable: [] });
});

test.run();
