import { fdPath } from './dirs.js';

/**
 * Where the working directory goes back to after each listing, while the program has lent it
 * to its walks; undefined while it has not (a library's caller, or a pool thread: only the
 * main thread may change it).
 */
let home: string | undefined;

/**
 * Lends the process's working directory to the walks on this thread: each directory is then
 * listed from inside it, its children lstat'ed by name, one lookup in the kernel instead of one
 * per level of their path. The working directory is the whole process's, so only a program
 * that owns its process and uses absolute paths from then on may lend it (the CLI does, after
 * resolving its arguments); each listing changes it and puts it back before returning, so no
 * other code on this thread ever sees it moved.
 */
export function lendWorkingDir(): void {
  try {
    home = process.cwd();
  } catch {
    // A working directory that was removed: listings go by path.
    home = undefined;
  }
}

/**
 * Runs `body` inside the directory open at `fd` (not through its path: a directory swapped
 * since it was opened is not entered); false, with `body` not run, when the working directory
 * is not lent or cannot enter it.
 */
export function insideDir(fd: number, body: () => void): boolean {
  if (home === undefined) return false;
  try {
    process.chdir(fdPath(fd));
  } catch {
    return false;
  }
  try {
    body();
    return true;
  } finally {
    goHome(home);
  }
}

function goHome(to: string): void {
  try {
    process.chdir(to);
  } catch {
    // Removed meanwhile: the root holds no mount busy, and nothing is lent again.
    home = undefined;
    process.chdir('/');
  }
}
