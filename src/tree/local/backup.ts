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

  /**
   * Gives `at` a place at `<folder>/<rel>` by `sameFs` (rename or link), or by a copy where the
   * folder is on another filesystem; true when it was copied.
   */
  #place(at: FsPath, rel: string, sameFs: (from: FsPath, to: FsPath) => void): boolean {
    makeDirs(dirname(`${this.folder}/${rel}`));
    const target = fsPath(`${this.folder}/${rel}`);
    try {
      sameFs(at, target);
      return false;
    } catch (error) {
      if (errnoCode(error) !== 'EXDEV') throw error;
      copyEntry(at, target);
      return true;
    }
  }

  /** Instead of deleting `at` (a file or symlink): moved into the backup. */
  move(at: FsPath, rel: string): void {
    if (this.#place(at, rel, renameSync)) unlinkSync(at);
  }

  /** Before `at` is overwritten: a second name for it in the backup (a copy across filesystems), so the final path never goes missing. */
  keep(at: FsPath, rel: string): void {
    this.#place(at, rel, linkSync);
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
