import { parentOf } from '../../tree/order.js';
import { isLeftover } from '../../tree/temp.js';
import { type Entry, entryArray, type Snapshot } from '../../tree/tree.js';
import type { Synced } from './state.js';

/**
 * The records a targeted cycle over `roots` reconciles (those on the way to a root or within
 * one) and the rest; all are the first with no roots.
 */
export function split(records: readonly Synced[], roots: readonly string[] | undefined): [Synced[], Synced[]] {
  if (roots === undefined) return [records as Synced[], []];
  const subtrees = new Set(roots);
  const onTheWay = new Set<string>(['']);
  for (const root of roots) for (let p = parentOf(root); p !== undefined; p = parentOf(p)) onTheWay.add(p);
  const inScope = (path: string): boolean => {
    if (onTheWay.has(path)) return true;
    for (let p: string | undefined = path; p !== undefined && p !== ''; p = parentOf(p))
      if (subtrees.has(p)) return true;
    return false;
  };
  const mine: Synced[] = [];
  const others: Synced[] = [];
  for (const record of records) (inScope(record.path) ? mine : others).push(record);
  return [mine, others];
}

export function leftoversOf(s: Snapshot): Entry[] {
  const found: Entry[] = [];
  for (let i = 0; i < s.entries.length; i++) {
    const entry = s.entries.at(i) as Entry;
    if (isLeftover(entry)) found.push(entry);
  }
  return found;
}

/** The snapshot without the `leftovers` that `leftoversOf` found in it. */
export const withoutLeftovers = (s: Snapshot, leftovers: readonly Entry[]): Snapshot =>
  leftovers.length === 0 ? s : { ...s, entries: entryArray(s.entries).filter((e) => !isLeftover(e)) };
