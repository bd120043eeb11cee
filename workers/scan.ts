import { scanEncoded, type EncodedSnapshot } from '../src/scan.js';

/** Pool task: walk one tree. Both trees are scanned at once, one per thread. */
export default function scan(root: string): EncodedSnapshot {
  return scanEncoded(root);
}
