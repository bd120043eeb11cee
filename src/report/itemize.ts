import { sameMtime } from '../tree/mtime.js';
import type { Entry, Kind } from '../tree/tree.js';
import type { ReportedAction } from './tally.js';
import { showPath } from './text.js';

/** What the columns depend on: `c` shows only where content is compared (`--checksum`), `o`/`g` where owners are kept. */
export interface Itemizing {
  readonly checksum: boolean;
  readonly owners: boolean;
}

const TYPE: Record<Kind, string> = { file: 'f', dir: 'd', symlink: 'L', special: 'D' };

/** What an update changed, in rsync's attribute columns `cstpoguax` ('.' for unchanged). */
function attributes(entry: Partial<Entry>, was: Entry, action: ReportedAction, how: Itemizing): string {
  const file = entry.kind === 'file';
  const content = action.change === 'content' || action.change === 'target';
  const c = entry.kind === 'symlink' ? (content ? 'c' : '.') : file && how.checksum && content ? 'c' : '.';
  const s = file && entry.size !== was.size ? 's' : '.';
  const t = entry.mtimeMs !== undefined && !sameMtime(entry.mtimeMs, was.mtimeMs) ? 't' : '.';
  const p = entry.kind !== 'symlink' && entry.mode !== undefined && entry.mode !== was.mode ? 'p' : '.';
  const o = entry.uid !== undefined && how.owners && entry.uid !== was.uid ? 'o' : '.';
  const g = entry.gid !== undefined && how.owners && entry.gid !== was.gid ? 'g' : '.';
  return `${c}${s}${t}${p}${o}${g}...`;
}

/**
 * An operation as `rsync -i` prints it: `YXcstpoguax path`, e.g. `>f+++++++++ new`,
 * `>f.st...... edited`, `.d..t...... dir/`, `cL+++++++++ link -> target`, `*deleting   old`.
 */
export function itemize(action: ReportedAction, how: Itemizing): string {
  const { entry } = action;
  const name = `${showPath(entry.path)}${entry.kind === 'dir' ? '/' : ''}`;
  if (action.op === 'delete') return `*deleting   ${name}`;
  const type = TYPE[entry.kind];
  const arrow = entry.kind === 'symlink' && entry.target !== undefined ? ` -> ${showPath(entry.target)}` : '';
  if (action.linkTo !== undefined) return `h${type}+++++++++ ${name} => ${showPath(action.linkTo)}`;
  const created = action.op === 'create' || action.change === 'kind' || action.was === undefined;
  if (created) return `${entry.kind === 'file' ? '>' : 'c'}${type}+++++++++ ${name}${arrow}`;
  const was = action.was as Entry;
  const transferred = entry.kind === 'file' && action.change === 'content';
  const y = transferred ? '>' : entry.kind === 'symlink' && action.change === 'target' ? 'c' : '.';
  return `${y}${type}${attributes(entry, was, action, how)} ${name}${arrow}`;
}
