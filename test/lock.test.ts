import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { acquireLock, defaultLockDir } from '../src/run/lock.js';
import { sha256Hex } from '../src/run/sha256.js';
import { removeDir, tempDir } from './helpers.js';

const L = suite<{ dir: string }>('lock', { dir: '' });
L.before.each((ctx) => {
  ctx.dir = tempDir();
});
L.after.each((ctx) => removeDir(ctx.dir));

L('a live holder is named; release frees the lock for the next one', ({ dir }) => {
  const first = acquireLock('/data/replica', dir);
  assert.throws(() => acquireLock('/data/replica', dir), new RegExp(`already being synced by process ${process.pid} `));
  first.release();
  assert.not.ok(existsSync(first.path));
  acquireLock('/data/replica', dir).release();
});

L('lock files keep the names createHash gave them: the same SHA-256 for any replica path', ({ dir }) => {
  const lock = acquireLock('/data/replica', dir);
  lock.release();
  assert.is(lock.path, join(dir, `${createHash('sha256').update('/data/replica').digest('hex').slice(0, 24)}.lock`));
  // Every padding case (55, 56, 64 bytes), multi-byte and raw-byte names (lone surrogates).
  for (const text of ['', 'abc', 'a'.repeat(55), 'a'.repeat(56), 'a'.repeat(64), 'é/\udc80ü', 'x'.repeat(1000)])
    assert.is(sha256Hex(text), createHash('sha256').update(text).digest('hex'), `${text.length} characters`);
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
      assert.is(sha256Hex(text), createHash('sha256').update(text).digest('hex'));
    }),
    { numRuns: 500 },
  );
});

L('a lock left half-written by a killed process (empty or garbage) is taken over', ({ dir }) => {
  const probe = acquireLock('/data/replica', dir);
  probe.release();
  for (const content of ['', '{"pid":', '{"pid":0}']) {
    writeFileSync(probe.path, content);
    const lock = acquireLock('/data/replica', dir);
    assert.is(lock.path, probe.path, JSON.stringify(content));
    lock.release();
  }
  assert.equal(readdirSync(dir), []);
});

L('different replicas have different locks', ({ dir }) => {
  const a = acquireLock('/data/a', dir);
  const b = acquireLock('/data/b', dir);
  assert.is.not(a.path, b.path);
  a.release();
  b.release();
});

const LOCK = new URL('../src/run/lock.js', import.meta.url).pathname;

L('12 processes starting at once on one replica: never two hold its lock at the same time', async ({ dir }) => {
  const trace = join(dir, 'trace');
  const script = `
    import { appendFileSync } from 'node:fs';
    import { acquireLock } from ${JSON.stringify(LOCK)};
    const [dir, trace] = process.argv.slice(1);
    let lock;
    try { lock = acquireLock('/data/replica', dir); } catch { process.exit(0); }
    appendFileSync(trace, '+' + process.pid + '\\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    appendFileSync(trace, '-' + process.pid + '\\n');
    lock.release();`;
  for (let round = 0; round < 6; round++) {
    const children = Array.from({ length: 12 }, () =>
      spawn(process.execPath, ['--input-type=module', '-e', script, dir, trace], { stdio: 'ignore' }),
    );
    await Promise.all(children.map((c) => new Promise((resolve) => c.on('close', resolve))));
  }
  const lines = readFileSync(trace, 'utf8').trim().split('\n');
  assert.ok(lines.length >= 12, 'each round someone held the lock');
  for (let i = 0; i < lines.length; i += 2) {
    assert.is(lines[i]?.[0], '+', lines.join(' '));
    assert.is(lines[i + 1], `-${lines[i]?.slice(1)}`, `overlap at ${i}: ${lines.join(' ')}`);
  }
});

L('a lock whose pid now belongs to another process (a different start time) is stale and taken over', ({ dir }) => {
  const probe = acquireLock('/data/replica', dir);
  probe.release();
  // pid 1 is alive, but it did not write this lock: its start time differs.
  writeFileSync(probe.path, JSON.stringify({ pid: 1, start: '1', replica: '/data/replica', since: 'then' }));
  const lock = acquireLock('/data/replica', dir);
  assert.match(readFileSync(lock.path, 'utf8'), new RegExp(`"pid":${process.pid}`));
  lock.release();
});

L('a lock directory that others can write, or that is a symlink, is refused with one line', ({ dir }) => {
  const shared = join(dir, 'shared');
  mkdirSync(shared);
  chmodSync(shared, 0o1777);
  assert.throws(
    () => acquireLock('/data/replica', shared),
    /lock directory .*shared is not private to this user \(owned by uid \d+, mode 1777\)/,
  );
  const link = join(dir, 'link');
  mkdirSync(join(dir, 'private'), { mode: 0o700 });
  symlinkSync(join(dir, 'private'), link);
  assert.throws(
    () => acquireLock('/data/replica', link),
    /lock directory .*link is not private to this user \(not a directory\)/,
  );
});

L('the default lock directory is per user, under XDG_RUNTIME_DIR or the state directory', () => {
  assert.is(defaultLockDir({ XDG_RUNTIME_DIR: '/run/user/1000' }), '/run/user/1000/replisync');
  assert.is(defaultLockDir({ XDG_STATE_HOME: '/home/u/.state' }), '/home/u/.state/replisync/locks');
  assert.match(defaultLockDir({}), /\/\.local\/state\/replisync\/locks$/);
});

L.run();
