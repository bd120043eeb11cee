import type { HashJob } from '../workers/hash.js';
import { batches } from './batch.js';
import type { WorkerPool } from './pool.js';
import type { Entry } from './types.js';

/** Small pairs are batched into one task up to this many bytes, so the pool is not flooded with tiny tasks. */
const BATCH_BYTES = 8 * 1024 * 1024;
const BATCH_JOBS = 256;
/** Hashing reads in blocks that stay in the L2 cache: measured here, 128 KiB reads run at about 10 GiB/s from the page cache and 1 MiB reads at 2.5. */
const BLOCK_SIZE = 128 * 1024;

export interface CompareOptions {
  /** Files larger than this are split into ranges of this size, hashed in parallel. */
  readonly chunkSize: number;
}

/** Which paths a comparison could not read, with the cause; they are treated as different. */
export interface Comparison {
  readonly verdicts: Map<string, boolean>;
  readonly unreadable: Map<string, string>;
}

/**
 * Hashes each pair (source entry + the replica file at the same path) on the pool and
 * says whether their contents are equal. Ranges of a large pair compare independently;
 * the first mismatch raises the pair's cancel flag so its other ranges stop reading.
 */
export async function compareContents(pool: WorkerPool, sourceRoot: string, replicaRoot: string, pairs: readonly Entry[], options: CompareOptions): Promise<Comparison> {
  const verdicts = new Map<string, boolean>();
  const unreadable = new Map<string, string>();
  const large = pairs.filter((p) => p.size > options.chunkSize);
  const cancel = new Int32Array(new SharedArrayBuffer(4 * Math.max(1, large.length)));
  const blockSize = Math.min(BLOCK_SIZE, options.chunkSize);
  const pending: Promise<void>[] = [];
  const job = (entry: Entry, offset: number, length: number, slot: number): HashJob => ({ path: entry.path, offset, length, slot });
  const record = (path: string, verdict: boolean | string, slot: number): void => {
    if (typeof verdict === 'string') unreadable.set(path, verdict);
    const equal = verdict === true;
    if (!equal && slot >= 0) Atomics.store(cancel, slot, 1);
    verdicts.set(path, (verdicts.get(path) ?? true) && equal);
  };
  const submit = (jobs: HashJob[]): void => {
    pending.push(
      pool.hash({ sourceRoot, replicaRoot, jobs, cancel, blockSize }).then((results) =>
        results.forEach((verdict, i) => {
          const j = jobs[i] as HashJob;
          record(j.path, verdict, j.slot);
        }),
      ),
    );
  };

  const small = pairs.filter((p) => p.size > 0 && p.size <= options.chunkSize);
  for (const p of pairs) if (p.size === 0) verdicts.set(p.path, true);
  for (const group of batches(small, (e) => e.size, BATCH_BYTES, BATCH_JOBS)) submit(group.map((e) => job(e, 0, e.size, -1)));
  large.forEach((entry, slot) => {
    for (let offset = 0; offset < entry.size; offset += options.chunkSize) {
      submit([job(entry, offset, Math.min(options.chunkSize, entry.size - offset), slot)]);
    }
  });
  await Promise.all(pending);
  return { verdicts, unreadable };
}
