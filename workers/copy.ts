import type { CopyResult, CopyTask } from '../src/tree/local/tasks.js';
import { runCopyTask } from '../src/tree/local/write.js';

/** Pool task: run a batch of writes to the replica (see `CopyTask`), holding what it replaced for the coordinator to close. */
export default function copy(task: CopyTask): CopyResult {
  const held: number[] = [];
  return { results: runCopyTask(task, held), held };
}
