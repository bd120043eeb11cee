import { spawnSync } from 'node:child_process';
import { statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { makeDirs } from '../src/tree/local/makedirs.js';
import { removeDir, tempDir } from './helpers.js';

const M = suite<{ dir: string }>('makeDirs', { dir: '' });
M.before.each((ctx) => {
  ctx.dir = tempDir();
});
M.after.each((ctx) => removeDir(ctx.dir));

M('creates every missing ancestor with the mode given; an existing directory is fine', ({ dir }) => {
  makeDirs(join(dir, 'a/b/c'), 0o700);
  for (const path of ['a', 'a/b', 'a/b/c']) assert.is(statSync(join(dir, path)).mode & 0o777, 0o700, path);
  makeDirs(join(dir, 'a/b/c'));
  makeDirs(join(dir, 'a'));
});

M('a file or a dangling symlink in the way is an error about the path asked for', ({ dir }) => {
  writeFileSync(join(dir, 'file'), '');
  symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'));
  assert.throws(() => makeDirs(join(dir, 'file')), /EEXIST/);
  assert.throws(() => makeDirs(join(dir, 'file/x/y')), /ENOTDIR.*file\/x\/y'/);
  assert.throws(() => makeDirs(join(dir, 'dangling/x')), /ENOENT.*dangling\/x'/);
});

M('under /proc, where mkdir says ENOENT below a directory that exists, it fails at once instead of spinning', () => {
  // In a child with a time limit: Node's own recursive mkdirSync never returns here.
  const script = `import(${JSON.stringify(new URL('../src/tree/local/makedirs.js', import.meta.url).href)}).then(({ makeDirs }) => { try { makeDirs('/proc/replisync-test/x'); } catch (error) { process.stdout.write(error.code); } });`;
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 });
  assert.is(run.status, 0, `killed after 10 s: ${String(run.signal)}`);
  assert.is(run.stdout, 'ENOENT');
});

M.run();
