import type { Logger } from '../report/log.js';
import type { Progress } from '../report/progress.js';
import { type CycleOptions, type CycleReport, type PlanOptions, planSync, runSync, type Trees } from '../sync/cycle.js';
import { LocalTree } from '../tree/local/local-tree.js';
import type { WorkerPool } from '../tree/local/pool.js';
import type { StopFlag } from '../tree/tree.js';

/** The two local trees of a folder pair, sharing the run's pool. */
export const localTrees = (pool: WorkerPool, source: string, replica: string, oneFileSystem = false): Trees => ({
  source: new LocalTree(source, pool, oneFileSystem),
  replica: new LocalTree(replica, pool, oneFileSystem),
});

/** One cycle of a local folder pair (see `runSync`). */
export const runCycle = (
  pool: WorkerPool,
  options: CycleOptions,
  log: Logger,
  stop: StopFlag,
  progress?: { job: string; bar: Progress },
): Promise<CycleReport> =>
  runSync(localTrees(pool, options.source, options.replica, options.oneFileSystem), options, log, stop, progress);

/** The plan of one cycle of a local folder pair (see `planSync`). */
export const planCycle = (
  pool: WorkerPool,
  options: PlanOptions & { readonly source: string; readonly replica: string },
  log: Logger,
  stop?: StopFlag,
): ReturnType<typeof planSync> =>
  planSync(localTrees(pool, options.source, options.replica, options.oneFileSystem), options, log, stop);
