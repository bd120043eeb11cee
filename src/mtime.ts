/**
 * Node sets times through a double of seconds (libuv's utimensat), which cannot carry
 * every nanosecond: mtimes are written rounded to the microsecond and compared to within
 * one, or every copy would look changed again on the next cycle and never settle.
 */
export function sameMtime(a: bigint, b: bigint): boolean {
  return (a > b ? a - b : b - a) < 1000n;
}

/** An mtime in the seconds `fs.utimes` takes, rounded to the microsecond. */
export function toUtimeSeconds(mtimeNs: bigint): number {
  return Number((mtimeNs + 500n) / 1000n) / 1e6;
}
