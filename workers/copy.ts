import { runCopyTask } from '../src/tree/local/write.js';

/** Pool task: run a batch of writes to the replica (see `CopyTask`). */
export default runCopyTask;
