/**
 * Node sets times through a double of seconds (libuv's utimensat), which cannot carry
 * every nanosecond: mtimes are written rounded to the microsecond and compared to within
 * one, or every copy would look changed again on the next cycle and never settle.
 */
export function sameMtime(a: bigint, b: bigint): boolean {
  return (a > b ? a - b : b - a) < 1000n;
}

/**
 * An mtime in the seconds `fs.utimes` takes, rounded to the microsecond. Node truncates
 * what it sets to the microsecond, so we aim at the middle of the intended one: the
 * double's error (about 0.24 µs today) then cannot push it into the microsecond below.
 */
export function toUtimeSeconds(mtimeNs: bigint): number {
  return (Number((mtimeNs + 500n) / 1000n) + 0.5) / 1e6;
}
