import { lstatSync, type Stats } from 'node:fs';
import type { Kind } from '../tree.js';
import { KIND, KINDS } from './column-entries.js';

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
/** The kind of an `st_mode`, as its index in `KINDS`. */
export function kindCode(mode: number): number {
  const type = mode & S_IFMT;
  return type === 0o100000 ? KIND.file : type === 0o040000 ? KIND.dir : type === 0o120000 ? KIND.symlink : KIND.special;
}

/** Node's own lstat: it fills one shared array of numbers, which `lstatSync` then wraps in a `Stats` with four `Date`s. */
type BindingLstat = (
  path: string | Buffer,
  bigint: false,
  req: undefined,
  throwIfNoEntry: boolean,
) => Float64Array | undefined;

/** Where `lstatNumbers` puts each number. */
export const DEV = 0;
export const MODE = 1;
export const NLINK = 2;
export const UID = 3;
export const GID = 4;
export const INO = 5;
export const SIZE = 6;
/** As `Stats.mtimeMs` (seconds × 1000 + nanoseconds / 10^6). */
export const MTIME = 7;
const numbers = new Float64Array(8);

function fromBinding(v: Float64Array): Float64Array {
  numbers[DEV] = v[0] as number;
  numbers[MODE] = v[1] as number;
  numbers[NLINK] = v[2] as number;
  numbers[UID] = v[3] as number;
  numbers[GID] = v[4] as number;
  numbers[INO] = v[7] as number;
  numbers[SIZE] = v[8] as number;
  numbers[MTIME] = (v[12] as number) * 1e3 + (v[13] as number) / 1e6;
  return numbers;
}

function fromStats(s: Stats): Float64Array {
  numbers[DEV] = s.dev;
  numbers[MODE] = s.mode;
  numbers[NLINK] = s.nlink;
  numbers[UID] = s.uid;
  numbers[GID] = s.gid;
  numbers[INO] = s.ino;
  numbers[SIZE] = s.size;
  numbers[MTIME] = s.mtimeMs;
  return numbers;
}

const lstatFrom = (n: Float64Array): Lstat => ({
  kind: KINDS[kindCode(n[MODE] as number)] as Kind,
  dev: n[DEV] as number,
  mode: n[MODE] as number,
  nlink: n[NLINK] as number,
  uid: n[UID] as number,
  gid: n[GID] as number,
  ino: n[INO] as number,
  size: n[SIZE] as number,
  mtimeMs: n[MTIME] as number,
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
      // Both fill the one array: each is read into an object before the other call.
      const fromIt = values instanceof Float64Array ? lstatFrom(fromBinding(values)) : undefined;
      return fromIt !== undefined && stats !== undefined && same(fromIt, lstatFrom(fromStats(stats)));
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

/**
 * `lstatSync(path, { throwIfNoEntry: false })`'s numbers, at `DEV`, `MODE`, … of one array that
 * the next call overwrites: a walk keeps no object per entry. Throws what it throws.
 */
export const lstatNumbers: (path: string | Buffer) => Float64Array | undefined =
  binding === undefined
    ? (path) => {
        const stats = lstatSync(path, { throwIfNoEntry: false });
        return stats && fromStats(stats);
      }
    : (path) => {
        const values = binding(path, false, undefined, false);
        return values && fromBinding(values);
      };

/** `lstatSync(path, { throwIfNoEntry: false })`, without the `Stats`; throws what it throws. */
export const lstatOf = (path: string | Buffer): Lstat | undefined => {
  const n = lstatNumbers(path);
  return n && lstatFrom(n);
};
