import { close } from 'node:fs';
import type { Op, OpResult, StopFlag } from '../tree.js';
import { batches } from './batch.js';
import type { WorkerPool } from './pool.js';
import type { CopyJob, CopyResult } from './tasks.js';
import { runCopyTask } from './write.js';

/** Copies are batched into one pool task up to these limits: many small files per round trip, big ones alone. */
const BATCH_BYTES = 16 * 1024 * 1024;
const BATCH_JOBS = 256;
/**
 * Rough single-thread costs here, to decide how many threads a transfer is worth: per op
 * (temp file, chmod, utimes, rename; a rename over an old file costs most, as ext4 then starts
 * writing the new one out) and per byte copied.
 */
const OP_MS = 0.3;
const BYTES_PER_MS = 1.5e6;

/**
 * At most how many jobs go in one batch: small enough that each lane has a second batch to run
 * while the coordinator reports its first, so no thread idles while another has work queued.
 */
export const jobsPerBatch = (jobs: number, lanes: number): number =>
  Math.max(1, Math.min(BATCH_JOBS, Math.ceil(jobs / (2 * lanes))));

const bytesOf = (op: Op): number => (op.op === 'put' ? op.entry.size : 0);

function toJob(op: Op): CopyJob {
  switch (op.op) {
    case 'meta':
      return {
        kind: 'meta',
        path: op.path,
        mode: op.kind === 'symlink' ? undefined : op.mode,
        mtimeMs: op.mtimeMs,
        owner: op.owner,
      };
    case 'symlink':
      return {
        kind: 'symlink',
        path: op.path,
        link: op.entry.target ?? '',
        owner: op.owner,
        mtimeMs: op.entry.mtimeMs,
        replacing: op.replacing,
        expect: op.expect,
      };
    case 'put':
      return {
        kind: 'file',
        path: op.path,
        mode: op.mode,
        owner: op.owner,
        size: op.entry.size,
        mtimeMs: op.entry.mtimeMs,
        replacing: op.replacing,
        expect: op.expect,
        ...(op.unlessSame ? { unlessSame: true } : {}),
      };
    default:
      throw new Error(`${op.op} does not run on the pool`);
  }
}

/**
 * Closes read-only descriptors on files already replaced, on libuv's threads: the last close
 * frees a file's blocks, which mostly waits on the filesystem, so several at once overlap and
 * the coordinator goes on reporting. Nothing of the sync depends on how a close goes.
 */
const closeHeld = (fds: readonly number[]): Promise<unknown> =>
  Promise.all(fds.map((fd) => new Promise((settled) => close(fd, settled))));

/**
 * Runs independent writes on the pool, batched, one batch in flight per thread the work is
 * worth (so a small transfer never waits for a thread to boot; on the coordinator itself when
 * no thread has started and the work is shorter than starting one). Each lane sends its next batch
 * before reporting the one that finished: the thread copies while the coordinator logs. Once
 * `halted`, no further batch is sent and what is left is reported skipped.
 */
export async function transfer(
  pool: WorkerPool,
  sourceRoot: string,
  replicaRoot: string,
  ops: readonly Op[],
  control: { readonly stop: StopFlag; readonly halted: () => boolean; readonly backup: string | undefined },
  onResult: (index: number, result: OpResult) => void,
): Promise<void> {
  const indexed = ops.map((op, index) => ({ op, index }));
  const bytes = ops.reduce((sum, op) => sum + bytesOf(op), 0);
  const ms = ops.length * OP_MS + bytes / BYTES_PER_MS;
  const here = !pool.worthAThread(ms);
  const threads = here ? 1 : pool.threadsFor(ms);
  const groups = batches(indexed, (o) => bytesOf(o.op), BATCH_BYTES, jobsPerBatch(ops.length, threads));
  const send = async (group: typeof indexed): Promise<CopyResult> => {
    const task = {
      sourceRoot,
      replicaRoot,
      jobs: group.map((o) => toJob(o.op)),
      backup: control.backup,
      stop: control.stop,
    };
    return here ? { results: runCopyTask(task), held: [] } : pool.copy(task);
  };
  let next = 0;
  const closing: Promise<unknown>[] = [];
  const take = (): typeof indexed | undefined => (control.halted() ? undefined : groups[next++]);
  const lane = async (): Promise<void> => {
    let group = take();
    let copied = group === undefined ? undefined : send(group);
    while (group !== undefined && copied !== undefined) {
      const finished = group;
      const { results, held } = await copied;
      group = take();
      copied = group === undefined ? undefined : send(group);
      // Handled here so that it is never unhandled should reporting throw (EPIPE, a full disk); awaited on the next turn.
      copied?.catch(() => undefined);
      // Frees the replaced files' blocks while the thread copies the next batch.
      if (held.length > 0) closing.push(closeHeld(held));
      results.forEach((result, i) => {
        onResult((finished[i] as (typeof indexed)[number]).index, result);
      });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(threads, groups.length) }, lane));
  } finally {
    // No descriptor outlives the transfer, even one that failed.
    await Promise.all(closing);
  }
  for (const group of groups.slice(next)) for (const o of group) onResult(o.index, { ok: 'skipped' });
}
