import { lstatSync, type Stats } from 'node:fs';
import type { Kind } from '../tree.js';

/** What a walk needs of one `lstat`. */
export interface Lstat {
  readonly kind: Kind;
  readonly dev: number;
  readonly ino: number;
  /** The whole `st_mode`, type bits included. */
  readonly mode: number;
  readonly nlink: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  /** Exactly as `Stats.mtimeMs` (seconds × 1000 + nanoseconds / 10^6). */
  readonly mtimeMs: number;
}

const S_IFMT = 0o170000;
const TYPES: ReadonlyMap<number, Kind> = new Map([
  [0o100000, 'file'],
  [0o040000, 'dir'],
  [0o120000, 'symlink'],
]);
const kindOfMode = (mode: number): Kind => TYPES.get(mode & S_IFMT) ?? 'special';

/** Node's own lstat: it fills one shared array of numbers, which `lstatSync` then wraps in a `Stats` with four `Date`s. */
type BindingLstat = (
  path: string | Buffer,
  bigint: false,
  req: undefined,
  throwIfNoEntry: boolean,
) => Float64Array | undefined;

const fromValues = (v: Float64Array): Lstat => ({
  kind: kindOfMode(v[1] as number),
  dev: v[0] as number,
  mode: v[1] as number,
  nlink: v[2] as number,
  uid: v[3] as number,
  gid: v[4] as number,
  ino: v[7] as number,
  size: v[8] as number,
  mtimeMs: (v[12] as number) * 1e3 + (v[13] as number) / 1e6,
});

const fromStats = (s: Stats): Lstat => ({
  kind: kindOfMode(s.mode),
  dev: s.dev,
  mode: s.mode,
  nlink: s.nlink,
  uid: s.uid,
  gid: s.gid,
  ino: s.ino,
  size: s.size,
  mtimeMs: s.mtimeMs,
});

const same = (a: Lstat, b: Lstat): boolean =>
  (Object.keys(a) as (keyof Lstat)[]).every((key) => Object.is(a[key], b[key]));

/**
 * Node's binding when it is there, has the shape this was written against and answers exactly
 * as `lstatSync` does for a directory, a file and a missing path; otherwise none, and the walk
 * uses `lstatSync`. It saves a `Stats` object and its four `Date`s per entry, and their garbage.
 */
function bindingLstat(): BindingLstat | undefined {
  // Asked to, Node warns on every use of `process.binding`: the walk then does without it.
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  if (flags.includes('--pending-deprecation')) return undefined;
  try {
    const binding = (process as unknown as { binding(name: string): { lstat?: unknown } }).binding('fs');
    const raw = binding.lstat;
    if (typeof raw !== 'function') return undefined;
    const call = raw.bind(binding) as BindingLstat;
    const probe = (path: string): boolean => {
      const values = call(path, false, undefined, false);
      const stats = lstatSync(path, { throwIfNoEntry: false });
      return values instanceof Float64Array && stats !== undefined && same(fromValues(values), fromStats(stats));
    };
    const missing = call(`${process.execPath}.replisync-missing`, false, undefined, false) === undefined;
    return probe('/') && probe(process.execPath) && missing ? call : undefined;
  } catch {
    return undefined;
  }
}

const binding = bindingLstat();

/** Which of the two `lstatOf` uses (a test checks that this Node gives the binding). */
export const lstatSource: 'binding' | 'lstatSync' = binding === undefined ? 'lstatSync' : 'binding';

/** `lstatSync(path, { throwIfNoEntry: false })`, without the `Stats`; throws what it throws. */
export const lstatOf: (path: string | Buffer) => Lstat | undefined =
  binding === undefined
    ? (path) => {
        const stats = lstatSync(path, { throwIfNoEntry: false });
        return stats && fromStats(stats);
      }
    : (path) => {
        const values = binding(path, false, undefined, false);
        return values && fromValues(values);
      };
