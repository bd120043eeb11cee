import { ReplisyncError } from '../errors.js';
import type { Snapshot } from '../tree/tree.js';
import type { Action, Plan } from './actions.js';

/**
 * A source that holds nothing (its root alone, all of it read) while the replica holds
 * something: most often a disk that is not mounted. Refused unless `allowEmptySource`.
 */
export function refuseEmptySource(source: Snapshot, replica: Snapshot, allowEmptySource: boolean): void {
  const root = source.entries.at(0);
  if (root?.kind !== 'dir') {
    throw new ReplisyncError(
      'fatal',
      `source ${source.root} ${root === undefined ? 'does not exist' : 'is no longer a directory'}`,
    );
  }
  if (
    !allowEmptySource &&
    source.entries.length === 1 &&
    source.unreadable.length === 0 &&
    replica.entries.length > 1
  ) {
    throw new ReplisyncError(
      'fatal',
      `source ${source.root} is empty but the replica is not: refusing to delete everything (is a disk not mounted?); ` +
        'pass --allow-empty-source to allow it',
    );
  }
}

/**
 * `--max-delete`: when a plan removes more than `max` replica entries, it removes none of
 * them. Creates and updates still run, but not kind changes, which replace what is there,
 * nor anything below them.
 */
export function limitDeletes(p: Plan, max: number): { plan: Plan; withheld: number } {
  const removals = p.clear.length + p.deletes.length;
  if (removals <= max) return { plan: p, withheld: 0 };
  const isReplacement = (a: Action): boolean => a.op === 'update' && a.change === 'kind';
  const replaced = [...p.dirs, ...p.transfers, ...p.links].filter(isReplacement).map((a) => `${a.entry.path}/`);
  const keep = (a: Action): boolean => !isReplacement(a) && !replaced.some((prefix) => a.entry.path.startsWith(prefix));
  return {
    plan: {
      ...p,
      clear: [],
      deletes: [],
      dirs: p.dirs.filter(keep),
      transfers: p.transfers.filter(keep),
      links: p.links.filter(keep),
    },
    withheld: removals,
  };
}
