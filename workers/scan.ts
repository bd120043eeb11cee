import type { ScanResult, ScanTask } from '../src/tree/local/tasks.js';
import { scanBack, scanFront } from '../src/tree/local/walk.js';

/** Pool task: walk one tree while the coordinator walks the other, then help with that one. */
export default function scan(task: ScanTask): ScanResult {
  const walk = scanFront(task.walk);
  return { walk, help: scanBack(task.help) };
}
