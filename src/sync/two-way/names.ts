import { nameOf, parentOf } from '../../tree/order.js';
import type { Side } from './reconcile.js';

const pad = (n: number): string => String(n).padStart(2, '0');

/** `20261201-101500`: the cycle's start in UTC, as conflict copies carry it. */
export const conflictStamp = (d: Date): string =>
  `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}-` +
  `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;

const COPY = /\.sync-conflict-\d{8}-\d{6}-(source|replica)(-\d+)?(\.[^.]*)?$/;

/** Whether a path is a conflict copy: such a copy never gets one of its own. */
export const isConflictCopy = (path: string): boolean => COPY.test(nameOf(path));

/**
 * `report.pdf` → `report.sync-conflict-20261201-101500-replica.pdf`, beside it: the extension
 * stays last, so the copy still opens with the same program; a dotfile's name is all stem.
 * A name already taken gets `-2`, `-3`… after the side.
 */
export function conflictName(path: string, stamp: string, loser: Side, taken: (path: string) => boolean): string {
  const name = nameOf(path);
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  const dir = parentOf(path) ?? '';
  for (let n = 1; ; n++) {
    const candidate = `${dir === '' ? '' : `${dir}/`}${stem}.sync-conflict-${stamp}-${loser}${n === 1 ? '' : `-${n}`}${ext}`;
    if (!taken(candidate)) return candidate;
  }
}
