import { hashRanges } from '../src/tree/local/hash.js';

/** Pool task: compare byte ranges of pairs until none are left (see `HashTask`). */
export default hashRanges;
