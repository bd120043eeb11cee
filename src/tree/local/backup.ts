import {
  copyFileSync,
  linkSync,
  lstatSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { errnoCode } from '../../errors.js';
import { STAMP } from '../backup-folder.js';
import { type FsPath, fsPath } from '../names.js';
import { makeDirs } from './makedirs.js';

/**
 * Where a cycle keeps what it would otherwise lose (`--backup-dir`): an entry it deletes or
 * overwrites in the replica goes to `<folder>/<relative path>` instead, a rename where the
 * folder is on the same filesystem, a copy across filesystems. Chosen once per cycle: the
 * plan does not change, only how the replica's removals are done.
 */
export class Backup {
  constructor(readonly folder: string) {}

  #target(rel: string): FsPath {
    makeDirs(dirname(`${this.folder}/${rel}`));
    return fsPath(`${this.folder}/${rel}`);
  }

  /** Instead of deleting `at` (a file or symlink): moved into the backup. */
  move(at: FsPath, rel: string): void {
    const target = this.#target(rel);
    try {
      renameSync(at, target);
    } catch (error) {
      if (errnoCode(error) !== 'EXDEV') throw error;
      copyEntry(at, target);
      unlinkSync(at);
    }
  }

  /** Before `at` is overwritten: a second name for it in the backup (a copy across filesystems), so the final path never goes missing. */
  keep(at: FsPath, rel: string): void {
    const target = this.#target(rel);
    try {
      linkSync(at, target);
    } catch (error) {
      if (errnoCode(error) !== 'EXDEV') throw error;
      copyEntry(at, target);
    }
  }

  /** A deleted directory's place in the backup (its contents went there one by one). */
  dir(rel: string): void {
    makeDirs(`${this.folder}/${rel}`);
  }
}

function copyEntry(from: FsPath, to: FsPath): void {
  if (lstatSync(from).isSymbolicLink()) symlinkSync(readlinkSync(from, { encoding: 'buffer' }), to);
  else copyFileSync(from, to);
}

/** `--backup-keep n`: removes all but the newest `n` cycle folders of the backup. */
export function pruneBackups(dir: string, keep: number, log: { info(text: string): void }): void {
  let folders: string[];
  try {
    folders = readdirSync(dir).filter((name) => STAMP.test(name));
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return;
    throw error;
  }
  for (const old of folders.sort().reverse().slice(keep)) {
    rmSync(join(dir, old), { recursive: true, force: true });
    log.info(`remove old backup ${old}`);
  }
}
