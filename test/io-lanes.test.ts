import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runLanes, wantsLane } from '../src/tree/local/io-lanes.js';
import { within } from './helpers.js';

const sample = { cpuMs: 0, wallMs: 250, lanes: 2, maxLanes: 4, cores: 2, rangesLeft: true };

test('a lane is added only while the lanes wait (little CPU), ranges are left and the cap is not reached', () => {
  assert.equal(
    [
      wantsLane(sample),
      wantsLane({ ...sample, cpuMs: 250 }),
      wantsLane({ ...sample, cpuMs: 400 }),
      wantsLane({ ...sample, rangesLeft: false }),
      wantsLane({ ...sample, lanes: 4 }),
      wantsLane({ ...sample, lanes: 1, cpuMs: 140 }),
      wantsLane({ ...sample, lanes: 1, cpuMs: 160 }),
      wantsLane({ ...sample, lanes: 3, cores: 2, cpuMs: 290 }),
      wantsLane({ ...sample, wallMs: 0 }),
    ],
    [true, true, false, false, false, true, false, true, false],
  );
});

test('lanes that wait on something other than the CPU get company, up to the cap, and all are awaited', async () => {
  let units = 12;
  let started = 0;
  const lane = async (): Promise<number> => {
    started++;
    let done = 0;
    while (units > 0) {
      units--;
      done++;
      await sleep(100);
    }
    return done;
  };
  const results = await within(
    10_000,
    runLanes(1, 3, () => units > 0, lane),
    'the lanes',
  );
  assert.is(started, results.length);
  assert.ok(results.length > 1 && results.length <= 3, `${results.length} lanes`);
  assert.is(
    results.reduce((a, b) => a + b, 0),
    12,
  );
});

test('a lane that fails fails the whole; the others are not left unhandled', async () => {
  let calls = 0;
  const failing = (): Promise<number> =>
    ++calls === 1 ? sleep(50).then(() => Promise.reject(new Error('lane 1'))) : Promise.reject(new Error('lane 2'));
  await within(
    5_000,
    runLanes(2, 2, () => false, failing),
    'the lanes',
  ).then(
    () => assert.unreachable('it resolved'),
    (error: Error) => assert.is(error.message, 'lane 1'),
  );
});

test.run();
