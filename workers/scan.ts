import { claimScan, scanEncoded, type EncodedSnapshot } from '../src/scan.js';

export interface ScanTask {
  readonly root: string;
  readonly exclude: readonly string[];
  /** Shared with the coordinator: whichever thread claims it first does the walk. */
  readonly claim: Int32Array;
}

/** Pool task: walk one tree while the coordinator walks the other; null when the coordinator took the walk. */
export default function scan(task: ScanTask): EncodedSnapshot | null {
  return claimScan(task.claim, 'worker') ? scanEncoded(task.root, task.exclude) : null;
}
