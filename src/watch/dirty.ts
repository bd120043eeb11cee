import { comparePaths, isBelow, parentOf } from '../tree/order.js';

/** How many dirty entries of one directory make the directory itself dirty (one listing instead of many lstats). */
export const COLLAPSE = 32;
/** Past this many dirty subtrees, a full cycle is cheaper and safer than a targeted one. */
export const FULL = 2000;

/**
 * The subtrees a targeted cycle walks for a set of dirty paths (relative, `/`-separated): none
 * inside another, the dirty entries of a busy directory collapsed to that directory, in
 * snapshot order; `full` when the root itself is dirty or there are too many (pure).
 */
export function dirtyRoots(paths: Iterable<string>): string[] | 'full' {
  let roots = [...new Set(paths)];
  if (roots.includes('')) return 'full';
  for (;;) {
    roots.sort(comparePaths);
    // Sorted, a path's descendants follow it directly.
    const kept: string[] = [];
    for (const path of roots) {
      const last = kept[kept.length - 1];
      if (last === undefined || !isBelow(path, last)) kept.push(path);
    }
    const perParent = new Map<string, number>();
    for (const path of kept) {
      const parent = parentOf(path) ?? '';
      perParent.set(parent, (perParent.get(parent) ?? 0) + 1);
    }
    const busy = [...perParent].filter(([, n]) => n > COLLAPSE).map(([dir]) => dir);
    if (busy.includes('')) return 'full';
    if (busy.length === 0) return kept.length > FULL ? 'full' : kept;
    roots = [...kept.filter((p) => !busy.includes(parentOf(p) ?? '')), ...busy];
  }
}
