import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { scanTree } from '../src/tree/local/walk.js';
import { plain, removeDir, tempDir, writeTree } from './helpers.js';

const module = (path: string): string => JSON.stringify(new URL(path, import.meta.url).href);

/**
 * A walk in a process of its own (the working directory is the whole process's): it lends the
 * working directory unless told `path`, may remove its own before walking (`gone`), may swap a
 * directory for a symlink after the root's listing (`swap=<dir>:<target>`), and prints its
 * snapshot and where its working directory is afterwards.
 */
const WALK = `
import { renameSync, rmdirSync, symlinkSync } from 'node:fs';
import { lendWorkingDir } from ${module('../src/tree/local/cwd.js')};
import { ColumnSink } from ${module('../src/tree/local/columns.js')};
import { walkFront } from ${module('../src/tree/local/walk.js')};
import { entryArray } from ${module('../src/tree/tree.js')};
const [mode, root, extra = ''] = process.argv.slice(1);
if (mode !== 'path') lendWorkingDir();
if (extra === 'gone') rmdirSync(process.cwd());
const sink = new ColumnSink();
const walk = walkFront(root, undefined, sink);
walk.next();
if (extra.startsWith('swap=')) {
  const [dir, target] = extra.slice(5).split(':');
  renameSync(dir, dir + '-moved');
  symlinkSync(target, dir);
}
for (let step = walk.next(); !step.done; step = walk.next());
const snapshot = sink.snapshot(root);
let cwd;
try { cwd = process.cwd(); } catch (error) { cwd = error.code; }
process.stdout.write(JSON.stringify({ cwd, entries: entryArray(snapshot.entries), unreadable: snapshot.unreadable }));
`;

interface Walked {
  cwd: string;
  entries: unknown[];
  unreadable: { path: string }[];
}

const walkIn = (cwd: string, mode: 'lend' | 'path', root: string, extra?: string): Walked =>
  JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', WALK, mode, root, ...(extra ? [extra] : [])], {
      cwd,
      encoding: 'utf8',
      timeout: 30_000,
    }),
  ) as Walked;

/** Every kind a walk meets: files, an empty directory, a symlink, a hard link, a name that is not UTF-8, a path past 1,024 characters. */
function richTree(root: string): void {
  writeTree(root, { 'a/one.txt': 'one', 'a/empty': null, 'b/link': { link: '../a/one.txt' }, 'top.txt': 'top' });
  linkSync(join(root, 'a/one.txt'), join(root, 'b/hard.txt'));
  mkdirSync(Buffer.concat([Buffer.from(`${root}/raw-`), Buffer.from([0xff])]));
  writeFileSync(Buffer.concat([Buffer.from(`${root}/raw-`), Buffer.from([0xff]), Buffer.from('/in\x80side')]), 'x');
  let deep = join(root, 'deep');
  for (let i = 0; i < 12; i++) deep = join(deep, `${'d'.repeat(100)}${i}`);
  writeTree(deep, { 'bottom.txt': 'bottom' });
}

/** Runs `check` on a rich tree at `root` and an empty working directory `home`, both removed after. */
function withTree(check: (root: string, home: string) => void): void {
  const dir = tempDir();
  try {
    const root = join(dir, 'tree');
    const home = join(dir, 'home');
    richTree(root);
    mkdirSync(home);
    check(root, home);
  } finally {
    removeDir(dir);
  }
}

/** What a walk by path in this process lists, as it reads after crossing as JSON. */
const listedHere = (root: string): unknown => JSON.parse(JSON.stringify(plain(scanTree(root)).entries));

test('a walk from inside each directory lists what a walk by path lists, and puts the working directory back', () =>
  withTree((root, home) => {
    const lent = walkIn(home, 'lend', root);
    const byPath = walkIn(home, 'path', root);
    assert.is(lent.cwd, home);
    assert.equal(lent.entries, byPath.entries);
    assert.equal(lent.entries, listedHere(root));
    assert.ok(lent.entries.length >= 20, String(lent.entries.length));
    assert.equal(lent.unreadable, []);
  }));

test('a working directory removed under the walk: the walk is whole, and it ends in /', () =>
  withTree((root, home) => {
    const walked = walkIn(home, 'lend', root, 'gone');
    assert.is(walked.cwd, '/');
    assert.equal(walked.entries, listedHere(root));
  }));

test('a directory swapped for a symlink while a lending walk runs is not followed', () => {
  const dir = tempDir();
  try {
    const root = join(dir, 'tree');
    const outside = join(dir, 'outside');
    writeTree(root, { 'a/own.txt': 'own', 'b/own.txt': 'own' });
    writeTree(outside, { 'secret.txt': 'not to be read' });
    const walked = walkIn(dir, 'lend', root, `swap=${join(root, 'a')}:${outside}`);
    const paths = walked.entries.map((e) => (e as { path: string }).path);
    assert.ok(!paths.includes('a/secret.txt'), paths.join(' '));
    assert.ok(paths.includes('b/own.txt'));
    assert.equal(
      walked.unreadable.map((f) => f.path),
      ['a'],
    );
    assert.is(walked.cwd, dir);
  } finally {
    removeDir(dir);
  }
});

test.run();
