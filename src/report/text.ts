import type { ReportedAction } from './tally.js';

const MiB = 1024 * 1024;

/** A path as log lines show it: control characters (a newline in a name) escaped, so one operation stays one line. */
export const showPath = (path: string): string =>
  path === '' ? '.' : path.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/** The log text of an action: `create file a/b`, `update file a/b (content)`, `delete dir old`. */
export function describe(action: ReportedAction): string {
  const text = `${action.op} ${action.entry.kind} ${showPath(action.entry.path)}`;
  if (action.overExcluded) return `${text} (over an excluded directory)`;
  if (action.linkTo !== undefined) return `${text} (hard link to ${showPath(action.linkTo)})`;
  return action.op === 'update' ? `${text} (${action.change})` : text;
}

/** What a cycle's summary line reports. */
export interface Summary {
  readonly scanned: number;
  readonly created: number;
  readonly updated: number;
  readonly deleted: number;
  readonly failed: number;
  readonly bytes: number;
  readonly durationMs: number;
  readonly stopped: boolean;
}

export function summarize(r: Summary, dryRun: boolean): string {
  const seconds = r.durationMs / 1000;
  const rate = seconds > 0 ? r.bytes / MiB / seconds : 0;
  return (
    `${dryRun ? '[dry-run] ' : ''}cycle ${r.stopped ? 'stopped' : 'done'}: ${r.scanned} scanned, ${r.created} created, ${r.updated} updated, ` +
    `${r.deleted} deleted, ${r.failed} failed, ${(r.bytes / MiB).toFixed(1)} MiB ${dryRun ? 'to copy' : 'copied'} ` +
    `in ${seconds.toFixed(2)}s (${rate.toFixed(1)} MiB/s)`
  );
}
