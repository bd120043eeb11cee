import { join } from 'node:path';
import { ReplisyncError } from '../../errors.js';
import { type Logger, warnOnce } from '../../report/log.js';
import type { Progress } from '../../report/progress.js';
import {
  bytesOf,
  type CycleReport,
  type CycleTime,
  cycleClock,
  emptyOutcome,
  type Outcome,
  recordFailure,
  tally,
} from '../../report/tally.js';
import { logSummary, showPath } from '../../report/text.js';
import { backupStamp } from '../../tree/backup-folder.js';
import { comparePaths } from '../../tree/order.js';
import { isStopped, type Op, type OpResult, type StopFlag, type Tree } from '../../tree/tree.js';
import { planActions } from '../actions.js';
import { type CycleOptions, compareShowing, itemizing, keepsOwners, scanBoth, type Trees } from '../cycle.js';
import { execute, fieldsOf, textOf } from '../execute.js';
import { limitDeletes } from '../guards.js';
import { refuseEmptySide } from './guards.js';
import { conflictName, conflictStamp, isConflictCopy } from './names.js';
import { twoWayPlan } from './plans.js';
import { otherSide, pairsToCompare, reconcile, rows, type Side } from './reconcile.js';
import { leftoversOf, split, withoutLeftovers } from './scope.js';
import type { PairState } from './state.js';

/** Where a pair's state lives (see run/state-file.ts). */
export interface StateStore {
  /** The pair's state, or undefined on a first run; throws a `ReplisyncError` for one that cannot be used. */
  load(): PairState | undefined;
  save(state: PairState): void;
}

const ARROW: Record<Side, string> = { source: ' → source', replica: ' → replica' };

/**
 * One two-way cycle: both sides scanned and each compared with its own record in the state,
 * a three-way reconciliation (reconcile.ts), conflict renames, then a one-way plan into each
 * side; the new state records only what was done. A dry run writes neither side nor the state.
 */
export async function runTwoWay(
  trees: Trees,
  options: CycleOptions,
  store: StateStore,
  log: Logger,
  stop: StopFlag,
  progress?: { job: string; bar: Progress },
  only?: readonly string[],
): Promise<CycleReport> {
  const clock = cycleClock();
  const { startedAt } = clock;
  const state = options.resync ? undefined : store.load();
  // A targeted cycle needs a state to compare its part with; without one the cycle is full.
  const targeted = state === undefined ? undefined : only;
  const [a, b] = await scanBoth(trees, { ...options, deleteExcluded: false }, stop, targeted);
  const stoppedEarly = (): CycleReport => ({
    ...emptyOutcome(),
    stopped: true,
    scanned: 0,
    ...clock.timing(),
  });
  if (isStopped(stop)) return stoppedEarly();
  if (a.entries.at(0)?.kind !== 'dir') {
    const what = a.entries.length === 0 ? 'does not exist' : 'is no longer a directory';
    throw new ReplisyncError('fatal', `source ${a.root} ${what}`);
  }
  refuseEmptySide('source', a, state, options.allowEmptySource || targeted !== undefined);
  refuseEmptySide('replica', b, state, options.allowEmptySource || targeted !== undefined);
  // A targeted cycle reconciles the records of its part; the others are kept as they are.
  const [mine, others] = split(state?.records ?? [], targeted);
  if (state === undefined) {
    log.info(
      options.resync
        ? 'two-way --resync: the first-run rules again (the union of both sides; nothing deleted; differences kept both)'
        : 'first two-way cycle of this pair (no state yet): the union of both sides; nothing deleted; differences kept both',
    );
  }
  const failures = [...a.unreadable, ...b.unreadable].map((f) => (f.path === '' ? { ...f, path: '.' } : f));
  for (const failure of failures) log.error(`cannot read ${showPath(failure.path)}: ${failure.cause}`);
  // Temporary files of a run that was killed: removed from their side, never synced.
  const leftovers = { source: leftoversOf(a), replica: leftoversOf(b) };
  const table = rows(mine, withoutLeftovers(a, leftovers.source), withoutLeftovers(b, leftovers.replica));
  const pairs = pairsToCompare(table, options);
  const { verdicts } = await compareShowing(trees, pairs, { chunkSize: options.chunkSize, stop }, progress);
  if (isStopped(stop)) return stoppedEarly();
  const stamp = conflictStamp(startedAt);
  const decisions = reconcile(
    table,
    [...a.unreadable, ...b.unreadable].map((f) => f.path),
    verdicts,
    {
      conflict: options.conflict,
      firstRun: state === undefined,
      conflictName: (path, loser, taken) => conflictName(path, stamp, loser, taken),
      isConflictCopy,
    },
  );
  const planned = twoWayPlan(table, decisions);
  planned.into.source.leftovers.push(...leftovers.source);
  planned.into.replica.leftovers.push(...leftovers.replica);
  for (const c of planned.conflicts)
    log.warn(
      `conflict ${c.kinds} ${showPath(c.path)} (${state === undefined ? 'different on both sides, never synced' : 'changed on both sides'}; ${c.resolution})`,
    );
  for (const k of planned.keptDirs) {
    log.info(
      `keep dir ${showPath(k.path)}: removed on the ${k.removedOn}, but the ${otherSide(k.removedOn)} changed what it holds`,
    );
  }
  for (const row of table) {
    if (row.source?.kind === 'special' || row.replica?.kind === 'special') {
      warnOnce(
        log,
        `special ${row.path}`,
        `skip special ${showPath(row.path)}: FIFOs, sockets and devices are not synced`,
      );
    }
  }

  // --max-delete counts the deletions of both sides together.
  const removals = (['source', 'replica'] as const).reduce(
    (n, side) => n + planned.into[side].clear.length + planned.into[side].deletes.length,
    0,
  );
  const withheld = options.maxDelete !== undefined && removals > options.maxDelete ? removals : 0;
  const into = {
    source: withheld > 0 ? limitDeletes(planned.into.source, -1).plan : planned.into.source,
    replica: withheld > 0 ? limitDeletes(planned.into.replica, -1).plan : planned.into.replica,
  };
  const maxDeleteError = `--max-delete ${options.maxDelete}: this cycle would delete ${withheld} entries on both sides together, so it deletes none (and makes no kind change)`;
  if (withheld > 0) log.error(maxDeleteError);

  const outcomes: Record<Side, Outcome> = { source: emptyOutcome(), replica: emptyOutcome() };
  if (options.dryRun) {
    for (const side of ['source', 'replica'] as const) {
      for (const op of planned.renames[side]) {
        if (op.op === 'rename') log.info(`[dry-run] rename ${showPath(op.path)} to ${showPath(op.to)}${ARROW[side]}`);
      }
      for (const entry of into[side].leftovers) {
        log.info(`[dry-run] remove leftover temporary file ${showPath(entry.path)}${ARROW[side]}`);
      }
      for (const action of planActions(into[side])) {
        log.info(`[dry-run] ${textOf(action, itemizing(trees, options), ARROW[side])}`, fieldsOf(action, side));
        tally(outcomes[side], action);
      }
    }
  } else {
    const owners = keepsOwners(trees, options);
    const backup = options.backupDir === undefined ? undefined : join(options.backupDir, backupStamp(startedAt));
    const bar = progress?.bar;
    if (bar) {
      const actions = [...planActions(into.replica), ...planActions(into.source)];
      bar.begin(
        progress.job,
        actions.length,
        actions.reduce((sum, x) => sum + bytesOf(x), 0),
      );
    }
    try {
      for (const side of ['source', 'replica'] as const) {
        await renameAll(trees[side], trees[otherSide(side)], planned.renames[side], stop, (op, result) => {
          planned.ledger.settle(op, result.ok === true);
          if (op.op !== 'rename') return;
          if (result.ok === true) log.info(`rename ${showPath(op.path)} to ${showPath(op.to)}${ARROW[side]}`);
          else if (result.ok === false) {
            log.error(
              `rename ${showPath(op.path)} to ${showPath(op.to)}${ARROW[side]} failed: ${result.failure.cause}`,
            );
            recordFailure(outcomes[side], result.failure);
          } else if (result.ok === 'changed') {
            log.warn(
              `rename ${showPath(op.path)}${ARROW[side]} not done: it ${result.reason}; left for the next cycle`,
            );
          }
        });
      }
      for (const side of ['replica', 'source'] as const) {
        const from = otherSide(side);
        outcomes[side] = await execute(into[side], {
          source: trees[from],
          replica: trees[side],
          log,
          stop,
          owners,
          backup: backup === undefined ? undefined : join(backup, side),
          onProgress: bar && ((n, bytes) => bar.advance(n, bytes)),
          sides: { from, to: side, arrow: ARROW[side] },
          itemize: itemizing(trees, options),
          onSettled: (action, done) => planned.ledger.settle(action, done),
        });
        if (outcomes[side].fatal) break;
      }
    } finally {
      bar?.end();
      if (planned.ledger.dirty) {
        const records = planned.ledger.records();
        store.save({
          source: a.root,
          replica: b.root,
          records: others.length === 0 ? records : [...others, ...records].sort((x, y) => comparePaths(x.path, y.path)),
        });
      }
    }
  }
  return report(outcomes, failures, withheld > 0 ? maxDeleteError : undefined, planned.conflicts.length, {
    watched: targeted?.length,
    scanned: a.entries.length,
    time: clock.timing(),
    dryRun: options.dryRun,
    log,
  });
}

/** Runs the conflict renames of one side, each told to `told`. */
function renameAll(
  tree: Tree,
  other: Tree,
  ops: readonly Op[],
  stop: StopFlag,
  told: (op: Op, result: OpResult) => void,
): Promise<void> {
  if (ops.length === 0) return Promise.resolve();
  return tree.apply(ops, { from: other, stop, onResult: (i, result) => told(ops[i] as Op, result) });
}

function report(
  outcomes: Record<Side, Outcome>,
  failures: readonly { path: string; code: string | undefined; cause: string }[],
  maxDeleteError: string | undefined,
  conflicts: number,
  at: { watched: number | undefined; scanned: number; time: CycleTime; dryRun: boolean; log: Logger },
): CycleReport {
  const { source: s, replica: r } = outcomes;
  const outcome: Outcome = {
    created: s.created + r.created,
    updated: s.updated + r.updated,
    deleted: s.deleted + r.deleted,
    backedUp: s.backedUp + r.backedUp,
    failed: s.failed + r.failed,
    bytes: s.bytes + r.bytes,
    fatal: s.fatal || r.fatal,
    stopped: s.stopped || r.stopped,
    failures: [...r.failures, ...s.failures],
  };
  for (const failure of failures) recordFailure(outcome, failure);
  if (maxDeleteError !== undefined) recordFailure(outcome, { path: '.', code: undefined, cause: maxDeleteError });
  const counts = (o: Outcome) => ({ created: o.created, updated: o.updated, deleted: o.deleted });
  const result: CycleReport = {
    ...outcome,
    scanned: at.scanned,
    ...at.time,
    twoWay: { toReplica: counts(r), toSource: counts(s), conflicts },
    ...(at.watched === undefined ? {} : { watched: at.watched }),
  };
  logSummary(at.log, result, at.dryRun);
  return result;
}
