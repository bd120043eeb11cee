import { comparePaths } from '../order.js';

/**
 * One tree walked by two threads from both ends. The front lists directories in walk order
 * (`comparePaths`), the back in reverse; each publishes the last directory it claimed, and a
 * claim that would cross the other's fails, so the two stop where they meet and every
 * directory is listed by exactly one of them. The front is the thread the walk belongs to;
 * the back is a thread that finished its own walk early and helps.
 */
export type WalkShare = SharedArrayBuffer;

const LOCK = 0;
const FRONT = 1;
const BACK = 2;
/** Set once the back may claim nothing more: the front finished, or published a path too long to compare. */
const CLOSED = 3;
const HEADER = 4;
const NONE = -1;
// A relative path longer than this would not fit in PATH_MAX once joined to its root, so it
// could not be listed anyway.
const MAX_PATH = 4096;
const slot = (share: WalkShare, side: number): Uint16Array =>
  new Uint16Array(share, HEADER * 4 + (side - FRONT) * MAX_PATH * 2, MAX_PATH);

export function newShare(): WalkShare {
  const share = new SharedArrayBuffer(HEADER * 4 + 2 * MAX_PATH * 2);
  const header = new Int32Array(share, 0, HEADER);
  header[FRONT] = NONE;
  header[BACK] = NONE;
  return share;
}

function locked<T>(share: WalkShare, critical: (header: Int32Array) => T): T {
  const header = new Int32Array(share, 0, HEADER);
  // Held for a compare and a copy of one path, so spinning beats parking the thread.
  while (Atomics.compareExchange(header, LOCK, 0, 1) !== 0);
  try {
    return critical(header);
  } finally {
    Atomics.store(header, LOCK, 0);
  }
}

function read(share: WalkShare, header: Int32Array, side: number): string | undefined {
  const length = header[side] as number;
  return length === NONE ? undefined : String.fromCharCode(...slot(share, side).subarray(0, length));
}

function publish(share: WalkShare, header: Int32Array, side: number, dir: string): boolean {
  if (dir.length > MAX_PATH) return false;
  const view = slot(share, side);
  for (let i = 0; i < dir.length; i++) view[i] = dir.charCodeAt(i);
  header[side] = dir.length;
  return true;
}

/** The front may list `dir` unless the back already claimed it (or anything before it). */
export const claimFront = (share: WalkShare, dir: string): boolean =>
  locked(share, (header) => {
    const back = read(share, header, BACK);
    if (back !== undefined && comparePaths(dir, back) >= 0) return false;
    // Unpublishable, the back must stop: the front then lists everything up to where the back is.
    if (!publish(share, header, FRONT, dir)) header[CLOSED] = 1;
    return true;
  });

/** The back may list `dir` unless the front already reached it, finished, or the back's path cannot be published. */
export const claimBack = (share: WalkShare, dir: string): boolean =>
  locked(share, (header) => {
    if (header[CLOSED] === 1) return false;
    const front = read(share, header, FRONT);
    if (front !== undefined && comparePaths(dir, front) <= 0) return false;
    return publish(share, header, BACK, dir);
  });

/** The front listed everything it saw: the back may claim nothing more. */
export const closeFront = (share: WalkShare): void =>
  locked(share, (header) => {
    header[CLOSED] = 1;
  });

/** Whether the back may still claim something; a hint for skipping work, `claimBack` decides. */
export const backOpen = (share: WalkShare): boolean => Atomics.load(new Int32Array(share, 0, HEADER), CLOSED) === 0;

/** What the back listed: nothing, part of the tree, or all of it (it claimed the root). */
export function backShare(share: WalkShare): 'none' | 'part' | 'all' {
  return locked(share, (header) => {
    const back = read(share, header, BACK);
    return back === undefined ? 'none' : back === '' ? 'all' : 'part';
  });
}
