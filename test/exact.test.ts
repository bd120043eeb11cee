import {
  chmodSync,
  lchownSync,
  linkSync,
  lstatSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { operations, pairSuite, rsyncDiff, syncOnce, writeTree } from './helpers.js';

const ROOT = process.getuid?.() === 0;

const X = pairSuite('an exact copy of real trees');

X(
  'as root, owner and group of files, directories and symlinks are kept, setuid included; --no-owner clears setuid',
  async ({ src, rep }) => {
    writeTree(src, { 'd/f': 'f', 'setuid-tool': '#!/bin/sh\n', link: { link: 'd/f' } });
    if (ROOT) {
      lchownSync(join(src, 'd'), 1234, 5678);
      lchownSync(join(src, 'd/f'), 1234, 5678);
      lchownSync(join(src, 'link'), 4321, 8765);
      lchownSync(join(src, 'setuid-tool'), 1234, 1234);
    }
    chmodSync(join(src, 'setuid-tool'), 0o4755);
    const first = await syncOnce(src, rep);
    assert.equal(first.errors, []);
    assert.is(rsyncDiff(src, rep), '');
    if (ROOT) {
      assert.equal([lstatSync(join(rep, 'd')).uid, lstatSync(join(rep, 'd/f')).gid], [1234, 5678]);
      assert.equal([lstatSync(join(rep, 'link')).uid, lstatSync(join(rep, 'link')).gid], [4321, 8765]);
      assert.is(statSync(join(rep, 'setuid-tool')).mode & 0o7777, 0o4755, 'chown before chmod keeps setuid');
      lchownSync(join(src, 'd/f'), 999, 999);
      const changed = await syncOnce(src, rep);
      assert.equal(operations(changed.lines), ['update file d/f (metadata)']);
      assert.is(lstatSync(join(rep, 'd/f')).uid, 999);
    }
    assert.equal(operations((await syncOnce(src, rep)).lines), []);

    const plain = join(rep, '..', 'plain');
    await syncOnce(src, plain, { noOwner: true });
    assert.is(statSync(join(plain, 'setuid-tool')).mode & 0o7777, 0o755, 'setuid cleared where the owner is not kept');
    assert.is(lstatSync(join(plain, 'd/f')).uid, process.getuid?.());
    assert.equal(operations((await syncOnce(src, plain, { noOwner: true })).lines), [], 'and that settles');
  },
);

X(
  'hard-link groups stay one inode in the replica as they are created, changed, grow, lose names and split',
  async ({ src, rep }) => {
    writeTree(src, { 'a/one': 'shared content', solo: 'solo' });
    linkSync(join(src, 'a/one'), join(src, 'a/two'));
    linkSync(join(src, 'a/one'), join(src, 'three'));
    const ino = (p: string): number => lstatSync(join(rep, p)).ino;
    const same = (...paths: string[]): boolean => new Set(paths.map(ino)).size === 1;

    const first = await syncOnce(src, rep);
    assert.equal(first.errors, []);
    assert.ok(operations(first.lines).includes('create file a/two (hard link to a/one)'), first.lines.join('\n'));
    assert.ok(same('a/one', 'a/two', 'three'));
    assert.is(lstatSync(join(rep, 'a/one')).nlink, 3);
    assert.is(rsyncDiff(src, rep), '');
    assert.equal(operations((await syncOnce(src, rep)).lines), []);

    // The content changes (in place, same inode): the replica's group is rewritten and relinked.
    writeFileSync(join(src, 'three'), 'new shared content!');
    await syncOnce(src, rep);
    assert.ok(same('a/one', 'a/two', 'three'));
    assert.is(readFileSync(join(rep, 'a/two'), 'utf8'), 'new shared content!');
    assert.is(rsyncDiff(src, rep), '');

    // A name joins, the first name leaves.
    linkSync(join(src, 'a/two'), join(src, 'four'));
    rmSync(join(src, 'a/one'));
    await syncOnce(src, rep);
    assert.ok(same('a/two', 'three', 'four'));
    assert.is(rsyncDiff(src, rep), '');

    // A name splits off with the same content: it gets an inode of its own.
    const content = readFileSync(join(src, 'four'));
    rmSync(join(src, 'four'));
    writeFileSync(join(src, 'four'), content);
    await syncOnce(src, rep);
    assert.ok(same('a/two', 'three') && !same('three', 'four'));
    assert.is(rsyncDiff(src, rep), '');
    assert.equal(operations((await syncOnce(src, rep)).lines), []);

    const apart = join(rep, '..', 'apart');
    await syncOnce(src, apart, { noHardLinks: true });
    assert.is(lstatSync(join(apart, 'three')).nlink, 1, '--no-hard-links copies each name');
  },
);

X('symlinks whose replica twin became a directory, and hard links over a directory, converge', async ({ src, rep }) => {
  writeTree(src, { f: 'x' });
  linkSync(join(src, 'f'), join(src, 'g'));
  writeTree(rep, { 'g/inner': 'in the way' });
  symlinkSync('f', join(src, 'l'));
  const r = await syncOnce(src, rep);
  assert.equal(r.errors, []);
  assert.is(rsyncDiff(src, rep), '');
});

X('a sparse file is copied without allocating its holes, and its content is exact', async ({ src, rep }) => {
  writeTree(src, {});
  const image = join(src, 'disk.img');
  writeFileSync(image, '');
  const { truncateSync, openSync: open, writeSync: write, closeSync: close } = await import('node:fs');
  truncateSync(image, 256 * 1024 ** 2);
  const fd = open(image, 'r+');
  write(fd, Buffer.alloc(4096, 7), 0, 4096, 100 * 1024 * 1024);
  close(fd);
  const r = await syncOnce(src, rep);
  assert.equal(r.errors, []);
  const blocks = (p: string): number => statSync(p).blocks * 512;
  assert.ok(
    blocks(join(rep, 'disk.img')) <= blocks(image) + 64 * 1024,
    `${blocks(join(rep, 'disk.img'))} bytes allocated`,
  );
  assert.is(statSync(join(rep, 'disk.img')).size, 256 * 1024 ** 2);
  assert.is(rsyncDiff(src, rep), '');
});

const raw = (root: string, ...parts: (string | number[])[]): Buffer =>
  Buffer.concat([
    Buffer.from(`${root}/`),
    ...parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))),
  ]);

X('names that are not UTF-8 are copied, deleted, linked to and logged byte for byte', async ({ src, rep }) => {
  const { mkdirSync, writeFileSync: write, symlinkSync: link, readdirSync } = await import('node:fs');
  mkdirSync(src);
  write(raw(src, 'caf', [0xe9], '.txt'), 'latin-1 name');
  mkdirSync(raw(src, 'd', [0xff]));
  write(raw(src, 'd', [0xff], '/inner', [0x80]), 'inside');
  write(raw(src, 'x\uFFFD'), 'a valid name with U+FFFD');
  write(raw(src, 'x', [0xff]), 'its invalid twin');
  link(raw(src, 'caf', [0xe9]), raw(src, 'link-to-raw'));
  mkdirSync(rep);
  write(raw(rep, 'old', [0xfe]), 'replica only');
  const first = await syncOnce(src, rep);
  assert.equal(first.errors, []);
  assert.is(first.scanned, 7);
  assert.ok(first.lines.includes('create file caf\\xe9.txt'), first.lines.join('\n'));
  assert.ok(first.lines.includes('delete file old\\xfe'));
  assert.ok(!first.lines.some((l) => l.includes('\uFFFD') && !l.includes('x\uFFFD')), 'no name shown with U+FFFD');
  assert.is(rsyncDiff(src, rep), '');
  assert.equal(readdirSync(rep, { encoding: 'buffer' }).length, 5);
  assert.equal(operations((await syncOnce(src, rep)).lines), []);
  // Excludes see the bytes: ? is one byte, as in rsync.
  const other = join(rep, '..', 'other');
  await syncOnce(src, other, { exclude: ['caf?.txt'] });
  assert.ok(
    !readdirSync(other, { encoding: 'buffer' }).some((n) =>
      n.equals(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2e, 0x74, 0x78, 0x74])),
    ),
  );
});

X('a source that holds only non-UTF-8 names is not "empty"', async ({ src, rep }) => {
  const { mkdirSync, writeFileSync: write } = await import('node:fs');
  mkdirSync(src);
  write(raw(src, [0xe9]), 'x');
  writeTree(rep, { old: 'o' });
  const r = await syncOnce(src, rep);
  assert.equal(r.errors, []);
  assert.is(rsyncDiff(src, rep), '');
});

X(
  '--backup-dir keeps what a cycle deletes or overwrites, by cycle, and --backup-keep prunes old cycles',
  async ({ dir, src, rep }) => {
    const { readdirSync, existsSync } = await import('node:fs');
    const backups = join(dir, 'backups');
    writeTree(src, {
      'keep.txt': 'unchanged',
      'edit.txt': 'version 1',
      'old/gone.txt': 'deleted later',
      link: { link: 'a' },
    });
    await syncOnce(src, rep, { backupDir: backups });
    assert.ok(!existsSync(backups), 'an initial copy loses nothing: no backup folder');
    writeFileSync(join(src, 'edit.txt'), 'version 2, longer');
    rmSync(join(src, 'old'), { recursive: true });
    rmSync(join(src, 'link'));
    symlinkSync('b', join(src, 'link'));
    const r = await syncOnce(src, rep, { backupDir: backups });
    assert.equal(r.errors, []);
    assert.is(r.backedUp, 3);
    assert.ok(r.lines.includes('backup file old/gone.txt'), r.lines.join('\n'));
    assert.match(r.lines.at(-1) ?? '', /3 backed up/);
    const [cycle] = readdirSync(backups);
    assert.match(cycle ?? '', /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z$/);
    const kept = join(backups, cycle ?? '');
    assert.is(readFileSync(join(kept, 'edit.txt'), 'utf8'), 'version 1');
    assert.is(readFileSync(join(kept, 'old/gone.txt'), 'utf8'), 'deleted later');
    assert.ok(lstatSync(join(kept, 'link')).isSymbolicLink());
    assert.ok(!existsSync(join(kept, 'keep.txt')), 'nothing unchanged is backed up');
    assert.is(rsyncDiff(src, rep), '');
  },
);

X('a backup dir inside the source or the replica is refused with exit 2', async ({ dir, src, rep }) => {
  const { runCli } = await import('./helpers.js');
  writeTree(src, { f: 'f' });
  for (const inside of [join(src, 'bak'), join(rep, 'bak')]) {
    const r = await runCli([src, rep, '--once', '--backup-dir', inside]);
    assert.is(r.code, 2, r.stdout);
    assert.match(r.stderr, /^replisync: backup dir .*bak overlaps the (source|replica) /);
  }
  void dir;
});
X.run();
