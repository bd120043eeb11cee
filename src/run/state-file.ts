import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describeCause, errnoCode, ReplisyncError } from '../errors.js';
import { BadState, decodeState, encodeState, type PairState } from '../sync/two-way/state.js';
import { makeDirs } from '../tree/local/makedirs.js';

const safe = (path: string): string =>
  basename(path)
    .replace(/[^\w.-]/g, '_')
    .slice(0, 40) || 'root';

/** One file per pair, named for a person (both folders' names) and made unique by a hash of both real paths. */
export function statePath(stateDir: string, source: string, replica: string): string {
  const id = createHash('sha256').update(`${source}\0${replica}`).digest('hex').slice(0, 16);
  return join(stateDir, `${safe(source)}--${safe(replica)}.${id}.state`);
}

const resync = 'check both sides, then run once with --resync to rebuild it (no deletion, differences kept both)';

/** The pair's state, or undefined when it has none yet (a first run); anything unusable is refused. */
export function loadState(file: string, source: string, replica: string): PairState | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw new ReplisyncError('fatal', `cannot read the two-way state ${file} (${describeCause(error)}): ${resync}`);
  }
  let state: PairState;
  try {
    state = decodeState(bytes);
  } catch (error) {
    const why = error instanceof BadState ? error.message : describeCause(error);
    throw new ReplisyncError('fatal', `the two-way state ${file} is unusable: ${why}; ${resync}`);
  }
  if (state.source !== source || state.replica !== replica) {
    throw new ReplisyncError(
      'fatal',
      `the two-way state ${file} belongs to another pair (${state.source} ↔ ${state.replica}); ${resync}`,
    );
  }
  return state;
}

/**
 * Writes the state crash-safely: a temporary file, synced, renamed over the old one, whose
 * previous generation stays beside it as `.prev`. At every moment the state file is whole.
 */
export function saveState(file: string, state: PairState): void {
  const dir = dirname(file);
  makeDirs(dir, 0o700);
  const temp = `${file}.${process.pid}.tmp`;
  try {
    const fd = openSync(temp, 'wx', 0o600);
    try {
      writeSync(fd, encodeState(state));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    keepPrevious(file);
    renameSync(temp, file);
    const dirFd = openSync(dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch (error) {
    rmSync(temp, { force: true });
    throw new ReplisyncError('fatal', `cannot write the two-way state ${file}: ${describeCause(error)}`);
  }
}

function keepPrevious(file: string): void {
  const temp = `${file}.prev.${process.pid}.tmp`;
  try {
    linkSync(file, temp);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return;
    throw error;
  }
  renameSync(temp, `${file}.prev`);
}
