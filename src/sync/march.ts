import { comparePaths, isBelow } from '../tree/order.js';
import type { Entry, Snapshot } from '../tree/tree.js';

/**
 * What a march reports, once per path, as rclone's march does: in the source only, in the
 * replica only, or in both. Each case may answer `false` to skip every path below this one.
 */
export interface Marcher {
  sourceOnly(source: Entry): boolean | undefined;
  replicaOnly(replica: Entry): boolean | undefined;
  both(source: Entry, replica: Entry): boolean | undefined;
  /**
   * Whether a pair the snapshots call plain twins (`Entries.plainTwin`) needs no visit: such a
   * pair is then passed over without its entries ever being made, which is most of a re-sync.
   */
  readonly twinsNeedNothing?: boolean;
}

/** Walks two snapshots side by side in one linear merge: no lookup tables. */
export function march(source: Snapshot, replica: Snapshot, marcher: Marcher): void {
  const a = source.entries;
  const b = replica.entries;
  let i = 0;
  let j = 0;
  // Below a path whose case answered false, everything is skipped on both sides.
  let skip: string | undefined;
  const twins = marcher.twinsNeedNothing === true && a.plainTwin !== undefined;
  while (i < a.length || j < b.length) {
    if (twins && skip === undefined && a.plainTwin?.(i, b, j)) {
      i++;
      j++;
      continue;
    }
    const s = a.at(i);
    const r = b.at(j);
    const order = s === undefined ? 1 : r === undefined ? -1 : s.path === r.path ? 0 : comparePaths(s.path, r.path);
    const entry = (order <= 0 ? s : r) as Entry;
    if (order <= 0) i++;
    if (order >= 0) j++;
    if (skip !== undefined && isBelow(entry.path, skip)) continue;
    skip = undefined;
    const recurse =
      order === 0
        ? marcher.both(s as Entry, r as Entry)
        : order < 0
          ? marcher.sourceOnly(s as Entry)
          : marcher.replicaOnly(r as Entry);
    if (recurse === false) skip = entry.path;
  }
}
