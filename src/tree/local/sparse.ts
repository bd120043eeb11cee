import { closeSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import type { FsPath } from '../names.js';

const BLOCK = 128 * 1024;
/** Holes are kept to the page: a block with data is written page by page, zero pages skipped. */
const PAGE = 4096;
const ZERO = Buffer.alloc(BLOCK);

const isZero = (block: Buffer, from: number, to: number): boolean =>
  block.subarray(from, to).equals(ZERO.subarray(0, to - from));

/** A file whose allocated blocks are under half its size (and that is not tiny) has holes worth keeping. */
export const isSparse = (size: bigint, blocks: bigint): boolean => size > 65_536n && blocks * 512n < size / 2n;

/**
 * Copies the open file `fd` to a new file `temp` without allocating its holes: blocks of zeros
 * are skipped, the rest written where they belong, the size set last. (Node has no SEEK_DATA;
 * an in-kernel copy would fill every hole.)
 */
export function copySparse(fd: number, temp: FsPath, size: number): void {
  const out = openSync(temp, 'wx', 0o600);
  try {
    const block = Buffer.allocUnsafe(BLOCK);
    for (let pos = 0; pos < size; ) {
      const read = readSync(fd, block, 0, Math.min(BLOCK, size - pos), pos);
      if (read === 0) break;
      if (!isZero(block, 0, read)) {
        for (let page = 0; page < read; page += PAGE) {
          const end = Math.min(page + PAGE, read);
          if (!isZero(block, page, end)) writeSync(out, block, page, end - page, pos + page);
        }
      }
      pos += read;
    }
    ftruncateSync(out, size);
  } finally {
    closeSync(out);
  }
}
