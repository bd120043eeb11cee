import { march } from './march.js';
import { sameMtime } from './mtime.js';
import { isTempName } from './temp.js';
import type { Entry, Snapshot } from './types.js';

/** What an update changes on an entry that exists on both sides. */
export type Change = 'content' | 'metadata' | 'target' | 'kind';

/** One operation on the replica; `entry` is the source's for create/update, the replica's for delete. */
export type Action =
  | { readonly op: 'create'; readonly entry: Entry }
  | { readonly op: 'update'; readonly entry: Entry; readonly change: Change }
  | { readonly op: 'delete'; readonly entry: Entry };

/** The work of one cycle, grouped in the order it must run. */
export interface Plan {
  /** Replica entries in the way of an entry of another kind, deepest first; removed before anything is written. */
  readonly clear: Action[];
  /** Directories to create, parents first. */
  readonly dirs: Action[];
  /** Files and symlinks to create or update; independent of each other, so run in parallel. */
  readonly transfers: Action[];
  /** Replica-only entries, deepest first. */
  readonly deletes: Action[];
  /** Directories whose mode or mtime differ; applied once their contents are done. */
  readonly dirMeta: Action[];
  /** Further source directories whose replica mtime this cycle disturbs, to be stamped back silently. */
  readonly restamp: Entry[];
  /** Source FIFOs, sockets and devices: never opened, never copied. */
  readonly skipped: Entry[];
  /** Our temporary files left in the replica by a run that was killed: removed first, not counted as deletions. */
  readonly leftovers: Entry[];
}

export interface PlanOptions {
  /** Compare the content of every same-size pair, not only those whose mtimes differ. */
  readonly checksum: boolean;
}

/** Content verdicts from hashing: path → true when both sides hold the same bytes. */
export type Verdicts = ReadonlyMap<string, boolean>;

const sameMode = (a: Entry, b: Entry): boolean => a.mode === b.mode;

/** A plan that does nothing. */
export const emptyPlan = (): Plan => ({
  clear: [],
  dirs: [],
  transfers: [],
  deletes: [],
  dirMeta: [],
  restamp: [],
  skipped: [],
  leftovers: [],
});

/** Same-size file pairs whose content must be hashed before they can be planned. */
export function pairsToHash(source: Snapshot, replica: Snapshot, options: PlanOptions): Entry[] {
  const pairs: Entry[] = [];
  march(source, replica, (s, r) => {
    if (
      s?.kind === 'file' &&
      r?.kind === 'file' &&
      r.size === s.size &&
      (options.checksum || !sameMtime(s.mtimeMs, r.mtimeMs))
    )
      pairs.push(s);
  });
  return pairs;
}

const parentOf = (path: string): string | undefined =>
  path === '' ? undefined : path.slice(0, Math.max(0, path.lastIndexOf('/')));
const nameOf = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

/**
 * Decides every operation of a cycle from two snapshots and the hash verdicts of
 * {@link pairsToHash}. Pure: no I/O. Equality follows rclone's order: kind differs →
 * replace; size differs → copy; size and mtime equal → equal (unless checksum); otherwise
 * the hash decides between a content copy and a metadata fix.
 *
 * Removals: replica entries the source lacks go to `deletes`; those below an entry that
 * becomes another kind go to `clear`. Nothing is removed below a source path that could
 * not be read, or that is a special file: absent there means unseen, not deleted.
 */
export function plan(source: Snapshot, replica: Snapshot, options: PlanOptions, verdicts: Verdicts): Plan {
  const result = emptyPlan();
  const unseen = new Set(source.unreadable.map((f) => f.path));
  const cleared = new Set<string>();
  const disturbed = new Set<string>();
  const sourceDirs = new Map<string, Entry>();
  const disturb = (path: string): void => {
    const parent = parentOf(path);
    if (parent !== undefined) disturbed.add(parent);
  };

  march(source, replica, (s, r) => {
    if (s?.kind === 'dir') sourceDirs.set(s.path, s);
    if (s?.kind === 'special') {
      result.skipped.push(s);
      if (r) unseen.add(r.path);
    } else if (s && !r) {
      (s.kind === 'dir' ? result.dirs : result.transfers).push({ op: 'create', entry: s });
      if (s.kind === 'dir') disturbed.add(s.path);
      disturb(s.path);
    } else if (s && r) {
      const change = compare(s, r, options, verdicts);
      if (change === undefined) return;
      const action: Action = { op: 'update', entry: s, change };
      if (change === 'kind') cleared.add(r.path);
      if (s.kind === 'dir') {
        if (change === 'kind') {
          result.dirs.push(action);
          disturbed.add(s.path);
        } else result.dirMeta.push(action);
      } else result.transfers.push(action);
      if (change !== 'metadata') disturb(s.path);
    } else if (r) {
      const parent = parentOf(r.path) ?? '';
      if (unseen.has(parent) || unseen.has(r.path)) unseen.add(r.path);
      else if (cleared.has(parent)) {
        cleared.add(r.path);
        result.clear.push({ op: 'delete', entry: r });
      } else if (r.kind === 'file' && isTempName(nameOf(r.path))) result.leftovers.push(r);
      else {
        result.deletes.push({ op: 'delete', entry: r });
        disturb(r.path);
      }
    }
  });

  // Snapshots list parents before children, so the reverse lists children first.
  result.clear.reverse();
  result.deletes.reverse();
  const stamped = new Set(result.dirMeta.map((a) => a.entry.path));
  for (const path of disturbed) {
    const dir = sourceDirs.get(path);
    if (dir && !stamped.has(path)) result.restamp.push(dir);
  }
  return result;
}

function compare(s: Entry, r: Entry, options: PlanOptions, verdicts: Verdicts): Change | undefined {
  if (s.kind !== r.kind) return 'kind';
  const metaDiffers = !sameMtime(s.mtimeMs, r.mtimeMs) || (s.kind !== 'symlink' && !sameMode(s, r));
  if (s.kind === 'symlink' && s.target !== r.target) return 'target';
  if (s.kind === 'file') {
    if (s.size !== r.size) return 'content';
    if (options.checksum || !sameMtime(s.mtimeMs, r.mtimeMs)) {
      const equal = verdicts.get(s.path);
      if (equal === undefined) throw new Error(`plan: no content verdict for ${s.path}`);
      if (!equal) return 'content';
    }
  }
  return metaDiffers ? 'metadata' : undefined;
}

/**
 * `--max-delete`: when a plan removes more than `max` replica entries, it removes none of
 * them. Creates and updates still run, but not kind changes, which replace what is there,
 * nor anything below them.
 */
export function limitDeletes(p: Plan, max: number): { plan: Plan; withheld: number } {
  const removals = p.clear.length + p.deletes.length;
  if (removals <= max) return { plan: p, withheld: 0 };
  const replaced = [...p.dirs, ...p.transfers]
    .filter((a) => a.op === 'update' && a.change === 'kind')
    .map((a) => `${a.entry.path}/`);
  const keep = (a: Action): boolean =>
    !(a.op === 'update' && a.change === 'kind') && !replaced.some((prefix) => a.entry.path.startsWith(prefix));
  return {
    plan: { ...p, clear: [], deletes: [], dirs: p.dirs.filter(keep), transfers: p.transfers.filter(keep) },
    withheld: removals,
  };
}
