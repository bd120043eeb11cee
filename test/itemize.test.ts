import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { pairSuite, runCli, within, writeTree } from './helpers.js';

const I = pairSuite('--itemize-changes');

/** Every path under `root` gets the mtime `seconds` (files and directories alike, symlinks skipped). */
function stamp(root: string, seconds: number): void {
  execFileSync('find', [root, '!', '-type', 'l', '-exec', 'touch', '-d', `@${seconds}`, '{}', '+']);
}

I('-i prints the same change string as rsync -i for each kind of change', async ({ src, rep }) => {
  writeTree(src, {
    grow: 'a',
    same: 'xx',
    perm: 'p',
    link: { link: 'grow' },
    'gone/inner': 'i',
    lonely: 'l',
    'dir/keep': 'k',
  });
  stamp(src, 1_700_000_000);
  execFileSync('rsync', ['-rlptD', `${src}/`, `${rep}/`]);
  writeFileSync(join(src, 'grow'), 'a longer text');
  writeFileSync(join(src, 'same'), 'yy');
  chmodSync(join(src, 'perm'), 0o600);
  rmSync(join(src, 'link'));
  symlinkSync('same', join(src, 'link'));
  rmSync(join(src, 'gone'), { recursive: true });
  rmSync(join(src, 'lonely'));
  writeFileSync(join(src, 'new'), 'n');
  mkdirSync(join(src, 'newdir'));
  symlinkSync('nowhere', join(src, 'newlink'));
  stamp(src, 1_700_000_000);
  for (const [path, seconds] of [
    ['grow', 1_700_000_100],
    ['same', 1_700_000_200],
    ['dir', 1_700_000_300],
  ] as const) {
    utimesSync(join(src, path), seconds, seconds);
  }
  // Symlinks keep times of their own: the retargeted one (made just now) and the new one get a fixed one.
  for (const link of ['link', 'newlink']) execFileSync('touch', ['-h', '-d', '@1700000400', join(src, link)]);
  const rsync = execFileSync('rsync', ['-rlptD', '-n', '-i', '--delete', `${src}/`, `${rep}/`], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l !== '')
    .sort();
  const r = await within(20_000, runCli([src, rep, '--once', '-n', '-i']), 'replisync');
  assert.is(r.code, 0, r.stderr);
  const ours = r.stdout
    .split('\n')
    .filter((l) => l.includes('[dry-run] ') && !l.includes('cycle done'))
    .map((l) => l.slice(l.indexOf('[dry-run] ') + '[dry-run] '.length))
    .sort();
  assert.equal(ours, rsync);
  assert.ok(rsync.length >= 10, rsync.join('\n'));
});

I.run();
