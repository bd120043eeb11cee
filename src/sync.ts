import { compareContents } from './compare.js';
import { ReplisyncError } from './errors.js';
import {
  bytesOf,
  describe,
  emptyOutcome,
  execute,
  type Failure,
  type Outcome,
  recordFailure,
  showPath,
  tally,
} from './execute.js';
import { compileExcludes } from './filter.js';
import type { Logger } from './log.js';
import { type Action, emptyPlan, limitDeletes, type Plan, pairsToHash, plan } from './plan.js';
import type { WorkerPool } from './pool.js';
import type { Progress } from './progress.js';
import { drainYielding, ListingSink, walkBack, walkFront } from './scan.js';
import { backShare, newShare } from './share.js';

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
}

export interface CycleReport extends Outcome {
  /** Entries found in the source. */
  readonly scanned: number;
  readonly started: Date;
  readonly durationMs: number;
}

export const planActions = (p: Plan): Action[] => [...p.clear, ...p.dirs, ...p.transfers, ...p.deletes, ...p.dirMeta];

/**
 * Scans both trees at once: the source right here (so most of its snapshot never has to
 * cross threads), the replica on a pool thread. Whichever finishes first helps with the other tree
 * from its far end (see share.ts), so neither core idles while the other still walks; on a
 * small tree the coordinator lists the whole replica itself before a pool thread has booted.
 * Then it hashes the pairs that need it, and plans. A raised `stop` ends the walks or the
 * hashing early; what they saw is then partial (a source seen in part, pairs left uncompared),
 * so a stopped cycle plans nothing.
 */
export async function planCycle(
  pool: WorkerPool,
  options: PlanCycleOptions,
  log: Logger,
  stop?: Int32Array,
): Promise<{ plan: Plan; scanned: number; failures: Failure[] }> {
  const started = performance.now();
  // The replica is scanned whole with --delete-excluded, so that what is excluded shows as replica-only.
  const replicaExclude = options.deleteExcluded ? [] : options.exclude;
  const stopped = (): boolean => stop !== undefined && Atomics.load(stop, 0) === 1;
  const nothing = { plan: emptyPlan(), scanned: 0, failures: [] };
  const shares = { source: newShare(), replica: newShare() };
  const pooled = pool.scan({
    walk: { root: options.replica, exclude: replicaExclude, share: shares.replica, stop },
    help: { root: options.source, exclude: options.exclude, share: shares.source, stop },
  });
  // Handled here so that a failing pool scan is never unhandled while the coordinator walks; awaited below.
  pooled.catch(() => undefined);
  const sourceSink = new ListingSink();
  const replicaSink = new ListingSink();
  await drainYielding(walkFront(options.source, compileExcludes(options.exclude), sourceSink, shares.source, stop));
  await drainYielding(walkBack(options.replica, compileExcludes(replicaExclude), replicaSink, shares.replica, stop));
  // Before the empty-source refusal: a source seen in part can look empty.
  if (stopped()) return nothing;
  // Both answers are final by now: the source walk is closed or has met its helper, and a back that claimed the root leaves nothing to the front.
  if (backShare(shares.source) !== 'none' || backShare(shares.replica) !== 'all') {
    const found = await pooled;
    sourceSink.decode(found.help);
    replicaSink.decode(found.walk);
  }
  const source = sourceSink.snapshot(options.source);
  const replica = replicaSink.snapshot(options.replica);
  const scanned = performance.now();
  if (source.entries[0]?.kind !== 'dir')
    throw new ReplisyncError('fatal', `source ${options.source} is no longer a directory`);
  if (
    !options.allowEmptySource &&
    source.entries.length === 1 &&
    source.unreadable.length === 0 &&
    replica.entries.length > 1
  ) {
    throw new ReplisyncError(
      'fatal',
      `source ${options.source} is empty but the replica is not: refusing to delete everything (is a disk not mounted?); pass --allow-empty-source to allow it`,
    );
  }
  const failures = [...source.unreadable, ...replica.unreadable].map((f) => ({
    path: f.path === '' ? '.' : f.path,
    cause: f.cause,
  }));
  for (const failure of failures) log.error(`cannot read ${showPath(failure.path)}: ${failure.cause}`);
  const pairs = pairsToHash(source, replica, options);
  const { verdicts, unreadable } = await compareContents(pool, options.source, options.replica, pairs, {
    chunkSize: options.chunkSize,
    stop,
  });
  if (stopped()) return nothing;
  // A pair that could not be compared is copied: the copy either succeeds or reports the real cause.
  for (const [path, cause] of unreadable) log.debug(`cannot compare ${showPath(path)}: ${cause}`);
  const compared = performance.now();
  const result = plan(source, replica, options, verdicts);
  log.debug(
    `scan ${(scanned - started).toFixed(0)} ms, compare ${pairs.length} pairs ${(compared - scanned).toFixed(0)} ms, plan ${(performance.now() - compared).toFixed(0)} ms`,
  );
  for (const entry of result.skipped)
    log.warn(`skip special ${showPath(entry.path)}: FIFOs, sockets and devices are not copied`);
  return { plan: result, scanned: source.entries.length, failures };
}

export type PlanCycleOptions = Omit<CycleOptions, 'dryRun' | 'maxDelete'>;

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
    ...overrides,
  };
}

/** One cycle: plan, then execute (or, in a dry run, report what would be done), then log a summary. */
export async function runCycle(
  pool: WorkerPool,
  options: CycleOptions,
  log: Logger,
  stop: Int32Array,
  progress?: { job: string; bar: Progress },
): Promise<CycleReport> {
  const startedAt = new Date();
  const started = performance.now();
  const planned = await planCycle(pool, options, log, stop);
  const { plan: toRun, withheld } =
    options.maxDelete === undefined
      ? { plan: planned.plan, withheld: 0 }
      : limitDeletes(planned.plan, options.maxDelete);
  const maxDeleteError = `--max-delete ${options.maxDelete}: this cycle would delete ${withheld} entries, so it deletes none (and makes no kind change)`;
  if (withheld > 0) log.error(maxDeleteError);
  let outcome: Outcome;
  if (options.dryRun) {
    outcome = emptyOutcome();
    for (const action of planActions(toRun)) {
      log.info(`[dry-run] ${describe(action)}`);
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
        pool,
        sourceRoot: options.source,
        replicaRoot: options.replica,
        log,
        stop,
        onProgress: bar && ((n, b) => bar.advance(n, b)),
      });
    } finally {
      bar?.end();
    }
  }
  for (const failure of planned.failures) recordFailure(outcome, failure.path, failure.cause);
  if (withheld > 0) recordFailure(outcome, '.', maxDeleteError);
  const report: CycleReport = {
    ...outcome,
    scanned: planned.scanned,
    started: startedAt,
    durationMs: performance.now() - started,
  };
  log.info(summarize(report, options.dryRun));
  return report;
}

export function summarize(r: CycleReport, dryRun: boolean): string {
  const seconds = r.durationMs / 1000;
  const rate = seconds > 0 ? r.bytes / MiB / seconds : 0;
  return (
    `${dryRun ? '[dry-run] ' : ''}cycle done: ${r.scanned} scanned, ${r.created} created, ${r.updated} updated, ${r.deleted} deleted, ${r.failed} failed, ` +
    `${(r.bytes / MiB).toFixed(1)} MiB ${dryRun ? 'to copy' : 'copied'} in ${seconds.toFixed(2)}s (${rate.toFixed(1)} MiB/s)`
  );
}
