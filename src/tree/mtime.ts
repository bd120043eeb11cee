/**
 * mtimes are kept as the milliseconds `lstat` gives (a double, off by up to a quarter of a
 * microsecond at today's dates, half of one after 2039) and compared to within two
 * microseconds: Node sets times to the microsecond, cutting up to 999 ns off a copy's, and
 * both doubles' errors come on top, so a finer comparison would see such a copy as changed
 * again on the next cycle and never settle.
 */
export function sameMtime(a: number, b: number): boolean {
  return Math.abs(a - b) < 0.002;
}

const floorDiv = (a: bigint, b: bigint): bigint => (a >= 0n ? a / b : -((-a + b - 1n) / b));

/**
 * The time handed to `utimes` for a whole number of microseconds since the epoch. libuv cuts
 * what it sets to the microsecond, toward zero, so we aim at the middle of the intended one,
 * on the side away from zero (the double's error cannot then push it into the next one).
 * A string, not a number: Node takes a negative number (before 1970) to mean "now", but
 * reads a numeric string as it is.
 */
const middleOf = (us: number): string => String((us >= 0 ? us + 0.5 : us - 0.5) / 1e6);

/** The `utimes` time for an exact mtime in nanoseconds: the sub-microsecond part is truncated, never rounded up. */
export const utimeOfNs = (ns: bigint): string => middleOf(Number(floorDiv(ns, 1000n)));

/**
 * The `utimes` time for an mtime in milliseconds as `lstat` gives it, truncated to the
 * microsecond; a double a quarter of a microsecond or less below a whole one is taken for it.
 */
export const utimeOfMs = (ms: number): string => middleOf(Math.floor(ms * 1000 + 0.25));

/** The milliseconds non-bigint `lstat` reports for an mtime in nanoseconds (Node computes sec × 1e3 + nsec / 1e6). */
export function msOfNs(ns: bigint): number {
  const sec = floorDiv(ns, 1_000_000_000n);
  return Number(sec) * 1e3 + Number(ns - sec * 1_000_000_000n) / 1e6;
}
