import { realpathSync } from 'node:fs';

/** A write that would have gone through a symlink, out of the tree it belongs to. */
export class SymlinkEscape extends Error {
  constructor(dir: string, real: string) {
    super(`${dir} leads through a symlink to ${real}: nothing is written or deleted there`);
  }
}

/**
 * Throws unless `dir` is its own real path, i.e. no component of it is a symlink. Checked at
 * the point of writing, not only at scan time, since a directory can be swapped for a
 * symlink in between. `verified` caches the directories already checked in one batch.
 */
export function assertRealDir(dir: string, verified: Set<string>): void {
  if (verified.has(dir)) return;
  const real = realpathSync.native(dir);
  if (real !== dir) throw new SymlinkEscape(dir, real);
  verified.add(dir);
}
