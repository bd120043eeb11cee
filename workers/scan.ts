import { scanEncoded, type EncodedSnapshot } from '../src/scan.js';

export interface ScanTask {
  readonly root: string;
  readonly exclude: readonly string[];
}

/** Pool task: walk one tree while the coordinator walks the other. */
export default function scan(task: ScanTask): EncodedSnapshot {
  return scanEncoded(task.root, task.exclude);
}
