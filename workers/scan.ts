import { type EncodedListings, scanBack, scanFront, type WalkTask } from '../src/scan.js';

export interface ScanTask {
  /** The tree this thread walks from the front while the coordinator walks the other one. */
  readonly walk: WalkTask;
  /** The coordinator's tree, helped with from the back once `walk` is done. */
  readonly help: WalkTask;
}

export interface ScanResult {
  readonly walk: EncodedListings;
  readonly help: EncodedListings;
}

/** Pool task: walk one tree while the coordinator walks the other, then help with that one. */
export default function scan(task: ScanTask): ScanResult {
  const walk = scanFront(task.walk);
  return { walk, help: scanBack(task.help) };
}
