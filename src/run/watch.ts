import { existsSync } from 'node:fs';
import type { Logger } from '../report/log.js';
import { dirtyRoots } from '../watch/dirty.js';
import { type Watch, watchFailure, watchTree } from '../watch/subscribe.js';
import { wait } from './schedule.js';

/** A constantly busy tree is still synced at least this often (the quiet period is cut short). */
const MAX_DELAY_MS = 3000;

export interface WatchedJob {
  /** The trees whose events count: the source, and the replica too in two-way mode. */
  readonly roots: readonly string[];
  readonly exclude: readonly string[];
  readonly intervalMs: number;
  readonly delayMs: number;
}

/**
 * Watch mode: a full cycle first and then every interval (the safety net for lost events),
 * and in between, once events have been quiet for `delayMs` (or at the latest `MAX_DELAY_MS`
 * after the first), a targeted cycle over the subtrees they name. Cycles never overlap; events
 * that arrive during one are kept for the next. Without events (the watcher failed) it is the
 * periodic loop. Resolves when `signal` aborts, after the cycle in flight.
 */
export async function runWatching(
  job: WatchedJob,
  cycle: (only?: readonly string[]) => Promise<void>,
  signal: AbortSignal,
  log: Logger,
): Promise<void> {
  const dirty = new Set<string>();
  // A targeted cycle that throws ends the loop as a full one would: the wait is cut short.
  let failure: { error: unknown } | undefined;
  const broken = new AbortController();
  const waiting = AbortSignal.any([signal, broken.signal]);
  let timer: NodeJS.Timeout | undefined;
  let firstEvent = 0;
  let running: Promise<void> = Promise.resolve();
  const exclusive = (fn: () => Promise<void>): Promise<void> => {
    running = running.then(fn, fn);
    return running;
  };
  const targeted = async (): Promise<void> => {
    timer = undefined;
    if (signal.aborted || dirty.size === 0) return;
    const roots = dirtyRoots(dirty);
    dirty.clear();
    await cycle(roots === 'full' ? undefined : roots);
  };
  const onPaths = (paths: readonly string[]): void => {
    if (signal.aborted) return;
    if (dirty.size === 0) firstEvent = Date.now();
    for (const path of paths) dirty.add(path);
    clearTimeout(timer);
    const delay = Math.max(0, Math.min(job.delayMs, firstEvent + MAX_DELAY_MS - Date.now()));
    timer = setTimeout(() => {
      exclusive(targeted).catch((error: unknown) => {
        failure ??= { error };
        broken.abort();
      });
    }, delay);
  };
  let failed = false;
  const onError = (message: string): void => {
    if (failed) return;
    failed = true;
    log.warn(`watch mode: ${message}; the full cycle every ${job.intervalMs / 1000}s goes on`);
  };
  // Subscribed before the first cycle, so that nothing changed during it is missed; a root
  // that does not exist yet (a replica the first cycle creates) right after it.
  const watches = new Map<string, Watch>();
  /** Subscribes to the roots that exist and are not watched yet; true when it added any. */
  const subscribe = async (): Promise<boolean> => {
    let added = false;
    for (const root of job.roots) {
      if (watches.has(root) || failed || !existsSync(root)) continue;
      try {
        watches.set(root, await watchTree(root, job.exclude, onPaths, onError));
        log.info(`watching ${root} for changes`);
        added = true;
      } catch (error) {
        onError(watchFailure(error));
      }
    }
    return added;
  };
  await subscribe();
  try {
    let first = true;
    while (!signal.aborted) {
      const nextFull = Date.now() + job.intervalMs;
      await exclusive(async () => {
        // A full cycle covers every event seen before it starts.
        dirty.clear();
        clearTimeout(timer);
        timer = undefined;
        await cycle();
      });
      // A root watched only now may have changed before: one more full cycle covers that.
      const late = first && (await subscribe());
      first = false;
      if (!late) await wait(nextFull - Date.now(), waiting);
      if (failure) throw failure.error;
    }
  } finally {
    clearTimeout(timer);
    await running.catch(() => undefined);
    await Promise.all([...watches.values()].map((w) => w.close()));
  }
}
