const SLASH = 47;

/**
 * The order every snapshot is in: a depth-first walk with each directory's names sorted by
 * UTF-16 code unit. It equals comparing whole paths with `/` ranked below every other
 * character, so each directory comes right before its own contents.
 */
export function comparePaths(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca !== cb) return (ca === SLASH ? -1 : ca) - (cb === SLASH ? -1 : cb);
  }
  return a.length - b.length;
}

/** Whether `path` lies strictly below the directory `dir` (everything but the root lies below `''`). */
export const isBelow = (path: string, dir: string): boolean =>
  dir === '' ? path !== '' : path.length > dir.length && path.charCodeAt(dir.length) === SLASH && path.startsWith(dir);

export const parentOf = (path: string): string | undefined =>
  path === '' ? undefined : path.slice(0, Math.max(0, path.lastIndexOf('/')));

export const nameOf = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
