import xxhash from 'xxhash-wasm';
import { describeCause } from '../errors.js';
import { type CompareOptions, type Comparison, type Entry, isStopped, type Tree } from '../tree/tree.js';

async function digest(
  tree: Tree,
  path: string,
  create64: (seed?: bigint) => { update(b: Uint8Array): unknown; digest(): bigint },
): Promise<bigint> {
  const hasher = create64(0n);
  for await (const chunk of tree.read(path)) hasher.update(chunk);
  return hasher.digest();
}

/**
 * Says of each pair (a source entry, the replica file at the same path) whether their
 * contents are equal: through the trees' own fast path when both are of one kind, else by
 * streaming both sides through xxh64. A pair that cannot be read counts as different.
 */
export async function comparePairs(
  source: Tree,
  replica: Tree,
  pairs: readonly Entry[],
  options: CompareOptions,
): Promise<Comparison> {
  // Nothing to compare (a no-op cycle): no tree is asked, no hasher loaded.
  if (pairs.length === 0) return { verdicts: new Map(), unreadable: new Map() };
  if (source.comparePairs && source.sameKind?.(replica)) return source.comparePairs(replica, pairs, options);
  const { create64 } = await xxhash();
  const verdicts = new Map<string, boolean>();
  const unreadable = new Map<string, string>();
  for (const { path } of pairs) {
    if (isStopped(options.stop)) break;
    try {
      verdicts.set(path, (await digest(source, path, create64)) === (await digest(replica, path, create64)));
    } catch (error) {
      verdicts.set(path, false);
      unreadable.set(path, describeCause(error));
    }
  }
  return { verdicts, unreadable };
}
