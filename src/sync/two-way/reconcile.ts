import { sameMtime } from '../../tree/mtime.js';
import { comparePaths, isBelow, parentOf } from '../../tree/order.js';
import type { Entry, Snapshot } from '../../tree/tree.js';
import type { Verdicts } from '../equal.js';
import type { Synced } from './state.js';

export type Side = 'source' | 'replica';
export const otherSide = (side: Side): Side => (side === 'source' ? 'replica' : 'source');

/** `--conflict`: who wins when both sides changed a path differently. */
export type ConflictRule = 'keep-both' | 'source' | 'replica' | 'newer';

/** One path as the last sync recorded it and as each side holds it now, and whether each side changed since. */
export interface Row {
  readonly path: string;
  readonly base: Synced | undefined;
  readonly source: Entry | undefined;
  readonly replica: Entry | undefined;
  /** Changed since the last sync; with no record, present at all. */
  readonly changedSource: boolean;
  readonly changedReplica: boolean;
}

/**
 * What a cycle does at one path. `none`: in sync. `keep`: unknown (an unreadable directory or
 * a special file), its record kept. `drop`: deleted on both sides. `copy`/`meta`: the entry of
 * the other side is written to `to` (all of it, or its mode and mtime). `keep-both`: the
 * `loser` side's version is renamed to `as` and each version copied to the other side.
 */
export type Decision =
  | { readonly do: 'none' | 'keep' | 'drop' }
  | { readonly do: 'copy'; readonly to: Side; readonly why: 'new' | 'changed' | 'restored' | 'conflict' }
  | { readonly do: 'meta'; readonly to: Side }
  | { readonly do: 'delete'; readonly on: Side }
  | { readonly do: 'keep-both'; readonly loser: Side; readonly as: string };

export interface ReconcileOptions {
  readonly conflict: ConflictRule;
  /** No state: the union of both sides, nothing deleted, every difference kept both. */
  readonly firstRun: boolean;
  /** The conflict copy of `path` for the side `loser`, made free of every name in `taken`. */
  readonly conflictName: (path: string, loser: Side, taken: (path: string) => boolean) => string;
  readonly isConflictCopy: (path: string) => boolean;
}

const row = (path: string, base: Synced | undefined, a: Entry | undefined, b: Entry | undefined): Row => ({
  path,
  base,
  source: a,
  replica: b,
  changedSource: base === undefined ? a !== undefined : a === undefined || changed(base, a, base.mtimeSource),
  changedReplica: base === undefined ? b !== undefined : b === undefined || changed(base, b, base.mtimeReplica),
});

/** The three listings merged in snapshot order in one linear pass, one row per path. */
export function rows(base: readonly Synced[], source: Snapshot, replica: Snapshot): Row[] {
  const a = source.entries;
  const b = replica.entries;
  const out: Row[] = [];
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < base.length || j < a.length || k < b.length) {
    const s = base[i];
    const x = a.at(j);
    const y = b.at(k);
    // Most paths are on all three lists.
    if (s !== undefined && x !== undefined && y !== undefined && s.path === x.path && x.path === y.path) {
      out.push(row(s.path, s, x, y));
      i++;
      j++;
      k++;
      continue;
    }
    let path = (s ?? x ?? y)?.path as string;
    if (x !== undefined && comparePaths(x.path, path) < 0) path = x.path;
    if (y !== undefined && comparePaths(y.path, path) < 0) path = y.path;
    const hasS = s?.path === path;
    const hasX = x?.path === path;
    const hasY = y?.path === path;
    out.push(row(path, hasS ? s : undefined, hasX ? x : undefined, hasY ? y : undefined));
    if (hasS) i++;
    if (hasX) j++;
    if (hasY) k++;
  }
  return out;
}

/** How a side's entry differs from its own record: never from the other side's clock. */
function changed(base: Synced, entry: Entry, mtime: number): boolean {
  if (entry.kind !== base.kind) return true;
  if (entry.kind !== 'symlink' && entry.mode !== base.mode) return true;
  if (entry.kind === 'dir') return false;
  if (entry.kind === 'symlink' && entry.target !== base.target) return true;
  return (entry.kind === 'file' && entry.size !== base.size) || !sameMtime(entry.mtimeMs, mtime);
}

/** The same content: directories always, symlinks by target, files by size and then hash (unhashed: both unchanged). */
function sameContent(a: Entry, b: Entry, verdicts: Verdicts): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'dir') return true;
  if (a.kind === 'symlink') return a.target === b.target;
  return a.size === b.size && verdicts.get(a.path) !== false;
}

const sameMeta = (a: Entry, b: Entry): boolean =>
  (a.kind === 'symlink' || a.mode === b.mode) && (a.kind === 'dir' || sameMtime(a.mtimeMs, b.mtimeMs));

const newer = (a: Entry, b: Entry): Side => (b.mtimeMs > a.mtimeMs ? 'replica' : 'source');

/**
 * The source entries of the file pairs whose content must be hashed: same size, and changed
 * on a side (or never synced), since the two sides' mtimes say nothing about each other;
 * every same-size pair with `checksum`, none with `sizeOnly`.
 */
export function pairsToCompare(table: readonly Row[], options: { checksum: boolean; sizeOnly: boolean }): Entry[] {
  const pairs: Entry[] = [];
  if (options.sizeOnly) return pairs;
  for (const row of table) {
    const { source: a, replica: b } = row;
    // Two empty files hold the same bytes.
    if (a?.kind !== 'file' || b?.kind !== 'file' || a.size !== b.size || a.size === 0) continue;
    if (options.checksum || row.changedSource || row.changedReplica) pairs.push(a);
  }
  return pairs;
}

const NONE: Decision = { do: 'none' };
const KEEP: Decision = { do: 'keep' };

function decide(row: Row, verdicts: Verdicts, options: ReconcileOptions, taken: (p: string) => boolean): Decision {
  const { base, source: a, replica: b } = row;
  if (a?.kind === 'special' || b?.kind === 'special') return KEEP;
  const ca = row.changedSource;
  const cb = row.changedReplica;
  if (a === undefined && b === undefined) return { do: 'drop' };
  // On one side only: new there, or deleted on the other (a change of the one side wins over that).
  if (b === undefined)
    return base === undefined || ca
      ? { do: 'copy', to: 'replica', why: base ? 'restored' : 'new' }
      : { do: 'delete', on: 'source' };
  if (a === undefined)
    return base === undefined || cb
      ? { do: 'copy', to: 'source', why: base ? 'restored' : 'new' }
      : { do: 'delete', on: 'replica' };
  if (sameContent(a, b, verdicts)) {
    if (sameMeta(a, b)) return NONE;
    const from = ca && !cb ? 'source' : cb && !ca ? 'replica' : newer(a, b);
    return { do: 'meta', to: otherSide(from) };
  }
  if (base !== undefined && !ca && cb) return { do: 'copy', to: 'source', why: 'changed' };
  if (base !== undefined && !cb && ca) return { do: 'copy', to: 'replica', why: 'changed' };
  // Changed on both sides; or on neither, yet different (found by --checksum): nothing says which is right.
  return conflict(row.path, a, b, options, taken);
}

function conflict(
  path: string,
  a: Entry,
  b: Entry,
  options: ReconcileOptions,
  taken: (p: string) => boolean,
): Decision {
  // A directory always keeps its name (it is never replaced on a conflict): the other version is renamed.
  // A kind change against another change, and every difference on a first run, keep both.
  const loser: Side | undefined =
    a.kind === 'dir'
      ? 'replica'
      : b.kind === 'dir'
        ? 'source'
        : options.firstRun || a.kind !== b.kind
          ? 'replica'
          : undefined;
  if (loser !== undefined) return { do: 'keep-both', loser, as: options.conflictName(path, loser, taken) };
  const winner: Side | undefined = options.isConflictCopy(path)
    ? newer(a, b)
    : options.conflict === 'keep-both'
      ? undefined
      : options.conflict === 'newer'
        ? newer(a, b)
        : options.conflict;
  if (winner === undefined)
    return { do: 'keep-both', loser: 'replica', as: options.conflictName(path, 'replica', taken) };
  return { do: 'copy', to: otherSide(winner), why: 'conflict' };
}

/** Whether the path exists on both sides after the cycle (or may, where it is not known). */
const stays = (d: Decision): boolean => d.do !== 'delete' && d.do !== 'drop';

/**
 * Decides every path of a cycle (pure). A directory that one side removed (deleted, or
 * replaced by a file) stays wherever the other side changed something inside it: the
 * changes survive, their directory is recreated, and what was unchanged is deleted.
 * Paths at or below a directory that could not be listed on either side are left alone.
 */
export function reconcile(
  table: readonly Row[],
  unreadable: readonly string[],
  verdicts: Verdicts,
  options: ReconcileOptions,
): Decision[] {
  let names: Set<string> | undefined;
  const taken = (p: string): boolean => {
    names ??= new Set(table.map((r) => r.path));
    const free = !names.has(p);
    names.add(p);
    return !free;
  };
  const decisions = table.map((row) =>
    unreadable.length > 0 && unreadable.some((dir) => row.path === dir || isBelow(row.path, dir))
      ? KEEP
      : !row.changedSource &&
          !row.changedReplica &&
          row.source !== undefined &&
          row.replica !== undefined &&
          verdicts.get(row.path) !== false
        ? NONE
        : decide(row, verdicts, options, taken),
  );
  // Only a removal can take a directory away from what it holds.
  if (!decisions.some((d) => d.do === 'delete' || d.do === 'copy')) return decisions;
  const needed = new Set<string>();
  for (let i = table.length - 1; i >= 0; i--) {
    const row = table[i] as Row;
    let d = decisions[i] as Decision;
    if (needed.has(row.path)) d = keepDir(row, d, options, taken);
    decisions[i] = d;
    const parent = parentOf(row.path);
    if (parent !== undefined && stays(d)) needed.add(parent);
  }
  return decisions;
}

/** A directory something inside it keeps: removed on neither side (see `reconcile`). */
function keepDir(row: Row, d: Decision, options: ReconcileOptions, taken: (p: string) => boolean): Decision {
  if (d.do === 'delete') return { do: 'copy', to: otherSide(d.on), why: 'restored' };
  if (d.do !== 'copy') return d;
  const over = row[d.to];
  const from = row[otherSide(d.to)];
  // A file that would replace the directory gives way to it, under a conflict name.
  if (over?.kind === 'dir' && from?.kind !== 'dir') {
    const loser = otherSide(d.to);
    return { do: 'keep-both', loser, as: options.conflictName(row.path, loser, taken) };
  }
  return d;
}
