import { setTimeout as wait } from 'node:timers/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runPeriodically } from '../src/run/schedule.js';

test('cycles that overrun the interval run back to back, never overlapped, and stop on abort', async () => {
  const controller = new AbortController();
  let running = 0;
  let maxRunning = 0;
  const starts: number[] = [];
  await runPeriodically(
    5,
    async () => {
      starts.push(Date.now());
      maxRunning = Math.max(maxRunning, ++running);
      await wait(20);
      running--;
      if (starts.length === 3) controller.abort();
    },
    controller.signal,
  );
  assert.is(starts.length, 3, 'no cycle starts after the abort');
  assert.is(maxRunning, 1);
  for (let i = 1; i < starts.length; i++)
    assert.ok((starts[i] ?? 0) - (starts[i - 1] ?? 0) >= 19, 'the next cycle waits for the previous one');
});

test('an abort while waiting ends the loop at once', async () => {
  const controller = new AbortController();
  let cycles = 0;
  const done = runPeriodically(3_600_000, async () => void cycles++, controller.signal);
  await Promise.resolve();
  controller.abort();
  await done;
  assert.is(cycles, 1);
});

test.run();
