export type { UserOptions } from './cli/args.js';
export { type ResolvedOptions, resolveOptions } from './cli/resolve.js';
export { parseDuration, parseSize } from './cli/units.js';
export { classify, type Failure, type FailureClass, ReplisyncError } from './errors.js';
export { type ReportLine, toReportLine } from './report/jsonl.js';
export { createRunLogger, type Logger, type Verbosity } from './report/log.js';
export { planCycle, runCycle } from './run/cycle.js';
export { acquireLock, type Lock } from './run/lock.js';
export type { Action, Plan } from './sync/actions.js';
export { type CycleOptions, type CycleReport, cycleOptions, planSync, runSync, type Trees } from './sync/cycle.js';
export type { Change, Verdicts } from './sync/equal.js';
export { limitDeletes } from './sync/guards.js';
export { march } from './sync/march.js';
export { type Draft, draftPlan, pairsToHash, plan } from './sync/plan.js';
export { LocalTree } from './tree/local/local-tree.js';
export { WorkerPool } from './tree/local/pool.js';
export { scanTree } from './tree/local/walk.js';
export { MemoryTree } from './tree/memory/memory-tree.js';
export { comparePaths } from './tree/order.js';
export {
  type Entries,
  type Entry,
  entryArray,
  type Kind,
  type Op,
  type OpResult,
  type Snapshot,
  type Tree,
} from './tree/tree.js';
