import { chmodSync, lstatSync, mkdirSync, rmdirSync, unlinkSync, utimesSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CopyJob, CopyResult } from '../workers/copy.js';
import { batches } from './batch.js';
import { describeCause, errnoCode } from './errors.js';
import { assertRealDir } from './guard.js';
import type { Logger } from './log.js';
import { makeDirs } from './makedirs.js';
import { toUtimeSeconds } from './mtime.js';
import type { Action, Plan } from './plan.js';
import type { WorkerPool } from './pool.js';
import type { Entry } from './types.js';

/** Copies are batched into one pool task up to these limits: many small files per round trip, big ones alone. */
const BATCH_BYTES = 16 * 1024 * 1024;
const BATCH_JOBS = 256;
/** Rough single-thread costs here, to decide how many threads a transfer is worth: per action (temp file, chmod, utimes, rename) and per byte copied. */
const ACTION_MS = 0.1;
const BYTES_PER_MS = 1.5e6;

/** One entry that failed, for logs and reports. */
export interface Failure {
  readonly path: string;
  readonly cause: string;
}

/** What a cycle did; every action is counted exactly once. */
export interface Outcome {
  created: number;
  updated: number;
  deleted: number;
  failed: number;
  bytes: number;
  readonly failures: Failure[];
}

export interface ExecuteContext {
  readonly pool: WorkerPool;
  readonly sourceRoot: string;
  readonly replicaRoot: string;
  readonly log: Logger;
  /** Raised (set to 1) on shutdown: nothing new starts, workers skip the jobs they have not begun. */
  readonly stop: Int32Array;
  /** Told of each finished action (done or failed) and the bytes it copied. */
  readonly onProgress?: (entries: number, bytes: number) => void;
}

export const emptyOutcome = (): Outcome => ({ created: 0, updated: 0, deleted: 0, failed: 0, bytes: 0, failures: [] });

/** Counts a failure and keeps its cause for the report. */
export function recordFailure(outcome: Outcome, path: string, cause: string): void {
  outcome.failed++;
  outcome.failures.push({ path: path === '' ? '.' : path, cause });
}

/** The bytes an action copies: a file's size when its content is written, else 0. */
export function bytesOf(action: Action): number {
  const writesContent = action.op === 'create' || (action.op === 'update' && action.change !== 'metadata');
  return action.entry.kind === 'file' && writesContent ? action.entry.size : 0;
}

/** Counts one completed action (or, in a dry run, one that would be done). */
export function tally(outcome: Outcome, action: Action): void {
  if (action.op === 'create') outcome.created++;
  else if (action.op === 'update') outcome.updated++;
  else outcome.deleted++;
  outcome.bytes += bytesOf(action);
}

/** A path as log lines show it: control characters (a newline in a name) escaped, so one operation stays one line. */
export const showPath = (path: string): string =>
  path === '' ? '.' : path.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/** The log text of an action: `create file a/b`, `update file a/b (content)`, `delete dir old`. */
export function describe(action: Action): string {
  const text = `${action.op} ${action.entry.kind} ${showPath(action.entry.path)}`;
  return action.op === 'update' ? `${text} (${action.change})` : text;
}

/**
 * Runs a plan against the replica: clearing, then directories (parents first), then files
 * and symlinks in parallel on the pool, then deletions (deepest first), and last the
 * directory modes and mtimes, which every write inside a directory would disturb.
 */
export async function execute(plan: Plan, ctx: ExecuteContext): Promise<Outcome> {
  const outcome = emptyOutcome();
  const stopped = (): boolean => Atomics.load(ctx.stop, 0) === 1;
  const done = (action: Action): void => {
    ctx.log.info(describe(action));
    tally(outcome, action);
    ctx.onProgress?.(1, bytesOf(action));
  };
  const failed = (action: Action, cause: string): void => {
    recordFailure(outcome, action.entry.path, cause);
    ctx.log.error(`${describe(action)} failed: ${cause}`);
    ctx.onProgress?.(1, 0);
  };
  const local = (action: Action, fn: () => void): void => {
    try {
      fn();
      done(action);
    } catch (error) {
      failed(action, describeCause(error));
    }
  };
  const replicaPath = (entry: Entry): string =>
    entry.path === '' ? ctx.replicaRoot : `${ctx.replicaRoot}/${entry.path}`;
  const verified = new Set<string>();
  const remove = (entry: Entry): void => removeEntry(replicaPath(entry), entry, verified);
  const stamp = (entry: Entry): void => stampDir(replicaPath(entry), entry, verified);

  if (stopped()) return outcome;
  for (const entry of plan.leftovers) {
    try {
      remove(entry);
      ctx.log.info(`remove leftover temporary file ${showPath(entry.path)}`);
    } catch (error) {
      ctx.log.error(`remove leftover temporary file ${showPath(entry.path)} failed: ${describeCause(error)}`);
      recordFailure(outcome, entry.path, describeCause(error));
    }
  }
  unlockDirs(plan, replicaPath, ctx);
  for (const action of plan.clear) local(action, () => remove(action.entry));
  for (const action of plan.dirs) {
    if (stopped()) return outcome;
    local(action, () => makeDir(replicaPath(action.entry), action, verified));
  }
  if (stopped()) return outcome;
  await transfer(plan.transfers, ctx, done, failed);
  if (stopped()) return outcome;
  for (const action of plan.deletes) local(action, () => remove(action.entry));
  for (const action of plan.dirMeta) local(action, () => stamp(action.entry));
  for (const entry of plan.restamp) {
    try {
      stamp(entry);
    } catch (error) {
      failed({ op: 'update', entry, change: 'metadata' }, describeCause(error));
    }
  }
  return outcome;
}

/**
 * A read-only directory (mode without u+w) cannot take new entries or lose old ones, even for
 * its owner. Every directory this cycle writes into is made owner-writable first: the ones
 * the source has get their own mode back when they are stamped at the end, the others are
 * about to be deleted. (Root writes anyway; everyone else needs this.)
 */
function unlockDirs(plan: Plan, replicaPath: (entry: Entry) => string, ctx: ExecuteContext): void {
  const dirs = [
    ...plan.restamp,
    ...plan.dirMeta.map((a) => a.entry),
    ...[...plan.clear, ...plan.deletes].filter((a) => a.entry.kind === 'dir').map((a) => a.entry),
  ];
  for (const entry of dirs) {
    const path = replicaPath(entry);
    try {
      const stat = lstatSync(path, { throwIfNoEntry: false });
      if (stat?.isDirectory() && (stat.mode & 0o200) === 0) chmodSync(path, (stat.mode & 0o7777) | 0o700);
    } catch (error) {
      // Not fatal here: the write into it will fail and say why.
      ctx.log.debug(`cannot make ${showPath(entry.path)} writable: ${describeCause(error)}`);
    }
  }
}

function removeEntry(path: string, entry: Entry, verified: Set<string>): void {
  assertRealDir(dirname(path), verified);
  try {
    if (entry.kind === 'dir') rmdirSync(path);
    else unlinkSync(path);
  } catch (error) {
    // Already gone is what we wanted.
    if (errnoCode(error) !== 'ENOENT') throw error;
  }
}

function makeDir(path: string, action: Action, verified: Set<string>): void {
  if (action.entry.path !== '') assertRealDir(dirname(path), verified);
  if (action.op === 'update' && !lstatSync(path, { throwIfNoEntry: false })?.isDirectory()) unlinkSync(path);
  // Owner-writable while filled; the source's mode is applied once the contents are done.
  if (action.entry.path === '') makeDirs(path, 0o700);
  else mkdirSync(path, { mode: 0o700 });
}

function stampDir(path: string, entry: Entry, verified: Set<string>): void {
  if (entry.path !== '') assertRealDir(dirname(path), verified);
  // chmod follows symlinks: only stamp what is still a real directory.
  if (!lstatSync(path).isDirectory()) throw new Error('it is no longer a directory');
  chmodSync(path, entry.mode);
  const seconds = toUtimeSeconds(entry.mtimeMs);
  utimesSync(path, seconds, seconds);
}

function toJob(action: Action, ctx: ExecuteContext): CopyJob {
  const { entry } = action;
  const to = `${ctx.replicaRoot}/${entry.path}`;
  const mtime = toUtimeSeconds(entry.mtimeMs);
  const replacing = action.op === 'update' && action.change === 'kind';
  if (action.op === 'update' && action.change === 'metadata')
    return { kind: 'meta', to, mode: entry.kind === 'symlink' ? undefined : entry.mode, mtime };
  if (entry.kind === 'symlink') return { kind: 'symlink', link: entry.target ?? '', to, mtime, replacing };
  return {
    kind: 'file',
    from: `${ctx.sourceRoot}/${entry.path}`,
    to,
    mode: entry.mode,
    mtime,
    size: entry.size,
    mtimeMs: entry.mtimeMs,
    replacing,
  };
}

async function transfer(
  actions: readonly Action[],
  ctx: ExecuteContext,
  done: (a: Action) => void,
  failed: (a: Action, cause: string) => void,
): Promise<void> {
  const send = (batch: Action[]): Promise<CopyResult[]> =>
    ctx.pool.copy({ jobs: batch.map((a) => toJob(a, ctx)), stop: ctx.stop });
  const report = (batch: Action[], results: CopyResult[]): void =>
    results.forEach((result, i) => {
      const action = batch[i] as Action;
      if (result.ok === true) done(action);
      else if (result.ok === false) failed(action, result.cause);
      else if (result.ok === 'changed')
        ctx.log.warn(`${describe(action)} not done: the source ${result.reason}; left for the next cycle`);
    });
  const groups = batches(actions, bytesOf, BATCH_BYTES, BATCH_JOBS);
  const bytes = actions.reduce((sum, a) => sum + bytesOf(a), 0);
  // One batch in flight per thread the work is worth, so a small transfer never waits for a thread to boot.
  let next = 0;
  const lane = async (): Promise<void> => {
    let group = groups[next++];
    let copied = group === undefined ? undefined : send(group);
    while (group !== undefined && copied !== undefined) {
      const finished = group;
      const results = await copied;
      // The next batch goes out before this one is logged: the thread copies while the coordinator logs.
      group = groups[next++];
      copied = group === undefined ? undefined : send(group);
      // Handled here so that it is never unhandled should logging throw (EPIPE, a full disk); awaited on the next turn.
      copied?.catch(() => undefined);
      report(finished, results);
    }
  };
  await Promise.all(
    Array.from(
      { length: Math.min(ctx.pool.threadsFor(actions.length * ACTION_MS + bytes / BYTES_PER_MS), groups.length) },
      lane,
    ),
  );
}
