import { statSync } from 'node:fs';
import { dirname, sep } from 'node:path';

/** A directory as the kernel knows it: the same pair however it is reached (symlink, bind mount, second path). */
type Identity = `${bigint}:${bigint}`;

function identityOf(path: string): Identity | undefined {
  try {
    const stat = statSync(path, { bigint: true, throwIfNoEntry: false });
    return stat && `${stat.dev}:${stat.ino}`;
  } catch {
    return undefined;
  }
}

/**
 * How `inner` relates to the directory `outer` by device and inode, not by path: `same`,
 * `within` (one of its ancestors is `outer`), or undefined. A bind mount or a second path to
 * one directory is seen for what it is, which comparing real paths misses.
 */
export function relation(inner: string, outer: string): 'same' | 'within' | undefined {
  const target = identityOf(outer);
  if (target === undefined) return undefined;
  if (identityOf(inner) === target) return 'same';
  for (let at = dirname(inner); ; at = dirname(at)) {
    if (identityOf(at) === target) return 'within';
    if (dirname(at) === at) return undefined;
  }
}

export const isWithin = (inner: string, outer: string): boolean =>
  inner.startsWith(outer.endsWith(sep) ? outer : outer + sep);

/** Whether two directories overlap, by path or, through bind mounts and second paths, by device and inode. */
export function overlap(a: string, b: string): 'same' | 'a inside b' | 'b inside a' | undefined {
  if (a === b || relation(a, b) === 'same') return 'same';
  if (isWithin(a, b) || relation(a, b) === 'within') return 'a inside b';
  if (isWithin(b, a) || relation(b, a) === 'within') return 'b inside a';
  return undefined;
}
