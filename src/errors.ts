/**
 * How a failure affects the run, decided once from its errno code (see `classify`):
 * - `entry`: one entry failed; it is counted and the cycle goes on (exit 1 in `--once` mode);
 * - `retry`: a passing state (a source changed while copied, a busy file): warned, left for the next cycle;
 * - `fatal`: the side takes no writes at all (a read-only filesystem): the cycle stops writing (exit 2).
 * A full disk is `entry`: a smaller file may still fit, as rsync goes on too.
 */
export type FailureClass = 'entry' | 'retry' | 'fatal';

/** One path that could not be read or written, as data from the thread that saw it on. */
export interface Failure {
  /** Relative to its tree's root; the root itself is `''`. */
  readonly path: string;
  /** The errno code (`EACCES`, `ENOSPC`…), or undefined for a failure that has none. */
  readonly code: string | undefined;
  /** A short cause for a person: `EACCES: permission denied (open)`. */
  readonly cause: string;
}

const FATAL = new Set(['EROFS']);
const RETRY = new Set(['EAGAIN', 'EBUSY', 'ETXTBSY', 'EINTR']);

export function classify(code: string | undefined): FailureClass {
  if (code === undefined) return 'entry';
  return FATAL.has(code) ? 'fatal' : RETRY.has(code) ? 'retry' : 'entry';
}

/** Exit codes, by precedence: the most serious seen wins; `stopped` (rsync's 20) is a `--once` run cut short by a signal. */
export const EXIT = { ok: 0, failed: 1, fatal: 2, stopped: 20 } as const;

/**
 * An error with a message written for a person, never shown with a stack trace; both kinds exit 2:
 * `usage` is bad input found before anything touched the disk, `fatal` a run that cannot go on.
 */
export class ReplisyncError extends Error {
  override readonly name = 'ReplisyncError';
  constructor(
    readonly kind: 'usage' | 'fatal',
    message: string,
  ) {
    super(message);
  }
}

export const usageError = (message: string): ReplisyncError => new ReplisyncError('usage', message);

/** The errno code of a Node system error (`ENOENT`, `EACCES`…), or undefined. */
export function errnoCode(error: unknown): string | undefined {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}

/** A short cause for a log line, without the path Node repeats: `EACCES: permission denied (open)`. */
export function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const syscall = 'syscall' in error && typeof error.syscall === 'string' ? error.syscall : undefined;
  if (errnoCode(error) && syscall) return `${error.message.split(', ')[0]} (${syscall})`;
  return error.message;
}

/** A failure of `path` as data. */
export const failureOf = (path: string, error: unknown): Failure => ({
  path,
  code: errnoCode(error),
  cause: describeCause(error),
});
