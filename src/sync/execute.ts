import { classify } from '../errors.js';
import { type Itemizing, itemize } from '../report/itemize.js';
import { Fields, type Logger } from '../report/log.js';
import { bytesOf, emptyOutcome, type Outcome, recordFailure, tally } from '../report/tally.js';
import { describe, showPath } from '../report/text.js';
import { type Entry, isStopped, type Op, type OpResult, type Owner, type StopFlag, type Tree } from '../tree/tree.js';
import { type Action, type Plan, planActions } from './actions.js';
import { modeToWrite } from './equal.js';

export interface ExecuteContext {
  readonly source: Tree;
  readonly replica: Tree;
  readonly log: Logger;
  /** Raised on shutdown: nothing new starts. */
  readonly stop: StopFlag;
  /** Replica directories may hold excluded entries (excludes without deleteExcluded): one that cannot be emptied is kept. */
  readonly keepsExcluded?: boolean;
  /** Owner and group are kept (see `EqualOptions.owners`). */
  readonly owners?: boolean;
  /** This cycle's backup folder (`--backup-dir`), if any. */
  readonly backup?: string;
  /** Told of each finished action (done or failed) and the bytes it copied. */
  readonly onProgress?: (entries: number, bytes: number) => void;
  /** The sides' names in log lines (`source`, `replica`), and a suffix naming where each action writes (two-way). */
  readonly sides?: { readonly from: string; readonly to: string; readonly arrow: string };
  /** Told of each action whether it was done. */
  readonly onSettled?: (action: Action, done: boolean) => void;
  /** `--itemize-changes`: operations are logged as rsync's change strings. */
  readonly itemize?: Itemizing;
}

/** An action as data (`--log-format json`). */
export const fieldsOf = (action: Action, to?: string): Fields =>
  new Fields({
    op: action.op,
    kind: action.entry.kind,
    path: action.entry.path,
    ...(action.op === 'update' ? { change: action.change } : {}),
    ...(to === undefined ? {} : { to }),
  });

/** An action's log text: `create file a` (with the side it writes, in two-way mode), or rsync's `>f+++++++++ a`. */
export const textOf = (action: Action, itemizing: Itemizing | undefined, arrow = ''): string =>
  itemizing ? itemize(action, itemizing) : describe(action) + arrow;

/** One op of a plan and how its result is told: as an action, a leftover's removal, or a silent restamp. */
type Step =
  | { readonly op: Op; readonly action: Action }
  | { readonly op: Op; readonly leftover: Entry }
  | { readonly op: Op; readonly restamp: Entry };

const remove = (entry: Entry): Op => ({ op: 'remove', path: entry.path, kind: entry.kind });
const ownerOf = (entry: Entry, owners: boolean): Owner => (owners ? { uid: entry.uid, gid: entry.gid } : undefined);
const meta = (entry: Entry, owners: boolean): Op => ({
  op: 'meta',
  path: entry.path,
  kind: entry.kind,
  mode: modeToWrite(entry, owners),
  mtimeMs: entry.mtimeMs,
  owner: ownerOf(entry, owners),
});

function write(action: Action, owners: boolean): Op {
  const { entry, expect } = action;
  if (action.op === 'delete') return { op: 'remove', path: entry.path, kind: entry.kind, expect };
  if (action.op === 'update' && action.change === 'metadata') return meta(entry, owners);
  const kindChange = action.op === 'update' && action.change === 'kind';
  if (action.linkTo !== undefined) {
    return { op: 'link', path: entry.path, target: action.linkTo, replacing: kindChange ? 'emptied' : 'nothing' };
  }
  if (entry.kind === 'dir') return { op: 'mkdir', path: entry.path, replacing: kindChange, expect };
  const replacing = kindChange ? 'emptied' : action.op === 'create' && action.overExcluded ? 'excluded' : 'nothing';
  return {
    op: entry.kind === 'symlink' ? 'symlink' : 'put',
    path: entry.path,
    entry,
    mode: modeToWrite(entry, owners),
    owner: ownerOf(entry, owners),
    replacing,
    expect,
    ...(action.op === 'update' && action.unlessSame ? { unlessSame: true } : {}),
  };
}

/** The action as it turned out: an update the copy found to hold the same bytes changed only metadata. */
const asDone = (action: Action, result: OpResult): Action =>
  result.ok === true && result.same && action.op === 'update'
    ? { op: 'update', entry: action.entry, change: 'metadata', ...(action.was ? { was: action.was } : {}) }
    : action;

/**
 * Runs a plan against the replica: leftovers and clearing, then directories (parents first),
 * then files and symlinks (in parallel where the tree can), then deletions (deepest first),
 * and last the directory modes and mtimes, which every write inside a directory would disturb.
 */
export async function execute(plan: Plan, ctx: ExecuteContext): Promise<Outcome> {
  const outcome = emptyOutcome();
  const owners = ctx.owners === true;
  const steps: Step[] = [
    ...plan.leftovers.map((leftover) => ({ op: remove(leftover), leftover })),
    ...planActions(plan).map((action) => ({
      op: write(action, owners),
      action,
    })),
    ...plan.restamp.map((restamp) => ({ op: meta(restamp, owners), restamp })),
  ];
  const told = (step: Step, result: OpResult): void => {
    if (result.ok === 'skipped') {
      if (isStopped(ctx.stop)) outcome.stopped = true;
      return;
    }
    if ('leftover' in step) {
      const text = `remove leftover temporary file ${showPath(step.leftover.path)}`;
      if (result.ok === false) {
        ctx.log.error(`${text} failed: ${result.failure.cause}`);
        recordFailure(outcome, result.failure);
      } else ctx.log.info(text);
      return;
    }
    const action =
      'action' in step
        ? asDone(step.action, result)
        : { op: 'update' as const, entry: step.restamp, change: 'metadata' as const };
    if ('action' in step) ctx.onSettled?.(action, result.ok === true);
    // A restamp that worked is silent: no line to build for it.
    if (result.ok === true && 'restamp' in step) return;
    const text = textOf(action, ctx.itemize, ctx.sides?.arrow);
    if (result.ok === true) {
      if (result.backedUp) {
        // What the action removes or replaces is the replica's old entry: for a kind change that is another kind.
        const kindChange = action.op === 'update' && action.change === 'kind';
        ctx.log.info(`backup ${kindChange ? 'entry' : action.entry.kind} ${showPath(action.entry.path)}`);
        outcome.backedUp++;
      }
      ctx.log.info(text, fieldsOf(action, ctx.sides?.to));
      tally(outcome, action);
      // As planned: a file the copy found the same was read through all the same, and the live line's total counted it.
      ctx.onProgress?.(1, bytesOf('action' in step ? step.action : action));
    } else if (result.ok === 'changed') {
      const what = result.here
        ? `what the ${ctx.sides?.to ?? 'replica'} holds there`
        : `the ${ctx.sides?.from ?? 'source'}`;
      ctx.log.warn(`${text} not done: ${what} ${result.reason}; left for the next cycle`);
    } else if (ctx.keepsExcluded && action.op === 'delete' && result.failure.code === 'ENOTEMPTY') {
      ctx.log.info(`keep dir ${showPath(action.entry.path)}: it holds excluded entries`);
    } else {
      const kind = classify(result.failure.code);
      if (kind === 'retry') {
        ctx.log.warn(`${text} not done: ${result.failure.cause}; left for the next cycle`);
        return;
      }
      recordFailure(outcome, result.failure);
      ctx.log.error(`${text} failed: ${result.failure.cause}`);
      ctx.onProgress?.(1, 0);
      if (kind === 'fatal' && !outcome.fatal) {
        outcome.fatal = true;
        ctx.log.error(
          `the ${ctx.sides?.to ?? 'replica'} takes no more writes (${result.failure.code}): this cycle stops here`,
        );
      }
    }
  };
  await ctx.replica.apply(
    steps.map((s) => s.op),
    { from: ctx.source, stop: ctx.stop, backup: ctx.backup, onResult: (i, result) => told(steps[i] as Step, result) },
  );
  return outcome;
}
