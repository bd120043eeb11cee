import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { lstatOf, lstatSource } from '../src/tree/local/lstat.js';
import { encodeName } from '../src/tree/names.js';
import { removeDir, tempDir } from './helpers.js';

const L = suite<{ dir: string }>('lstatOf', { dir: '' });
L.before.each((ctx) => {
  ctx.dir = tempDir();
});
L.after.each((ctx) => removeDir(ctx.dir));

L('on Node 20 it reads the binding, not a Stats', () => {
  assert.is(lstatSource, 'binding');
});

L('gives what lstatSync gives for every kind, times before 1970 and below the millisecond included', ({ dir }) => {
  writeFileSync(join(dir, 'file'), 'abc');
  utimesSync(join(dir, 'file'), -86_400.123456, -1_234_567.891234);
  mkdirSync(join(dir, 'dir'), 0o750);
  symlinkSync('nowhere', join(dir, 'link'));
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  const raw = encodeName(join(dir, 'n\uDCFF'));
  writeFileSync(raw, 'x');
  const paths: (string | Buffer)[] = ['file', 'dir', 'link', 'fifo'].map((name) => join(dir, name));
  for (const path of [...paths, raw]) {
    const stats = lstatSync(path);
    const kind = stats.isFile() ? 'file' : stats.isDirectory() ? 'dir' : stats.isSymbolicLink() ? 'symlink' : 'special';
    assert.equal(
      lstatOf(path),
      {
        kind,
        dev: stats.dev,
        mode: stats.mode,
        nlink: stats.nlink,
        uid: stats.uid,
        gid: stats.gid,
        ino: stats.ino,
        size: stats.size,
        mtimeMs: stats.mtimeMs,
      },
      String(path),
    );
  }
  assert.is(lstatOf(join(dir, 'fifo'))?.kind, 'special');
});

L('a missing path is undefined; any other failure throws with its errno code', ({ dir }) => {
  writeFileSync(join(dir, 'file'), '');
  assert.is(lstatOf(join(dir, 'missing')), undefined);
  assert.throws(
    () => lstatOf(join(dir, 'file/below')),
    (error: NodeJS.ErrnoException) => error.code === 'ENOTDIR',
  );
});

L.run();
