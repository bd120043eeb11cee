export { ReplisyncError, type ErrorKind } from './errors.js';
export { createRunLogger, type Logger, type Verbosity } from './log.js';
export { resolveOptions, parseDuration, parseSize, type UserOptions, type ResolvedOptions } from './options.js';
export { acquireLock, type Lock } from './lock.js';
export { limitDeletes, plan, pairsToHash, type Action, type Change, type Plan, type PlanOptions, type Verdicts } from './plan.js';
export { scanTree } from './scan.js';
export { WorkerPool } from './pool.js';
export { planCycle, runCycle, type CycleOptions, type CycleReport } from './sync.js';
export type { Entry, Kind, Snapshot } from './types.js';
