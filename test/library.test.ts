import { join } from 'node:path';
import { createConsola } from 'consola/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cycleOptions, plan, runCycle, scanTree, toReportLine, WorkerPool } from '../src/index.js';
import { removeDir, rsyncDiff, tempDir, writeTree } from './helpers.js';

test('the library API of the README syncs a tree, and plans nothing afterwards', async () => {
  const dir = tempDir();
  try {
    writeTree(join(dir, 'data'), { 'a/b': 'b', c: { link: 'a/b' } });
    const pool = new WorkerPool(2, (error) => assert.unreachable(error.message));
    const log = createConsola({ level: -1, reporters: [] });
    const report = await runCycle(
      pool,
      cycleOptions(join(dir, 'data'), join(dir, 'backup'), { checksum: true }),
      log,
      new Int32Array(new SharedArrayBuffer(4)),
    );
    await pool.close();
    assert.equal([report.created, report.failed], [4, 0]);
    // The report's own shape is --report's: ISO start and end, whole milliseconds between them.
    assert.ok(Number.isInteger(report.durationMs));
    assert.is(Date.parse(report.end) - Date.parse(report.start), report.durationMs);
    assert.is(new Date(report.start).toISOString(), report.start);
    const line = toReportLine('job', false, report);
    assert.equal(
      [line.job, line.created, line.start, line.end, line.durationMs],
      ['job', 4, report.start, report.end, report.durationMs],
    );
    assert.is(rsyncDiff(join(dir, 'data'), join(dir, 'backup')), '');
    const again = plan(scanTree(join(dir, 'data')), scanTree(join(dir, 'backup')), { checksum: false }, new Map());
    assert.equal([again.dirs, again.transfers, again.deletes, again.dirMeta, again.restamp], [[], [], [], [], []]);
  } finally {
    removeDir(dir);
  }
});

test('the library refuses a source that does not exist, saying so', async () => {
  const dir = tempDir();
  const pool = new WorkerPool(1, (error) => assert.unreachable(error.message));
  try {
    const log = createConsola({ level: -1, reporters: [] });
    const options = cycleOptions(join(dir, 'missing'), join(dir, 'backup'));
    await runCycle(pool, options, log, new Int32Array(new SharedArrayBuffer(4))).then(
      () => assert.unreachable('a cycle ran'),
      (error: unknown) => assert.match(String(error), new RegExp(`source ${join(dir, 'missing')} does not exist$`)),
    );
  } finally {
    await pool.close();
    removeDir(dir);
  }
});

test.run();
