import type { Failure } from '../errors.js';
import type { Entry } from '../tree/tree.js';

/** An action as reports count and tell it; the sync's `Action` is one. */
export interface ReportedAction {
  readonly op: 'create' | 'update' | 'delete';
  readonly entry: Pick<Entry, 'path' | 'kind' | 'size'> & Partial<Entry>;
  /** For an update, what the replica held (see itemize.ts). */
  readonly was?: Entry;
  readonly change?: string;
  readonly overExcluded?: true;
  readonly linkTo?: string;
}

/** What a cycle did; every action is counted exactly once. */
export interface Outcome {
  created: number;
  updated: number;
  deleted: number;
  /** Entries a delete or an overwrite moved to the backup folder (`--backup-dir`). */
  backedUp: number;
  failed: number;
  bytes: number;
  /** A failure of the `fatal` class was seen: the cycle stopped writing. */
  fatal: boolean;
  /** The run's stop cut the cycle short: some of its work was not done. */
  stopped: boolean;
  readonly failures: Failure[];
}

/** What a two-way cycle wrote into one side. */
export interface Counts {
  readonly created: number;
  readonly updated: number;
  readonly deleted: number;
}

/** A two-way cycle's counts per direction and its conflicts (see `CycleReport.twoWay`). */
export interface TwoWayCounts {
  readonly toReplica: Counts;
  readonly toSource: Counts;
  readonly conflicts: number;
}

export interface CycleReport extends Outcome, CycleTime {
  /** Entries found in the source. */
  readonly scanned: number;
  /** A targeted cycle (watch mode): how many dirty subtrees it walked. */
  readonly watched?: number;
  /** Set for a two-way cycle: the totals above are both directions together. */
  readonly twoWay?: TwoWayCounts;
}

/** When a cycle ran, as `--report` writes it: ISO times, whole milliseconds between them. */
export interface CycleTime {
  readonly start: string;
  readonly end: string;
  readonly durationMs: number;
}

/** Started with the cycle; `timing()` at its end. */
export function cycleClock(): { readonly startedAt: Date; timing(): CycleTime } {
  const startedAt = new Date();
  const started = performance.now();
  return {
    startedAt,
    timing: () => {
      const durationMs = Math.round(performance.now() - started);
      return {
        start: startedAt.toISOString(),
        end: new Date(startedAt.getTime() + durationMs).toISOString(),
        durationMs,
      };
    },
  };
}

export const emptyOutcome = (): Outcome => ({
  created: 0,
  updated: 0,
  deleted: 0,
  backedUp: 0,
  failed: 0,
  bytes: 0,
  fatal: false,
  stopped: false,
  failures: [],
});

/** Counts a failure and keeps it for the report. */
export function recordFailure(outcome: Outcome, failure: Failure): void {
  outcome.failed++;
  outcome.failures.push(failure.path === '' ? { ...failure, path: '.' } : failure);
}

/** The bytes an action copies: a file's size when its content is written, else 0. */
export function bytesOf(action: ReportedAction): number {
  const writesContent =
    action.linkTo === undefined && (action.op === 'create' || (action.op === 'update' && action.change !== 'metadata'));
  return action.entry.kind === 'file' && writesContent ? action.entry.size : 0;
}

/** Counts one completed action (or, in a dry run, one that would be done). */
export function tally(outcome: Outcome, action: ReportedAction): void {
  if (action.op === 'create') outcome.created++;
  else if (action.op === 'update') outcome.updated++;
  else outcome.deleted++;
  outcome.bytes += bytesOf(action);
}
