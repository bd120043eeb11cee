import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { conflictName, conflictStamp, isConflictCopy } from '../src/sync/two-way/names.js';
import { twoWayPlan } from '../src/sync/two-way/plans.js';
import {
  type Decision,
  pairsToCompare,
  type ReconcileOptions,
  reconcile,
  rows,
} from '../src/sync/two-way/reconcile.js';
import { BadState, decodeState, encodeState, type PairState, syncedOf } from '../src/sync/two-way/state.js';
import { comparePaths } from '../src/tree/order.js';
import type { Entry, Snapshot } from '../src/tree/tree.js';

const T = 1_700_000_000_000;
type Spec = Partial<Entry> & { kind: Entry['kind'] };
const dir = (extra: Partial<Entry> = {}): Spec => ({ kind: 'dir', mode: 0o755, ...extra });
/** A file whose content is told by its size (and, for a same-size edit, by its mtime). */
const file = (size: number, at = 0, extra: Partial<Entry> = {}): Spec => ({
  kind: 'file',
  size,
  mtimeMs: T + at,
  mode: 0o644,
  ...extra,
});
const link = (target: string): Spec => ({ kind: 'symlink', target, mode: 0o777 });

const entries = (spec: Record<string, Spec>): Entry[] =>
  Object.entries({ '': dir(), ...spec })
    .map(([path, e]): Entry => ({ path, size: 0, mtimeMs: T, mode: 0, uid: 0, gid: 0, ...e }))
    .sort((a, b) => comparePaths(a.path, b.path));
const snap = (spec: Record<string, Spec>, unreadable: string[] = []): Snapshot => ({
  root: '/x',
  entries: entries(spec),
  unreadable: unreadable.map((path) => ({ path, code: 'EACCES', cause: 'EACCES' })),
});

const options = (extra: Partial<ReconcileOptions> = {}): ReconcileOptions => ({
  conflict: 'keep-both',
  firstRun: false,
  conflictName: (path, loser, taken) => conflictName(path, '20261201-101500', loser, taken),
  isConflictCopy,
  ...extra,
});

const show = (d: Decision): string =>
  d.do === 'copy'
    ? `copy → ${d.to} (${d.why})`
    : d.do === 'meta'
      ? `meta → ${d.to}`
      : d.do === 'delete'
        ? `delete on ${d.on}`
        : d.do === 'keep-both'
          ? `keep both: ${d.loser}'s as ${d.as}`
          : d.do;

/** Decisions for every path but the root (in sync in every case here), as `path: decision`. */
function decide(
  base: Record<string, Spec> | undefined,
  source: Record<string, Spec>,
  replica: Record<string, Spec>,
  extra: Partial<ReconcileOptions> & { unreadable?: string[]; differ?: string[]; checksum?: boolean } = {},
): string[] {
  const records = base === undefined ? [] : entries(base).map((e) => syncedOf(e));
  const table = rows(records, snap(source), snap(replica));
  const verdicts = new Map(
    pairsToCompare(table, { checksum: extra.checksum === true, sizeOnly: false }).map((e) => [
      e.path,
      !(extra.differ ?? []).includes(e.path),
    ]),
  );
  const decisions = reconcile(
    table,
    extra.unreadable ?? [],
    verdicts,
    options({ firstRun: base === undefined, ...extra }),
  );
  return table.flatMap((row, i) => (row.path === '' ? [] : [`${row.path}: ${show(decisions[i] as Decision)}`]));
}

const f = file(3);
const cases: Array<[string, () => string[], string[]]> = [
  ['unchanged on both sides: nothing', () => decide({ f }, { f }, { f }), ['f: none']],
  ['new on the source → replica', () => decide({}, { f }, {}), ['f: copy → replica (new)']],
  ['new on the replica → source', () => decide({}, {}, { f }), ['f: copy → source (new)']],
  ['edited on the source → replica', () => decide({ f }, { f: file(4, 9) }, { f }), ['f: copy → replica (changed)']],
  ['edited on the replica → source', () => decide({ f }, { f }, { f: file(4, 9) }), ['f: copy → source (changed)']],
  [
    'same-size edit (new mtime, other hash) → copied',
    () => decide({ f }, { f: file(3, 9) }, { f }, { differ: ['f'] }),
    ['f: copy → replica (changed)'],
  ],
  [
    'touched only (new mtime, same hash): a metadata change',
    () => decide({ f }, { f: file(3, 9) }, { f }),
    ['f: meta → replica'],
  ],
  [
    'mode changed on the replica → source',
    () => decide({ f }, { f }, { f: file(3, 0, { mode: 0o600 }) }),
    ['f: meta → source'],
  ],
  ['deleted on the source → deleted on the replica', () => decide({ f }, {}, { f }), ['f: delete on replica']],
  ['deleted on the replica → deleted on the source', () => decide({ f }, { f }, {}), ['f: delete on source']],
  [
    'edited on the source, deleted on the replica: the edit is restored',
    () => decide({ f }, { f: file(5, 9) }, {}),
    ['f: copy → replica (restored)'],
  ],
  [
    'deleted on the source, edited on the replica: the edit is restored',
    () => decide({ f }, {}, { f: file(5, 9) }),
    ['f: copy → source (restored)'],
  ],
  ['deleted on both: dropped', () => decide({ f }, {}, {}), ['f: drop']],
  [
    'the same edit on both: adopted, no conflict',
    () => decide({ f }, { f: file(5, 9) }, { f: file(5, 9) }),
    ['f: none'],
  ],
  [
    'the same content, different mtimes on both: the newer mtime',
    () => decide({ f }, { f: file(5, 9) }, { f: file(5, 7) }),
    ['f: meta → replica'],
  ],
  [
    'different edits on both: kept both',
    () => decide({ f }, { f: file(5, 9) }, { f: file(6, 8) }),
    ["f: keep both: replica's as f.sync-conflict-20261201-101500-replica"],
  ],
  [
    '--conflict source',
    () => decide({ f }, { f: file(5, 9) }, { f: file(6, 8) }, { conflict: 'source' }),
    ['f: copy → replica (conflict)'],
  ],
  [
    '--conflict replica',
    () => decide({ f }, { f: file(5, 9) }, { f: file(6, 8) }, { conflict: 'replica' }),
    ['f: copy → source (conflict)'],
  ],
  [
    '--conflict newer',
    () => decide({ f }, { f: file(5, 7) }, { f: file(6, 8) }, { conflict: 'newer' }),
    ['f: copy → source (conflict)'],
  ],
  [
    'a conflict copy gets no conflict copy of its own: the newer wins',
    () =>
      decide(
        { 'f.sync-conflict-20261101-090000-replica': f },
        { 'f.sync-conflict-20261101-090000-replica': file(5, 7) },
        { 'f.sync-conflict-20261101-090000-replica': file(6, 8) },
      ),
    ['f.sync-conflict-20261101-090000-replica: copy → source (conflict)'],
  ],
  [
    'a kind change against an edit, neither a directory: both kept whatever --conflict says',
    () => decide({ p: f }, { p: link('x') }, { p: file(7, 9) }, { conflict: 'source' }),
    ["p: keep both: replica's as p.sync-conflict-20261201-101500-replica"],
  ],
  [
    'unchanged on both sides by their records, yet different content (--checksum): a conflict, not a copy',
    () => decide({ f }, { f }, { f }, { differ: ['f'], checksum: true }),
    ["f: keep both: replica's as f.sync-conflict-20261201-101500-replica"],
  ],
  [
    'symlink retargeted on the replica → source',
    () => decide({ l: link('a') }, { l: link('a') }, { l: link('b') }),
    ['l: copy → source (changed)'],
  ],
  [
    'a file replaced by a directory on the source, unchanged on the replica → replica',
    () => decide({ p: f }, { p: dir(), 'p/x': file(1) }, { p: f }),
    ['p: copy → replica (changed)', 'p/x: copy → replica (new)'],
  ],
  [
    'a kind change against an edit: both kept, the directory keeps the name',
    () => decide({ p: f }, { p: dir(), 'p/x': file(1) }, { p: file(7, 9) }),
    ["p: keep both: replica's as p.sync-conflict-20261201-101500-replica", 'p/x: copy → replica (new)'],
  ],
  [
    'a directory deleted on the source, a file added in it on the replica: that file survives, the rest goes',
    () => decide({ d: dir(), 'd/old': f }, {}, { d: dir(), 'd/old': f, 'd/new': file(2) }),
    ['d: copy → source (restored)', 'd/new: copy → source (new)', 'd/old: delete on replica'],
  ],
  [
    'a directory replaced by a file on the source while the replica edited inside it: both kept',
    () => decide({ d: dir(), 'd/x': f }, { d: file(9, 9) }, { d: dir(), 'd/x': file(4, 9) }),
    ["d: keep both: source's as d.sync-conflict-20261201-101500-source", 'd/x: copy → source (restored)'],
  ],
  [
    'a directory replaced by a file on the source, nothing changed inside on the replica → replica',
    () => decide({ d: dir(), 'd/x': f }, { d: file(9, 9) }, { d: dir(), 'd/x': f }),
    ['d: copy → replica (changed)', 'd/x: delete on replica'],
  ],
  [
    'first run: the union; nothing deleted; differences kept both',
    () => decide(undefined, { a: f, both: file(2), same: f }, { b: f, both: file(5), same: f }),
    [
      'a: copy → replica (new)',
      'b: copy → source (new)',
      "both: keep both: replica's as both.sync-conflict-20261201-101500-replica",
      'same: none',
    ],
  ],
  [
    'first run: same size and mtime but another hash is a conflict, not equal',
    () => decide(undefined, { f }, { f }, { differ: ['f'] }),
    ["f: keep both: replica's as f.sync-conflict-20261201-101500-replica"],
  ],
  [
    'below a directory one side could not list: nothing decided',
    () => decide({ d: dir(), 'd/x': f }, { d: dir() }, { d: dir(), 'd/x': f }, { unreadable: ['d'] }),
    ['d: keep', 'd/x: keep'],
  ],
];

for (const [name, run, expected] of cases) test(`reconcile: ${name}`, () => assert.equal(run(), expected));

test('empty files are never compared, even with checksum: both edited to empty is no conflict', () => {
  const table = rows([syncedOf(entries({ e: file(3) })[1] as Entry)], snap({ e: file(0, 5) }), snap({ e: file(0, 6) }));
  assert.equal(pairsToCompare(table, { checksum: true, sizeOnly: false }), []);
  assert.equal(decide({ e: file(3) }, { e: file(0, 5) }, { e: file(0, 6) }, { checksum: true }), ['e: meta → source']);
});

test('a conflict name that is taken gets a number', () => {
  const taken = new Set(['d/a.sync-conflict-20261201-101500-replica.txt']);
  assert.is(
    conflictName('d/a.txt', '20261201-101500', 'replica', (p) => taken.has(p)),
    'd/a.sync-conflict-20261201-101500-replica-2.txt',
  );
  assert.is(
    conflictName('.bashrc', '20261201-101500', 'source', () => false),
    '.bashrc.sync-conflict-20261201-101500-source',
  );
  assert.is(conflictStamp(new Date('2026-12-01T10:15:00.999Z')), '20261201-101500');
  assert.ok(isConflictCopy('x/report.sync-conflict-20261201-101500-replica.pdf'));
  assert.not.ok(isConflictCopy('x/report.pdf'));
});

test('the plan of a keep-both renames the loser first and records both names once done', () => {
  const table = rows([syncedOf(entries({ f })[1] as Entry)], snap({ f: file(5, 9) }), snap({ f: file(6, 8) }));
  const decisions = reconcile(table, [], new Map(), options());
  const plan = twoWayPlan(table, decisions);
  const [rename] = plan.renames.replica;
  assert.equal(rename, {
    op: 'rename',
    path: 'f',
    to: 'f.sync-conflict-20261201-101500-replica',
    expect: { kind: 'file', size: 6, mtimeMs: T + 8 },
  });
  assert.equal(
    plan.into.replica.transfers.map((a) => a.entry.path),
    ['f'],
  );
  assert.equal(
    plan.into.source.transfers.map((a) => a.entry.path),
    ['f.sync-conflict-20261201-101500-replica'],
  );
  // Not done yet: the old record stays.
  assert.equal(
    plan.ledger.records().map((r) => r.path),
    ['', 'f'],
  );
  assert.equal(plan.ledger.records()[1]?.size, 3);
  for (const step of [rename, ...plan.into.replica.transfers, ...plan.into.source.transfers])
    if (step) plan.ledger.settle(step, true);
  assert.equal(
    plan.ledger.records().map((r) => [r.path, r.size]),
    [
      ['', 0],
      ['f', 5],
      ['f.sync-conflict-20261201-101500-replica', 6],
    ],
  );
});

test('a conflict copy of a name that is not UTF-8 is logged with its bytes escaped', () => {
  const name = 'both\uDCFE';
  const table = rows(
    [syncedOf(entries({ [name]: f })[1] as Entry)],
    snap({ [name]: file(5, 9) }),
    snap({ [name]: file(6, 8) }),
  );
  const plan = twoWayPlan(table, reconcile(table, [], new Map(), options()));
  assert.is(
    plan.conflicts[0]?.resolution,
    "both kept: the replica's version is now both\\xfe.sync-conflict-20261201-101500-replica on both sides",
  );
});

// Any name a tree can hold, including bytes that are not UTF-8 (lone surrogates, see names.ts).
const name = fc.string({
  unit: fc.constantFrom('a', 'é', '\n', ' ', '\uDC80', '😀', '.', '\\'),
  minLength: 1,
  maxLength: 6,
});

test('the state reads back exactly what was written (fast-check)', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.array(name, { minLength: 1, maxLength: 3 }).map((p) => p.join('/'))),
      fc.boolean(),
      (paths, links) => {
        const records = paths.sort(comparePaths).map((path, i) =>
          syncedOf(
            {
              path,
              kind: links && i % 2 ? 'symlink' : 'file',
              size: i * 1e9,
              mtimeMs: -1e12 + i / 3,
              mode: 0o640,
              uid: 0,
              gid: 0,
              ...(links && i % 2 ? { target: `../${path}` } : {}),
            },
            -1e12 + i / 3,
            i * 7.25,
          ),
        );
        const state: PairState = { source: '/a/src', replica: '/b/rep\n', records };
        assert.equal(decodeState(encodeState(state)), state);
      },
    ),
  );
});

test('a damaged, cut or foreign state file is refused, never half read', () => {
  const bytes = encodeState({ source: '/s', replica: '/r', records: [syncedOf(entries({ f })[1] as Entry)] });
  const flipped = Buffer.from(bytes);
  flipped.writeUInt8(flipped.readUInt8(flipped.length - 3) ^ 1, flipped.length - 3);
  for (const [bad, why] of [
    [flipped, /integrity/],
    [bytes.subarray(0, bytes.length - 1), /integrity/],
    [Buffer.from('hello\n'), /not a replisync state/],
    [
      Buffer.from(bytes.toString('latin1').replace('replisync-state 1', 'replisync-state 9'), 'latin1'),
      /another version/,
    ],
  ] as const) {
    assert.throws(
      () => decodeState(bad),
      (e: unknown) => e instanceof BadState && why.test(e.message),
    );
  }
});

test.run();
