import { type Dir, type Dirent, opendirSync } from 'node:fs';
import { fsPath } from '../names.js';

/** A flat directory of up to this many entries is listed in well under the ~40 ms a pool thread takes to boot. */
const FEW = 256;

/**
 * Whether the tree at `root` is one directory of a few entries and nothing below (or is not
 * there yet): the coordinator walks it before a pool thread could boot to help, so a run over
 * such trees starts no thread until it has something to hash or copy. One partial listing of
 * the root decides; a subdirectory, or an entry of unknown kind, could hold any number more.
 */
export function isSmallTree(root: string): boolean {
  let dir: Dir;
  try {
    dir = opendirSync(fsPath(root), { bufferSize: FEW + 1 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR';
  }
  try {
    for (let seen = 0; seen <= FEW; seen++) {
      const entry = dir.readSync();
      if (entry === null) return true;
      if (!notADirectory(entry)) return false;
    }
    return false;
  } catch {
    return false;
  } finally {
    dir.closeSync();
  }
}

/** Known not to be a directory (an entry of unknown kind may be one). */
const notADirectory = (entry: Dirent): boolean =>
  entry.isFile() ||
  entry.isSymbolicLink() ||
  entry.isFIFO() ||
  entry.isSocket() ||
  entry.isBlockDevice() ||
  entry.isCharacterDevice();
