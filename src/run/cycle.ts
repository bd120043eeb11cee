import type { Logger } from '../report/log.js';
import type { Progress } from '../report/progress.js';
import { type CycleOptions, type CycleReport, type PlanOptions, planSync, runSync, type Trees } from '../sync/cycle.js';
import type { PairState } from '../sync/two-way/state.js';
import { LocalTree } from '../tree/local/local-tree.js';
import type { WorkerPool } from '../tree/local/pool.js';
import type { StopFlag } from '../tree/tree.js';
import { defaultStateDir } from './state-dir.js';

/** The two local trees of a folder pair, sharing the run's pool. */
export const localTrees = (pool: WorkerPool, source: string, replica: string, oneFileSystem = false): Trees => ({
  source: new LocalTree(source, pool, oneFileSystem),
  replica: new LocalTree(replica, pool, oneFileSystem),
});

/**
 * One cycle of a local folder pair (see `runSync`, and `runTwoWay` for a two-way pair, whose
 * state is kept in `stateDir`); with `only`, a targeted cycle over those subtrees (watch mode).
 */
export async function runCycle(
  pool: WorkerPool,
  options: CycleOptions & { readonly stateDir?: string },
  log: Logger,
  stop: StopFlag,
  progress?: { job: string; bar: Progress },
  only?: readonly string[],
): Promise<CycleReport> {
  const trees = localTrees(pool, options.source, options.replica, options.oneFileSystem);
  if (!options.twoWay) return runSync(trees, options, log, stop, progress, only);
  // Loaded for a two-way pair only: its state is hashed with node:crypto, which costs a start-up.
  const [{ runTwoWay }, { loadState, saveState, statePath }] = await Promise.all([
    import('../sync/two-way/cycle.js'),
    import('./state-file.js'),
  ]);
  const file = statePath(options.stateDir ?? defaultStateDir(), options.source, options.replica);
  const store = {
    load: () => loadState(file, options.source, options.replica),
    save: (state: PairState) => saveState(file, state),
  };
  return runTwoWay(trees, options, store, log, stop, progress, only);
}

/** The plan of one cycle of a local folder pair (see `planSync`). */
export const planCycle = (
  pool: WorkerPool,
  options: PlanOptions & { readonly source: string; readonly replica: string },
  log: Logger,
  stop?: StopFlag,
): ReturnType<typeof planSync> =>
  planSync(localTrees(pool, options.source, options.replica, options.oneFileSystem), options, log, stop);
