import { parentOf } from '../tree/order.js';
import { isLeftover } from '../tree/temp.js';
import type { Entry, Snapshot } from '../tree/tree.js';
import { type Action, emptyPlan, type Plan } from './actions.js';
import { difference, type EqualOptions, needsHash, type Verdicts } from './equal.js';
import { LinkGroups } from './links.js';
import { march } from './march.js';

/** Same-size file pairs whose content must be hashed before they can be planned. */
export function pairsToHash(source: Snapshot, replica: Snapshot, options: EqualOptions): Entry[] {
  const pairs: Entry[] = [];
  march(source, replica, {
    sourceOnly: () => true,
    replicaOnly: () => true,
    both: (s, r) => {
      if (needsHash(s, r, options)) pairs.push(s);
      return true;
    },
  });
  return pairs;
}

/**
 * Decides every operation of a cycle from two snapshots and the hash verdicts of
 * {@link pairsToHash}. Pure: no I/O.
 *
 * Removals: replica entries the source lacks go to `deletes`; those below an entry that
 * becomes another kind go to `clear`. Nothing is removed below a source path that could
 * not be read, or that is a special file: absent there means unseen, not deleted.
 * `hiddenInReplica` names paths whose replica directory the replica's excludes would hide.
 */
export function plan(
  source: Snapshot,
  replica: Snapshot,
  options: EqualOptions,
  verdicts: Verdicts,
  hiddenInReplica?: (path: string) => boolean,
): Plan {
  return finish(marched(source, replica, options, verdicts, hiddenInReplica));
}

/**
 * A plan made in one march, with the same-size pairs whose content it must know first left
 * open (`pairs`, to be compared); `decide` fills them in from their verdicts, once. An open
 * pair decides only its own update; when one is a name of a hard-linked file (its verdict
 * decides its group), or there are too many to keep both sides of, `decide` plans again.
 * A cycle with nothing to compare, or a few changed files, reads its snapshots once instead of
 * twice (a march over a million entries takes about 0.25 s).
 */
export interface Draft {
  readonly pairs: readonly Entry[];
  decide(verdicts: Verdicts): Plan;
  /**
   * The plan without verdicts: each open pair an update the copy compares first (`unlessSame`)
   * where the same bytes would make it `metadata`. Undefined when `decide` would march again
   * (a name of a hard-linked file among the pairs, or too many of them). A draft makes one
   * plan: once either has made it, both give it back.
   */
  decideAtCopy(): Plan | undefined;
}

/** Open pairs kept with both sides up to this many; past it `decide` marches again. */
const OPEN_PAIRS = 10_000;

interface Open {
  readonly s: Entry;
  readonly r: Entry;
  /** How many transfers were planned before it. */
  readonly at: number;
}

export function draftPlan(
  source: Snapshot,
  replica: Snapshot,
  options: EqualOptions,
  hiddenInReplica?: (path: string) => boolean,
): Draft {
  const pairs: Entry[] = [];
  let open: Open[] | undefined = [];
  const draft = marched(source, replica, options, new Map(), hiddenInReplica, (s, r, at) => {
    pairs.push(s);
    if (open !== undefined && ((options.hardLinks && s.link !== undefined) || open.length === OPEN_PAIRS))
      open = undefined;
    open?.push({ s, r, at });
  });
  let decided: Plan | undefined;
  return {
    pairs,
    decide(verdicts) {
      decided ??=
        open === undefined
          ? plan(source, replica, options, verdicts, hiddenInReplica)
          : finish(withOpen(draft, open, options, verdicts));
      return decided;
    },
    decideAtCopy() {
      if (open === undefined) return undefined;
      decided ??= finish(withOpen(draft, open, options, undefined));
      return decided;
    },
  };
}

/**
 * The open pairs' updates put in their places among the transfers, walk order kept. Without
 * verdicts, a pair the same bytes would leave a `metadata` update is left to the copy to
 * compare (see `Draft.decideAtCopy`).
 */
function withOpen(
  draft: Marched,
  open: readonly Open[],
  options: EqualOptions,
  verdicts: Verdicts | undefined,
): Marched {
  const transfers: Action[] = [];
  let next = 0;
  const placeUpTo = (upTo: number): void => {
    for (; next < open.length && (open[next] as Open).at <= upTo; next++) {
      const { s, r } = open[next] as Open;
      const change = difference(s, r, options, verdicts ?? new Map([[s.path, true]]));
      if (change === undefined) continue;
      if (verdicts === undefined && change === 'metadata')
        transfers.push({ op: 'update', entry: s, change: 'content', was: r, unlessSame: true });
      else transfers.push({ op: 'update', entry: s, change, was: r });
      if (verdicts === undefined || change !== 'metadata') draft.disturb(s.path);
    }
  };
  draft.result.transfers.forEach((action, i) => {
    placeUpTo(i);
    transfers.push(action);
  });
  placeUpTo(draft.result.transfers.length);
  return { ...draft, result: { ...draft.result, transfers } };
}

/** A march's plan before its finishing touches, and what they need. */
interface Marched {
  readonly result: Plan;
  readonly disturbed: ReadonlySet<string>;
  /** In walk order. */
  readonly sourceDirs: ReadonlyMap<string, Entry>;
  readonly disturb: (path: string) => void;
}

/** With `open`, a pair without its verdict goes there instead of being planned (see `draftPlan`). */
function marched(
  source: Snapshot,
  replica: Snapshot,
  options: EqualOptions,
  verdicts: Verdicts,
  hiddenInReplica: ((path: string) => boolean) | undefined,
  open?: (s: Entry, r: Entry, at: number) => void,
): Marched {
  const result = emptyPlan();
  const unreadable = new Set(source.unreadable.map((f) => f.path));
  const cleared = new Set<string>();
  const disturbed = new Set<string>();
  const sourceDirs = new Map<string, Entry>();
  const groups = new LinkGroups();
  const disturb = (path: string): void => {
    const parent = parentOf(path);
    if (parent !== undefined) disturbed.add(parent);
  };

  march(source, replica, {
    // Unless every file is hashed, a pair the same in every number (and no hard link, no setid
    // bit, which the plan treats apart) is left as it is.
    twinsNeedNothing: !options.checksum,
    sourceOnly(s) {
      if (s.kind === 'special') {
        result.skipped.push(s);
        return;
      }
      if (s.kind === 'dir') {
        sourceDirs.set(s.path, s);
        disturbed.add(s.path);
      }
      disturb(s.path);
      const leader = options.hardLinks ? groups.leaderOf(s) : undefined;
      if (leader) result.links.push({ op: 'create', entry: s, linkTo: leader.path });
      else if (s.kind === 'dir') result.dirs.push({ op: 'create', entry: s });
      else {
        groups.lead(s, undefined, true);
        result.transfers.push(
          hiddenInReplica?.(s.path) ? { op: 'create', entry: s, overExcluded: true } : { op: 'create', entry: s },
        );
      }
    },
    both(s, r) {
      if (s.kind === 'special') {
        result.skipped.push(s);
        return false;
      }
      if (s.kind === 'dir') sourceDirs.set(s.path, s);
      const leader = options.hardLinks ? groups.leaderOf(s) : undefined;
      if (leader) {
        if (LinkGroups.linked(leader, r)) return true;
        if (r.kind === 'dir') cleared.add(r.path);
        result.links.push({
          op: 'update',
          entry: s,
          change: r.kind === 'dir' ? 'kind' : 'link',
          linkTo: leader.path,
          was: r,
        });
        disturb(s.path);
        return true;
      }
      if (open !== undefined && needsHash(s, r, options) && !verdicts.has(s.path)) {
        open(s, r, result.transfers.length);
        return !unreadable.has(s.path);
      }
      const change = difference(s, r, options, verdicts);
      if (options.hardLinks) groups.lead(s, r, change === 'content' || change === 'kind');
      if (change !== undefined) {
        const action: Action = { op: 'update', entry: s, change, was: r };
        if (change === 'kind') cleared.add(r.path);
        if (s.kind !== 'dir') result.transfers.push(action);
        else if (change !== 'kind') result.dirMeta.push(action);
        else {
          result.dirs.push(action);
          disturbed.add(s.path);
        }
        if (change !== 'metadata') disturb(s.path);
      }
      return !unreadable.has(s.path);
    },
    replicaOnly(r) {
      if (unreadable.has(r.path)) return false;
      if (cleared.has(parentOf(r.path) ?? '')) {
        cleared.add(r.path);
        result.clear.push({ op: 'delete', entry: r });
      } else if (isLeftover(r)) {
        result.leftovers.push(r);
        disturb(r.path);
      } else {
        result.deletes.push({ op: 'delete', entry: r });
        disturb(r.path);
      }
    },
  });

  return { result, disturbed, sourceDirs, disturb };
}

function finish({ result, disturbed, sourceDirs }: Marched): Plan {
  // Snapshots list parents before children, so the reverse lists children first.
  result.clear.reverse();
  result.deletes.reverse();
  const stamped = new Set(result.dirMeta.map((a) => a.entry.path));
  for (const [path, dir] of sourceDirs) if (disturbed.has(path) && !stamped.has(path)) result.restamp.push(dir);
  return result;
}
