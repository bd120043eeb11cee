import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { acquireLock } from '../src/run/lock.js';
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

L.run();
