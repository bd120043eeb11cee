import type { Logger } from './log.js';
import type { Counts, ReportedAction, TwoWayCounts } from './tally.js';

const MiB = 1024 * 1024;

const UNPRINTABLE = /[\x00-\x1f\x7f]|(?<![\uD800-\uDBFF])[\uDC80-\uDCFF]/g;
/** Where a bare path could be misread: spaces at its ends, a `(` (as in ` (content)`), a backslash, a leading quote. */
const AMBIGUOUS = /^[ "]| $|[(\\]/;

/**
 * A path as log lines show it, one line and unambiguous: control characters (a newline in a
 * name) and bytes that are not UTF-8 as `\xNN`, never as U+FFFD; and a path that a reader
 * could take for something else (see `AMBIGUOUS`) in double quotes, its `\` and `"` escaped.
 */
export function showPath(path: string): string {
  if (path === '') return '.';
  const unprintable = (c: string): string => {
    // A byte that is not UTF-8 travels as a lone surrogate (see tree/names.ts): shown as that byte.
    const code = c.charCodeAt(0);
    return `\\x${(code >= 0xdc80 ? code - 0xdc00 : code).toString(16).padStart(2, '0')}`;
  };
  if (!AMBIGUOUS.test(path)) return path.replace(UNPRINTABLE, unprintable);
  return `"${path.replace(/[\\"]/g, '\\$&').replace(UNPRINTABLE, unprintable)}"`;
}

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
  readonly backedUp: number;
  readonly failed: number;
  readonly bytes: number;
  readonly durationMs: number;
  readonly stopped: boolean;
  readonly twoWay?: TwoWayCounts;
  readonly watched?: number;
}

const counts = (c: Counts): string => `${c.created}/${c.updated}/${c.deleted}`;

function summarize(r: Summary, dryRun: boolean): string {
  const seconds = r.durationMs / 1000;
  const rate = seconds > 0 ? r.bytes / MiB / seconds : 0;
  return (
    `${dryRun ? '[dry-run] ' : ''}cycle ${r.stopped ? 'stopped' : 'done'}` +
    `${r.watched === undefined ? '' : ` (watch: ${r.watched} path${r.watched === 1 ? '' : 's'})`}: ${r.scanned} scanned, ${r.created} created, ${r.updated} updated, ` +
    `${r.deleted} deleted, ` +
    (r.twoWay
      ? `(created/updated/deleted → replica ${counts(r.twoWay.toReplica)}, → source ${counts(r.twoWay.toSource)}), ` +
        `${r.twoWay.conflicts} conflict${r.twoWay.conflicts === 1 ? '' : 's'}, `
      : '') +
    `${r.failed} failed, ${r.backedUp > 0 ? `${r.backedUp} backed up, ` : ''}` +
    `${(r.bytes / MiB).toFixed(1)} MiB ${dryRun ? 'to copy' : 'copied'} ` +
    `in ${seconds.toFixed(2)}s (${rate.toFixed(1)} MiB/s)`
  );
}

/** Logs a cycle's summary line; a targeted cycle (watch mode) that did nothing only at debug level (often the echo of its own writes). */
export function logSummary(log: Logger, r: Summary, dryRun: boolean): void {
  if (r.watched !== undefined && r.created + r.updated + r.deleted + r.failed === 0) log.debug(summarize(r, dryRun));
  else log.info(summarize(r, dryRun));
}
