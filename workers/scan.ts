import { scanTree } from '../src/scan.js';
import type { Snapshot } from '../src/types.js';

/** Pool task: walk one tree. Both trees are scanned at once, one per thread. */
export default function scan(root: string): Snapshot {
  return scanTree(root);
}
