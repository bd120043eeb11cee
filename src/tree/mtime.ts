/**
 * mtimes are kept as the milliseconds `lstat` gives (a double, good to about 0.25 µs today).
 * Node sets times through a double of seconds and keeps only whole microseconds, so mtimes
 * are written rounded to the microsecond and compared to within one; a finer comparison
 * would see every copy as changed again on the next cycle and never settle.
 */
export function sameMtime(a: number, b: number): boolean {
  return Math.abs(a - b) < 0.001;
}

/**
 * An mtime in the seconds `fs.utimes` takes, rounded to the microsecond. Node truncates
 * what it sets to the microsecond, so we aim at the middle of the intended one: the
 * double's error then cannot push it into the microsecond below.
 */
export function toUtimeSeconds(mtimeMs: number): number {
  return (Math.round(mtimeMs * 1000) + 0.5) / 1e6;
}
