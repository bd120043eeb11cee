import { mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCycle } from '../src/run/cycle.js';
import { cycleOptions } from '../src/sync/cycle.js';
import { WorkerPool } from '../src/tree/local/pool.js';
import { captureLogger, removeDir, rsyncDiff, tempDir, within } from './helpers.js';

type Side = 'source' | 'replica';
type Content = string | null;
const PATHS = ['a', 'b.txt', 'd/c', 'd/e.txt'] as const;
type Path = (typeof PATHS)[number];
type World = Record<Path, Content>;

/**
 * The rules of two-way sync for files, as a pure model: a path changed on one side only takes
 * that side's version (deletion included); changed on both, the same content is kept, a
 * deletion loses to an edit, and different edits keep the source's version under the name and
 * the replica's as a conflict copy. "Changed" is "written or deleted since the last cycle"; on
 * a first run, "present".
 */
function modelCycle(a: World, b: World, changed: Record<Side, Set<Path>>, conflicts: Record<Path, string[]>): World {
  const next = { ...a };
  for (const p of PATHS) {
    const ca = changed.source.has(p);
    const cb = changed.replica.has(p);
    if (!ca && !cb) next[p] = a[p];
    else if (ca && !cb) next[p] = a[p];
    else if (!ca && cb) next[p] = b[p];
    else if (a[p] === b[p] || b[p] === null) next[p] = a[p];
    else if (a[p] === null) next[p] = b[p];
    else {
      next[p] = a[p];
      conflicts[p].push(b[p] as string);
    }
  }
  return next;
}

let clock = 1_800_000_000;
function write(root: string, path: Path, content: Content): void {
  const at = join(root, path);
  if (content === null) rmSync(at, { force: true });
  else {
    mkdirSync(join(at, '..'), { recursive: true });
    writeFileSync(at, content);
    // Every write has an mtime of its own, as edits seconds apart have.
    clock += 7;
    utimesSync(at, clock, clock);
  }
}

const read = (root: string, path: Path): Content => {
  try {
    return readFileSync(join(root, path), 'utf8');
  } catch {
    return null;
  }
};

/** The contents of the conflict copies of `path` on one side, sorted. */
function conflictCopies(root: string, path: Path): string[] {
  const dir = path.includes('/') ? 'd' : '';
  const name = path.slice(dir.length === 0 ? 0 : 2);
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  return readdirSync(join(root, dir))
    .filter((n) => n.startsWith(`${stem}.sync-conflict-`) && n.endsWith(dot > 0 ? name.slice(dot) : ''))
    .map((n) => readFileSync(join(root, dir, n), 'utf8'))
    .sort();
}

const content = fc.constantFrom<Content>(null, 'x', 'y', 'zz', 'a longer text');
const world = fc.record(Object.fromEntries(PATHS.map((p) => [p, content])) as Record<Path, typeof content>);
const edit = fc.record({ side: fc.constantFrom<Side>('source', 'replica'), path: fc.constantFrom(...PATHS), content });

test('two-way sync on real trees follows the model of its rules, cycle after cycle (fast-check)', async () => {
  const pool = new WorkerPool(2, (error) => {
    throw error;
  });
  const stop = new Int32Array(new SharedArrayBuffer(4));
  try {
    await within(
      120_000,
      fc.assert(
        fc.asyncProperty(
          world,
          world,
          fc.array(fc.array(edit, { maxLength: 5 }), { maxLength: 4 }),
          async (a0, b0, rounds) => {
            const dir = tempDir();
            try {
              const src = join(dir, 'src');
              const rep = join(dir, 'rep');
              mkdirSync(join(src, 'd'), { recursive: true });
              mkdirSync(join(rep, 'd'), { recursive: true });
              for (const p of PATHS) {
                write(src, p, a0[p]);
                write(rep, p, b0[p]);
              }
              const options = { ...cycleOptions(src, rep, { twoWay: true }), stateDir: join(dir, 'state') };
              let a: World = a0;
              let b: World = b0;
              let changed = {
                source: new Set(PATHS.filter((p) => a0[p] !== null)),
                replica: new Set(PATHS.filter((p) => b0[p] !== null)),
              };
              const conflicts = Object.fromEntries(PATHS.map((p) => [p, [] as string[]])) as Record<Path, string[]>;
              for (const edits of [[], ...rounds]) {
                for (const e of edits) {
                  const side = e.side === 'source' ? a : b;
                  if (side[e.path] === null && e.content === null) continue;
                  write(e.side === 'source' ? src : rep, e.path, e.content);
                  if (e.side === 'source') a = { ...a, [e.path]: e.content };
                  else b = { ...b, [e.path]: e.content };
                  changed[e.side].add(e.path);
                }
                const expected = modelCycle(a, b, changed, conflicts);
                const { log, errors } = captureLogger();
                const report = await runCycle(pool, options, log, stop);
                assert.is(report.failed, 0, errors.join('\n'));
                for (const p of PATHS) {
                  assert.is(read(src, p), expected[p], `source ${p}`);
                  assert.is(read(rep, p), expected[p], `replica ${p}`);
                  assert.equal(conflictCopies(src, p), [...conflicts[p]].sort(), `conflict copies of ${p}`);
                }
                assert.is(rsyncDiff(src, rep, ['-O']), '');
                a = expected;
                b = expected;
                changed = { source: new Set(), replica: new Set() };
              }
            } finally {
              removeDir(dir);
            }
          },
        ),
        { numRuns: 30 },
      ),
      'the property',
    );
  } finally {
    await pool.close();
  }
});

test.run();
