/**
 * How a failure affects the run, and so the exit code:
 * - `usage`: bad input found before anything touched the disk (exit 2);
 * - `fatal`: the run cannot go on, e.g. the log file cannot be opened (exit 2);
 * - `entry`: one entry failed; it is counted and the cycle goes on (exit 1 in `--once` mode).
 */
export type ErrorKind = 'usage' | 'fatal' | 'entry';

/** An error with a message written for a person, never shown with a stack trace. */
export class ReplisyncError extends Error {
  override readonly name = 'ReplisyncError';
  constructor(
    readonly kind: ErrorKind,
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
