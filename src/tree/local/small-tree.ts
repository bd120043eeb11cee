import { type Dir, type Dirent, opendirSync } from 'node:fs';
import { fsPath } from '../names.js';

/**
 * A tree of up to this many entries is walked (with its other side) on the coordinator in less
 * time than a pool thread takes to boot and take its first task while the program loads.
 */
const FEW = 2000;
/** Entries read per listing call: the probe stops soon after it has seen enough. */
const BUFFER = 128;

/**
 * Whether the tree at `root` holds at most a few entries (or is not there yet): the coordinator
 * walks it before a pool thread could boot to help, so a run over such trees starts no thread
 * until it has something to hash or copy. Its directories are listed until more than that many
 * entries are seen; any doubt (an entry of unknown kind, a listing that fails) says no.
 */
export function isSmallTree(root: string): boolean {
  const dirs = [root];
  let seen = 0;
  for (let next = dirs.shift(); next !== undefined; next = dirs.shift()) {
    let dir: Dir;
    try {
      dir = opendirSync(fsPath(next), { bufferSize: BUFFER });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return next === root && (code === 'ENOENT' || code === 'ENOTDIR');
    }
    try {
      for (let entry = dir.readSync(); entry !== null; entry = dir.readSync()) {
        if (++seen > FEW) return false;
        if (entry.isDirectory()) dirs.push(`${next}/${entry.name}`);
        else if (!notADirectory(entry)) return false;
      }
    } catch {
      return false;
    } finally {
      dir.closeSync();
    }
  }
  return true;
}

/** Known not to be a directory (an entry of unknown kind may be one). */
const notADirectory = (entry: Dirent): boolean =>
  entry.isFile() ||
  entry.isSymbolicLink() ||
  entry.isFIFO() ||
  entry.isSocket() ||
  entry.isBlockDevice() ||
  entry.isCharacterDevice();
