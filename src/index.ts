export { type ErrorKind, ReplisyncError } from './errors.js';
export { acquireLock, type Lock } from './lock.js';
export { createRunLogger, type Logger, type Verbosity } from './log.js';
export { comparePaths, march } from './march.js';
export { parseDuration, parseSize, type ResolvedOptions, resolveOptions, type UserOptions } from './options.js';
export {
  type Action,
  type Change,
  limitDeletes,
  type Plan,
  type PlanOptions,
  pairsToHash,
  plan,
  type Verdicts,
} from './plan.js';
export { WorkerPool } from './pool.js';
export { scanTree } from './scan.js';
export { type CycleOptions, type CycleReport, cycleOptions, planCycle, runCycle } from './sync.js';
export type { Entry, Kind, Snapshot } from './types.js';
