import { showPath } from '../../report/text.js';
import { comparePaths, parentOf } from '../../tree/order.js';
import type { Entry, Expect, Op } from '../../tree/tree.js';
import { type Action, emptyPlan, type Plan } from '../actions.js';
import { type Decision, otherSide, type Row, type Side } from './reconcile.js';
import { type Synced, syncedOf } from './state.js';

/** A conflict as the log tells it. */
export interface Conflict {
  readonly path: string;
  readonly kinds: string;
  readonly resolution: string;
}

/** What a two-way cycle runs: conflict renames first, then one one-way plan into each side. */
export interface TwoWayPlan {
  /** Written into each side, with content from the other. */
  readonly into: Record<Side, Plan>;
  readonly renames: Record<Side, Op[]>;
  readonly conflicts: Conflict[];
  /** Directories one side removed that stay, since the other side changed something inside. */
  readonly keptDirs: { readonly path: string; readonly removedOn: Side }[];
  readonly ledger: Ledger;
}

const expectOf = (entry: Entry | undefined): Expect =>
  entry === undefined ? 'absent' : { kind: entry.kind, size: entry.size, mtimeMs: entry.mtimeMs };

interface Item {
  readonly base: Synced | undefined;
  readonly next: Synced[];
  readonly steps: number;
  done: number;
  failed: boolean;
}

/**
 * The next state, kept as the cycle runs: each path's new records count only once every step
 * of it was done; otherwise its old record stays (or none), so the next cycle sees the same
 * change again and no step is ever taken for agreed when it was not.
 */
export class Ledger {
  /** In row order: a record that stands, or a path with steps still to be settled. */
  readonly #slots: (Synced | Item)[] = [];
  readonly #of = new Map<Action | Op, Item>();
  #reordered = false;
  /** Whether the new state may differ from the old one (else it need not be written). */
  dirty = false;

  /** A path with nothing to do: its record is `next` (undefined for none). */
  keep(base: Synced | undefined, next: Synced | undefined): void {
    if (next !== undefined) this.#slots.push(next);
    if (next !== base) this.dirty = true;
  }

  add(base: Synced | undefined, next: Synced[], steps: readonly (Action | Op)[]): void {
    const item: Item = { base, next, steps: steps.length, done: 0, failed: false };
    this.#slots.push(item);
    for (const step of steps) this.#of.set(step, item);
    this.dirty = true;
    if (next.length > 1) this.#reordered = true;
  }

  settle(step: Action | Op, done: boolean): void {
    const item = this.#of.get(step);
    if (item === undefined) return;
    if (done) item.done++;
    else item.failed = true;
  }

  /** The records of the new state, in snapshot order. */
  records(): Synced[] {
    const out: Synced[] = [];
    for (const slot of this.#slots) {
      if (!('steps' in slot)) out.push(slot);
      else if (!slot.failed && slot.done === slot.steps) out.push(...slot.next);
      else if (slot.base !== undefined) out.push(slot.base);
    }
    // Conflict copies were added beside their originals: the only records that may be out of order.
    return this.#reordered ? out.sort((x, y) => comparePaths(x.path, y.path)) : out;
  }
}

class Builder {
  readonly plan = emptyPlan();
  readonly #cleared = new Set<string>();

  /** `entry` (the other side's) written here over `over` (this side's entry there, if any). */
  copy(entry: Entry, over: Entry | undefined): Action {
    const expect = expectOf(over);
    if (over === undefined) {
      const action: Action = { op: 'create', entry, expect };
      this.#put(action);
      return action;
    }
    const change = over.kind !== entry.kind ? 'kind' : entry.kind === 'symlink' ? 'target' : 'content';
    if (change === 'kind' && over.kind === 'dir') this.#cleared.add(entry.path);
    const action: Action = { op: 'update', entry, change, expect };
    this.#put(action);
    return action;
  }

  meta(entry: Entry, over: Entry): Action {
    const action: Action = { op: 'update', entry, change: 'metadata', expect: expectOf(over) };
    (entry.kind === 'dir' ? this.plan.dirMeta : this.plan.transfers).push(action);
    return action;
  }

  delete(entry: Entry): Action {
    const action: Action = { op: 'delete', entry, expect: expectOf(entry) };
    if (this.#cleared.has(parentOf(entry.path) ?? '')) {
      this.#cleared.add(entry.path);
      this.plan.clear.push(action);
    } else this.plan.deletes.push(action);
    return action;
  }

  #put(action: Action): void {
    if (action.entry.kind !== 'dir') this.plan.transfers.push(action);
    else {
      this.plan.dirs.push(action);
      // Created owner-writable; its own mode is set once what it holds is written.
      this.plan.restamp.push(action.entry);
    }
  }

  done(): Plan {
    this.plan.clear.reverse();
    this.plan.deletes.reverse();
    return this.plan;
  }
}

/** Turns the decisions of `reconcile` into the steps of a cycle and its ledger (pure). */
export function twoWayPlan(table: readonly Row[], decisions: readonly Decision[]): TwoWayPlan {
  const into = { source: new Builder(), replica: new Builder() };
  const renames: Record<Side, Op[]> = { source: [], replica: [] };
  const conflicts: Conflict[] = [];
  const keptDirs: TwoWayPlan['keptDirs'] = [];
  const ledger = new Ledger();
  table.forEach((row, i) => {
    const d = decisions[i] as Decision;
    const { base } = row;
    switch (d.do) {
      case 'none': {
        const a = row.source as Entry;
        const unchanged = base !== undefined && !row.changedSource && !row.changedReplica;
        ledger.keep(base, unchanged ? base : syncedOf(a, a.mtimeMs, (row.replica as Entry).mtimeMs));
        return;
      }
      case 'keep':
        ledger.keep(base, base);
        return;
      case 'drop':
        ledger.keep(base, undefined);
        return;
      case 'delete': {
        ledger.add(base, [], [into[d.on].delete(row[d.on] as Entry)]);
        return;
      }
      case 'meta':
      case 'copy': {
        const from = row[otherSide(d.to)] as Entry;
        const over = row[d.to];
        const step = d.do === 'meta' ? into[d.to].meta(from, over as Entry) : into[d.to].copy(from, over);
        ledger.add(base, [syncedOf(from)], [step]);
        if (d.do === 'copy' && d.why === 'conflict') {
          conflicts.push({
            path: row.path,
            kinds: kindsOf(row),
            resolution: `the ${otherSide(d.to)}'s version wins, the ${d.to}'s is replaced`,
          });
        }
        if (d.do === 'copy' && d.why === 'restored' && from.kind === 'dir' && base?.kind === 'dir') {
          keptDirs.push({ path: row.path, removedOn: d.to });
        }
        return;
      }
      case 'keep-both': {
        const loser = row[d.loser] as Entry;
        const winnerSide = otherSide(d.loser);
        const winner = row[winnerSide] as Entry;
        const copy = { ...loser, path: d.as };
        const rename: Op = { op: 'rename', path: row.path, to: d.as, expect: expectOf(loser) };
        renames[d.loser].push(rename);
        const steps = [rename, into[d.loser].copy(winner, undefined), into[winnerSide].copy(copy, undefined)];
        ledger.add(base, [syncedOf(winner), syncedOf(copy)], steps);
        conflicts.push({
          path: row.path,
          kinds: kindsOf(row),
          resolution: `both kept: the ${d.loser}'s version is now ${showPath(d.as)} on both sides`,
        });
      }
    }
  });
  return { into: { source: into.source.done(), replica: into.replica.done() }, renames, conflicts, keptDirs, ledger };
}

const kindsOf = (row: Row): string =>
  row.source?.kind === row.replica?.kind ? `${row.source?.kind}` : `${row.source?.kind}/${row.replica?.kind}`;
