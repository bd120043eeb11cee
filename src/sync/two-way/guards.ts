import { ReplisyncError } from '../../errors.js';
import type { Snapshot } from '../../tree/tree.js';
import type { Side } from './reconcile.js';
import type { PairState } from './state.js';

/**
 * One side that holds nothing while the state says both held something: an unmounted disk, or
 * a folder emptied by mistake, which would otherwise empty the other side too.
 */
export function refuseEmptySide(side: Side, snapshot: Snapshot, state: PairState | undefined, allow: boolean): void {
  if (allow || state === undefined || state.records.length <= 1) return;
  if (snapshot.entries.length <= 1 && snapshot.unreadable.length === 0) {
    throw new ReplisyncError(
      'fatal',
      `${side} ${snapshot.root} is ${snapshot.entries.length === 0 ? 'missing' : 'empty'} but held ${state.records.length - 1} entries at the last sync: ` +
        'refusing to delete them on the other side (is a disk not mounted?); pass --allow-empty-source to allow it',
    );
  }
}
