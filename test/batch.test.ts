import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { batches } from '../src/tree/local/batch.js';
import { jobsPerBatch } from '../src/tree/local/transfer.js';

const size = (n: number): number => n;

test('groups stay within the byte and item limits, in order', () => {
  assert.equal(batches([3, 3, 3, 1, 1, 1, 1], size, 6, 3), [
    [3, 3],
    [3, 1, 1],
    [1, 1],
  ]);
});

test('an item bigger than the byte limit goes alone', () => {
  assert.equal(batches([1, 100, 1], size, 10, 5), [[1], [100], [1]]);
});

test('nothing in, nothing out', () => {
  assert.equal(batches([], size, 10, 5), []);
});

test('copies leave every lane a second batch to run while the first is reported, up to 256 a batch', () => {
  assert.equal(
    [jobsPerBatch(200, 1), jobsPerBatch(200, 2), jobsPerBatch(3, 2), jobsPerBatch(1, 2), jobsPerBatch(100_000, 2)],
    [100, 50, 1, 1, 256],
  );
});

test.run();
