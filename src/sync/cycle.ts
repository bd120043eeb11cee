import { join } from 'node:path';
import type { Failure } from '../errors.js';
import type { Itemizing } from '../report/itemize.js';
import { type Logger, warnOnce } from '../report/log.js';
import type { Progress } from '../report/progress.js';
import {
  bytesOf,
  type CycleReport,
  cycleClock,
  emptyOutcome,
  type Outcome,
  recordFailure,
  tally,
} from '../report/tally.js';
import { logSummary, showPath } from '../report/text.js';
import { backupStamp } from '../tree/backup-folder.js';
import { compileExcludes } from '../tree/filter.js';
import {
  type CompareOptions,
  type Comparison,
  type Entry,
  isStopped,
  type Snapshot,
  type StopFlag,
  type Tree,
} from '../tree/tree.js';
import { emptyPlan, type Plan, planActions } from './actions.js';
import { comparePairs } from './compare.js';
import { execute, fieldsOf, textOf } from './execute.js';
import { limitDeletes, refuseEmptySource } from './guards.js';
import { draftPlan } from './plan.js';
import type { ConflictRule } from './two-way/reconcile.js';

export type { CycleReport };

/** What one sync between a source and a replica needs to know. */
export interface CycleOptions {
  readonly source: string;
  readonly replica: string;
  readonly checksum: boolean;
  readonly chunkSize: number;
  readonly dryRun: boolean;
  /** Let an empty source empty a populated replica (refused by default: an unmounted disk looks empty). */
  readonly allowEmptySource: boolean;
  /** No deletion at all in a cycle that would delete more than this. */
  readonly maxDelete: number | undefined;
  /** Paths neither copied nor deleted (see filter.ts). */
  readonly exclude: readonly string[];
  /** Delete excluded paths from the replica after all. */
  readonly deleteExcluded: boolean;
  /** Leave owner and group alone even as root. */
  readonly noOwner: boolean;
  /** Copy each name of a hard-linked file on its own. */
  readonly noHardLinks: boolean;
  /** Same size is same content (rsync's --size-only). */
  readonly sizeOnly: boolean;
  /** Walks do not cross into other filesystems (rsync's -x): mount points are empty directories. */
  readonly oneFileSystem: boolean;
  /** Where deletes and overwrites go instead (`--backup-dir`): one folder per cycle, named by its start. */
  readonly backupDir: string | undefined;
  /** How many cycle folders of the backup to keep, newest first. */
  readonly backupKeep: number | undefined;
  /** Changes on either side reach the other (see two-way/). */
  readonly twoWay: boolean;
  /** Two-way: who wins a conflict. */
  readonly conflict: ConflictRule;
  /** Two-way: ignore the pair's state and take the union again, as on a first run. */
  readonly resync: boolean;
  /** Log operations as rsync's `--itemize-changes` strings. */
  readonly itemizeChanges: boolean;
}

export type PlanOptions = Omit<CycleOptions, 'source' | 'replica' | 'dryRun' | 'maxDelete'>;

/** The two sides of a sync. */
export interface Trees {
  readonly source: Tree;
  readonly replica: Tree;
}

const MiB = 1024 * 1024;

/** The options of a cycle with every default filled in, for the library and its tests. */
export function cycleOptions(source: string, replica: string, overrides: Partial<CycleOptions> = {}): CycleOptions {
  return {
    source,
    replica,
    checksum: false,
    chunkSize: 8 * MiB,
    dryRun: false,
    allowEmptySource: false,
    maxDelete: undefined,
    exclude: [],
    deleteExcluded: false,
    noOwner: false,
    noHardLinks: false,
    sizeOnly: false,
    oneFileSystem: false,
    backupDir: undefined,
    backupKeep: undefined,
    twoWay: false,
    conflict: 'keep-both',
    resync: false,
    itemizeChanges: false,
    ...overrides,
  };
}

/** Owner and group are kept where the replica can keep them (running as root) and the user did not say --no-owner. */
export const keepsOwners = (trees: Trees, options: PlanOptions): boolean =>
  !options.noOwner && trees.replica.features.ownership;

/** How operations are itemized (`--itemize-changes`), or undefined for the usual text. */
export const itemizing = (trees: Trees, options: CycleOptions): Itemizing | undefined =>
  options.itemizeChanges ? { checksum: options.checksum, owners: keepsOwners(trees, options) } : undefined;

/**
 * Both trees at once where they share a fast path, else one after the other; with `only`, just
 * those subtrees of each (a targeted cycle, see `Tree.scanPaths`).
 */
export function scanBoth(
  { source, replica }: Trees,
  options: PlanOptions,
  stop?: StopFlag,
  only?: readonly string[],
): Promise<[Snapshot, Snapshot]> {
  // The replica is scanned whole with --delete-excluded, so that what is excluded shows as replica-only.
  const excludes = { mine: options.exclude, other: options.deleteExcluded ? [] : options.exclude };
  if (only !== undefined && source.scanPaths && replica.scanPaths) {
    return Promise.all([source.scanPaths(only, excludes.mine, stop), replica.scanPaths(only, excludes.other, stop)]);
  }
  if (source.scanWith && source.sameKind?.(replica)) return source.scanWith(replica, excludes, stop);
  return Promise.all([source.scan(excludes.mine, stop), replica.scan(excludes.other, stop)]);
}

/**
 * Scans both trees, hashes the pairs that need it, and plans. A raised `stop` ends the walks
 * or the hashing early; what they saw is then partial (a source seen in part, pairs left
 * uncompared), so a stopped cycle plans nothing. With `writes` (a cycle that will execute its
 * plan), same-size pairs between trees of one kind are not hashed first: the copy compares
 * them as it reads (`Action.unlessSame`), so a changed file is read once on each side, not
 * twice, and no hashing phase stands between the walk and the copies.
 */
export async function planSync(
  trees: Trees,
  options: PlanOptions,
  log: Logger,
  stop?: StopFlag,
  only?: readonly string[],
  progress?: { job: string; bar: Progress },
  writes = false,
): Promise<{ plan: Plan; scanned: number; failures: Failure[]; stopped: boolean }> {
  const started = performance.now();
  const nothing = { plan: emptyPlan(), scanned: 0, failures: [], stopped: true };
  const [source, replica] = await scanBoth(trees, options, stop, only);
  // Before the empty-source refusal: a source seen in part can look empty.
  if (isStopped(stop)) return nothing;
  const scanned = performance.now();
  // A targeted cycle sees a part of each tree: only that the source is still a directory is checked.
  refuseEmptySource(source, replica, options.allowEmptySource || only !== undefined);
  const failures = [...source.unreadable, ...replica.unreadable].map((f) => (f.path === '' ? { ...f, path: '.' } : f));
  for (const failure of failures) log.error(`cannot read ${showPath(failure.path)}: ${failure.cause}`);
  const equal = {
    checksum: options.checksum,
    sizeOnly: options.sizeOnly,
    owners: keepsOwners(trees, options),
    hardLinks: !options.noHardLinks && trees.replica.features.hardLinks,
  };
  // A replica directory that a `dir/` exclude hides may stand where the source has a file.
  const replicaExclude = compileExcludes(options.deleteExcluded ? [] : options.exclude);
  const hidden = replicaExclude && ((path: string) => replicaExclude(path, true));
  const draft = draftPlan(source, replica, equal, hidden);
  const marched = performance.now();
  const { pairs } = draft;
  // --checksum compares every same-size pair, most of them alike: hashed in ranges across threads.
  const atCopy =
    writes && !options.checksum && pairs.length > 0 && trees.source.sameKind?.(trees.replica) === true
      ? draft.decideAtCopy()
      : undefined;
  let result: Plan;
  if (atCopy !== undefined) {
    result = atCopy;
    log.debug(
      `scan ${(scanned - started).toFixed(0)} ms, plan ${(performance.now() - scanned).toFixed(0)} ms, ` +
        `${pairs.length} pairs left to compare as they are copied`,
    );
  } else {
    const { verdicts, unreadable } = await compareShowing(
      trees,
      pairs,
      { chunkSize: options.chunkSize, stop },
      progress,
    );
    if (isStopped(stop)) return nothing;
    // A pair that could not be compared is copied: the copy either succeeds or reports the real cause.
    for (const [path, cause] of unreadable) log.debug(`cannot compare ${showPath(path)}: ${cause}`);
    const compared = performance.now();
    result = draft.decide(verdicts);
    log.debug(
      `scan ${(scanned - started).toFixed(0)} ms, compare ${pairs.length} pairs ${(compared - marched).toFixed(0)} ms, ` +
        `plan ${(performance.now() - compared + marched - scanned).toFixed(0)} ms`,
    );
  }
  for (const entry of result.skipped) {
    warnOnce(
      log,
      `special ${entry.path}`,
      `skip special ${showPath(entry.path)}: FIFOs, sockets and devices are not copied`,
    );
  }
  return { plan: result, scanned: source.entries.length, failures, stopped: false };
}

/** Compares content pairs, with the live line showing the bytes read (both sides) while it lasts. */
export async function compareShowing(
  trees: Trees,
  pairs: readonly Entry[],
  options: CompareOptions,
  progress: { job: string; bar: Progress } | undefined,
): Promise<Comparison> {
  if (progress === undefined || pairs.length === 0) return comparePairs(trees.source, trees.replica, pairs, options);
  const { job, bar } = progress;
  bar.begin(job, pairs.length, 2 * pairs.reduce((sum, e) => sum + e.size, 0), true);
  try {
    return await comparePairs(trees.source, trees.replica, pairs, { ...options, onProgress: (b) => bar.reach(b) });
  } finally {
    bar.end();
  }
}

/** One cycle: plan, then execute (or, in a dry run, report what would be done), then log a summary. */
export async function runSync(
  trees: Trees,
  options: CycleOptions,
  log: Logger,
  stop: StopFlag,
  progress?: { job: string; bar: Progress },
  only?: readonly string[],
): Promise<CycleReport> {
  const clock = cycleClock();
  const planned = await planSync(trees, options, log, stop, only, progress, !options.dryRun);
  const { plan: toRun, withheld } =
    options.maxDelete === undefined
      ? { plan: planned.plan, withheld: 0 }
      : limitDeletes(planned.plan, options.maxDelete);
  const maxDeleteError = `--max-delete ${options.maxDelete}: this cycle would delete ${withheld} entries, so it deletes none (and makes no kind change)`;
  if (withheld > 0) log.error(maxDeleteError);
  let outcome: Outcome;
  if (options.dryRun) {
    outcome = emptyOutcome();
    for (const entry of toRun.leftovers) log.info(`[dry-run] remove leftover temporary file ${showPath(entry.path)}`);
    for (const action of planActions(toRun)) {
      log.info(`[dry-run] ${textOf(action, itemizing(trees, options))}`, fieldsOf(action));
      tally(outcome, action);
    }
  } else {
    const bar = progress?.bar;
    if (bar) {
      const actions = planActions(toRun);
      bar.begin(
        progress.job,
        actions.length,
        actions.reduce((sum, a) => sum + bytesOf(a), 0),
      );
    }
    try {
      outcome = await execute(toRun, {
        ...trees,
        log,
        stop,
        keepsExcluded: options.exclude.length > 0 && !options.deleteExcluded,
        owners: keepsOwners(trees, options),
        itemize: itemizing(trees, options),
        backup: options.backupDir === undefined ? undefined : join(options.backupDir, backupStamp(clock.startedAt)),
        onProgress: bar && ((n, b) => bar.advance(n, b)),
      });
    } finally {
      bar?.end();
    }
  }
  for (const failure of planned.failures) recordFailure(outcome, failure);
  if (withheld > 0) recordFailure(outcome, { path: '.', code: undefined, cause: maxDeleteError });
  const report: CycleReport = {
    ...outcome,
    stopped: outcome.stopped || planned.stopped,
    scanned: planned.scanned,
    ...clock.timing(),
    ...(only === undefined ? {} : { watched: only.length }),
  };
  logSummary(log, report, options.dryRun);
  return report;
}
