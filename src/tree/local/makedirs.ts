import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { errnoCode } from '../../errors.js';

/**
 * `mkdir -p`: creates `path` and whatever ancestors it lacks, each with `mode`; an existing
 * directory is fine. Node's `mkdirSync(path, { recursive: true })` spins forever at full CPU
 * where a directory exists but refuses a child with ENOENT (anything under /proc or /sys);
 * here a parent is created at most once per level, and a second ENOENT is the answer.
 */
export function makeDirs(path: string, mode = 0o777): void {
  try {
    mkdirSync(path, { mode });
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'EEXIST' && statSync(path, { throwIfNoEntry: false })?.isDirectory() === true) return;
    const parent = dirname(path);
    if (code !== 'ENOENT' || parent === path) throw error;
    try {
      makeDirs(parent, mode);
    } catch (failure) {
      // A parent that exists but is no directory (a file, a dangling symlink): the child's own mkdir says why.
      if (errnoCode(failure) !== 'EEXIST') throw failure;
    }
    mkdirSync(path, { mode });
  }
}
