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

/** Same-size file pairs whose content must be hashed before they can be planned. */
export function pairsToHash(source: Snapshot, replica: Snapshot, options: PlanOptions): Entry[] {
  const pairs: Entry[] = [];
  for (const s of source.entries.values()) {
    if (s.kind !== 'file') continue;
    const r = replica.entries.get(s.path);
    if (r?.kind === 'file' && r.size === s.size && (options.checksum || !sameMtime(s.mtimeNs, r.mtimeNs))) pairs.push(s);
  }
  return pairs;
}

const parentOf = (path: string): string | undefined => (path === '' ? undefined : path.slice(0, Math.max(0, path.lastIndexOf('/'))));

/**
 * Decides every operation of a cycle from two snapshots and the hash verdicts of
 * {@link pairsToHash}. Pure: no I/O. Equality follows rclone's order: kind differs →
 * replace; size differs → copy; size and mtime equal → equal (unless checksum); otherwise
 * the hash decides between a content copy and a metadata fix.
 */
export function plan(source: Snapshot, replica: Snapshot, options: PlanOptions, verdicts: Verdicts): Plan {
  const result: Plan = { clear: [], dirs: [], transfers: [], deletes: [], dirMeta: [], restamp: [], skipped: [], leftovers: [] };
  const disturbed = new Set<string>();
  const disturb = (path: string): void => {
    const parent = parentOf(path);
    if (parent !== undefined) disturbed.add(parent);
  };

  for (const s of source.entries.values()) {
    if (s.kind === 'special') {
      result.skipped.push(s);
      continue;
    }
    const r = replica.entries.get(s.path);
    if (!r) {
      (s.kind === 'dir' ? result.dirs : result.transfers).push({ op: 'create', entry: s });
      if (s.kind === 'dir') disturbed.add(s.path);
      disturb(s.path);
      continue;
    }
    const change = compare(s, r, options, verdicts);
    if (change === undefined) continue;
    const action: Action = { op: 'update', entry: s, change };
    if (s.kind === 'dir') {
      if (change === 'kind') {
        result.dirs.push(action);
        disturbed.add(s.path);
      } else result.dirMeta.push(action);
    } else result.transfers.push(action);
    if (change !== 'metadata') disturb(s.path);
  }

  planRemovals(source, replica, result, disturb);

  const stamped = new Set(result.dirMeta.map((a) => a.entry.path));
  for (const path of disturbed) {
    const s = source.entries.get(path);
    if (s?.kind === 'dir' && !stamped.has(path)) result.restamp.push(s);
  }
  return result;
}

function compare(s: Entry, r: Entry, options: PlanOptions, verdicts: Verdicts): Change | undefined {
  if (s.kind !== r.kind) return 'kind';
  const metaDiffers = !sameMtime(s.mtimeNs, r.mtimeNs) || (s.kind !== 'symlink' && !sameMode(s, r));
  if (s.kind === 'symlink' && s.target !== r.target) return 'target';
  if (s.kind === 'file') {
    if (s.size !== r.size) return 'content';
    if (options.checksum || !sameMtime(s.mtimeNs, r.mtimeNs)) {
      const equal = verdicts.get(s.path);
      if (equal === undefined) throw new Error(`plan: no content verdict for ${s.path}`);
      if (!equal) return 'content';
    }
  }
  return metaDiffers ? 'metadata' : undefined;
}

/**
 * Replica entries the source lacks go to `deletes`; those standing where the source has
 * another kind (and everything below them) go to `clear`. Nothing is removed below a
 * source directory that could not be read: absent there means unseen, not deleted.
 */
function planRemovals(source: Snapshot, replica: Snapshot, result: Plan, disturb: (path: string) => void): void {
  const unseen = new Set(source.unreadable.map((f) => f.path));
  const cleared = new Set<string>();
  const clear: Action[] = [];
  const deletes: Action[] = [];
  for (const r of replica.entries.values()) {
    const parent = parentOf(r.path);
    if (parent !== undefined && unseen.has(parent)) {
      unseen.add(r.path);
      continue;
    }
    const s = source.entries.get(r.path);
    if (parent !== undefined && cleared.has(parent)) {
      cleared.add(r.path);
      clear.push({ op: 'delete', entry: r });
    } else if (s && s.kind !== r.kind && s.kind !== 'special') {
      // The entry itself is replaced by its update action; only its contents are listed.
      cleared.add(r.path);
    } else if (!s && r.kind === 'file' && isTempName(r.path.slice(r.path.lastIndexOf('/') + 1))) {
      result.leftovers.push(r);
    } else if (!s && !unseen.has(r.path)) {
      deletes.push({ op: 'delete', entry: r });
      disturb(r.path);
    }
  }
  // Snapshots list parents before children, so the reverse lists children first.
  result.clear.push(...clear.reverse());
  result.deletes.push(...deletes.reverse());
}

/**
 * `--max-delete`: when a plan removes more than `max` replica entries, it removes none of
 * them. Creates and updates still run, but not kind changes, which replace what is there.
 */
export function limitDeletes(p: Plan, max: number): { plan: Plan; withheld: number } {
  const removals = p.clear.length + p.deletes.length;
  if (removals <= max) return { plan: p, withheld: 0 };
  const keep = (a: Action): boolean => !(a.op === 'update' && a.change === 'kind');
  return {
    plan: { ...p, clear: [], deletes: [], dirs: p.dirs.filter(keep), transfers: p.transfers.filter(keep) },
    withheld: removals,
  };
}
