import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { createConsola } from 'consola/core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { wrapCommonJs } from '../src/cli/compiled.js';
import { cycleOptions, runCycle } from '../src/index.js';
import { LocalTree } from '../src/tree/local/local-tree.js';
import { WorkerPool } from '../src/tree/local/pool.js';
import { isSmallTree } from '../src/tree/local/small-tree.js';
import { scanTree } from '../src/tree/local/walk.js';
import { CLI, plain, removeDir, rsyncDiff, tempDir, writeTree } from './helpers.js';

const S = suite<{ dir: string }>('start-up', { dir: '' });
S.before.each((ctx) => {
  ctx.dir = tempDir();
});
S.after.each((ctx) => removeDir(ctx.dir));

S('isSmallTree: a tree of at most 2,000 entries, or nothing yet; a bigger one is not', ({ dir }) => {
  writeTree(dir, { 'flat/a': 'a', 'flat/b': 'b', 'nested/a': 'a', 'nested/d/b': 'b', file: 'x' });
  mkdirSync(join(dir, 'empty'));
  symlinkSync('nested', join(dir, 'flat/link-to-dir'));
  // Counting the directories too: 10 + 1,990 entries is 2,000, 10 + 1,991 one more.
  writeTree(dir, Object.fromEntries(Array.from({ length: 1990 }, (_, i) => [`few/d${i % 10}/f${i}`, ''])));
  writeTree(dir, Object.fromEntries(Array.from({ length: 1991 }, (_, i) => [`many/d${i % 10}/f${i}`, ''])));
  writeTree(dir, Object.fromEntries(Array.from({ length: 2001 }, (_, i) => [`flat-many/f${i}`, ''])));
  // A directory whose name is not UTF-8 cannot be listed by the name readdir gives: in doubt, not small.
  mkdirSync(Buffer.concat([Buffer.from(join(dir, 'raw/')), Buffer.from([0xff, 0x61])]), { recursive: true });
  const cases: [string, boolean][] = [
    ['flat', true],
    ['empty', true],
    ['absent', true],
    ['file', true],
    ['nested', true],
    ['few', true],
    ['many', false],
    ['flat-many', false],
    ['raw', false],
  ];
  for (const [name, small] of cases) assert.is(isSmallTree(join(dir, name)), small, name);
});

S(
  'an on-demand pool: small trees walked, and small work done, with no thread; more work starts one',
  async ({ dir }) => {
    writeTree(join(dir, 's'), { a: 'new', b: 'b' });
    writeTree(join(dir, 'r'), { a: 'old', b: 'b' });
    const pool = new WorkerPool(2, (error) => assert.unreachable(error.message), 'on-demand');
    try {
      const source = new LocalTree(join(dir, 's'), pool);
      const [mine, theirs] = await source.scanWith(new LocalTree(join(dir, 'r'), pool), { mine: [], other: [] });
      assert.equal([plain(mine), plain(theirs)], [plain(scanTree(join(dir, 's'))), plain(scanTree(join(dir, 'r')))]);
      assert.not.ok(pool.started, 'both trees walked on the coordinator');
      const log = createConsola({ level: -1, reporters: [] });
      const stop = new Int32Array(new SharedArrayBuffer(4));
      const cycle = (checksum: boolean) =>
        runCycle(pool, cycleOptions(join(dir, 's'), join(dir, 'r'), { checksum }), log, stop);
      const small = await cycle(true);
      assert.equal([small.updated > 0, small.failed], [true, 0]);
      assert.is(rsyncDiff(join(dir, 's'), join(dir, 'r')), '');
      assert.not.ok(pool.started, 'two files compared and one copied on the coordinator');
      writeTree(join(dir, 's'), Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`more/f${i}`, `${i}`])));
      const more = await cycle(false);
      assert.equal([more.created, more.failed], [301, 0]);
      assert.ok(pool.started, '300 files to copy started a thread');
      assert.is(rsyncDiff(join(dir, 's'), join(dir, 'r')), '');
    } finally {
      await pool.close();
    }
  },
);

S("the bundle's run compiles from the V8 code cache beside it, and runs without a fitting one", async ({ dir }) => {
  const main = join(dirname(CLI), 'main.cjs');
  const script = new Script(wrapCommonJs(readFileSync(main, 'utf8')), {
    filename: main,
    cachedData: readFileSync(`${main}.cache`),
  });
  assert.is(script.cachedDataRejected, false, 'the cache made by the build fits this Node');
  // Made after a run (train-cache.mjs), it holds the functions a run calls, not only the top level.
  const topLevelOnly = new Script(wrapCommonJs(readFileSync(main, 'utf8')), { filename: main }).createCachedData();
  assert.ok(readFileSync(`${main}.cache`).length > 2 * topLevelOnly.length, 'the cache holds compiled functions');
  // A copy beside the real bundle (so that node_modules still resolves), its cache garbage.
  const copy = mkdtempSync(join(dirname(dirname(CLI)), 'stale-cache-'));
  try {
    cpSync(dirname(CLI), copy, { recursive: true });
    writeFileSync(join(copy, 'main.cjs.cache'), 'not a code cache');
    writeTree(join(dir, 's'), { a: 'a', 'd/b': 'b' });
    const run = spawnSync(process.execPath, [join(copy, 'replisync.js'), join(dir, 's'), join(dir, 'r'), '--once'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.is(run.status, 0, run.stderr);
    assert.is(rsyncDiff(join(dir, 's'), join(dir, 'r')), '');
  } finally {
    removeDir(copy);
  }
});

S(
  'a one-way run loads no node:crypto, piscina only for a tree too big to walk without a thread, worker_threads only to write',
  ({ dir }) => {
    // Told at exit by the CLI's own process: what it loaded.
    const probe = join(dir, 'probe.cjs');
    writeFileSync(
      probe,
      `process.on('exit', () => process.stderr.write('probe ' + JSON.stringify({
      crypto: process.moduleLoadList.includes('NativeModule crypto'),
      // piscina is bundled, so no file of it shows; it is what loads node:assert.
      piscina: process.moduleLoadList.includes('NativeModule assert'),
      threads: process.moduleLoadList.includes('NativeModule worker_threads'),
    }) + '\\n'));`,
    );
    type Loaded = { crypto: boolean; piscina: boolean; threads: boolean };
    const loaded = (src: string, rep: string): Loaded => {
      const run = spawnSync(process.execPath, ['--require', probe, CLI, src, rep, '--once', '--quiet'], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      assert.is(run.status, 0, run.stderr);
      assert.is(rsyncDiff(src, rep), '');
      return JSON.parse(/probe (.*)/.exec(run.stderr)?.[1] ?? 'null') as Loaded;
    };
    writeTree(join(dir, 'small'), { a: 'a', 'd/b': 'b' });
    assert.equal(loaded(join(dir, 'small'), join(dir, 'small-copy')), { crypto: false, piscina: false, threads: true });
    // Nothing to write: no temporary name, so nothing asks which thread it is.
    assert.equal(loaded(join(dir, 'small'), join(dir, 'small-copy')), {
      crypto: false,
      piscina: false,
      threads: false,
    });
    writeTree(join(dir, 'big'), Object.fromEntries(Array.from({ length: 2100 }, (_, i) => [`d${i % 20}/f${i}`, ''])));
    assert.equal(loaded(join(dir, 'big'), join(dir, 'big-copy')), { crypto: false, piscina: true, threads: true });
  },
);

S.run();
