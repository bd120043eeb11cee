import { createHash } from 'node:crypto';
import type { Entry, Kind } from '../../tree/tree.js';

/**
 * What both sides of a pair held at a path when they were last verified equal: each side's
 * later scan is compared with its own record, never with the other side's clock. Directory
 * mtimes are not kept (every write inside one moves it); `mtimes` holds each side's own.
 */
export interface Synced {
  readonly path: string;
  readonly kind: Kind;
  readonly size: number;
  readonly mode: number;
  /** A symlink's target; undefined for the rest. */
  readonly target: string | undefined;
  readonly mtimeSource: number;
  readonly mtimeReplica: number;
}

/** A pair's state: whose it is and its records, in snapshot order (see order.ts). */
export interface PairState {
  readonly source: string;
  readonly replica: string;
  readonly records: readonly Synced[];
}

const MAGIC = 'replisync-state';
const VERSION = 1;
const KINDS: readonly Kind[] = ['file', 'dir', 'symlink', 'special'];

/** A state that cannot be used; its message says why, for a person. */
export class BadState extends Error {}

/** The record of a path both sides now hold as `entry` (mtimes set from it). */
export const syncedOf = (entry: Entry, mtimeSource = entry.mtimeMs, mtimeReplica = entry.mtimeMs): Synced => ({
  path: entry.path,
  kind: entry.kind,
  size: entry.kind === 'file' ? entry.size : 0,
  mode: entry.mode,
  target: entry.kind === 'symlink' ? entry.target : undefined,
  mtimeSource,
  mtimeReplica,
});

// Paths and targets go as UTF-16: a name that is not UTF-8 travels as lone surrogates (names.ts), which UTF-8 would lose.
const text = (strings: readonly string[]): Buffer => Buffer.from(strings.join('\0'), 'utf16le');
const strings = (bytes: Buffer, count: number): string[] => (count === 0 ? [] : bytes.toString('utf16le').split('\0'));

/**
 * The state as bytes: a text header line (magic, version, pair, counts, the body's SHA-256),
 * then the body in columns (paths, targets, kinds, sizes, modes, both mtimes), so that
 * 100,000 records load and save in a few milliseconds.
 */
export function encodeState(state: PairState): Buffer {
  const n = state.records.length;
  const targets = state.records.flatMap((r) => (r.kind === 'symlink' ? [r.target ?? ''] : []));
  const kinds = Buffer.alloc(n);
  const sizes = new Float64Array(n);
  const modes = new Uint16Array(n);
  const mtimes = new Float64Array(2 * n);
  state.records.forEach((r, i) => {
    kinds[i] = KINDS.indexOf(r.kind);
    sizes[i] = r.size;
    modes[i] = r.mode;
    mtimes[2 * i] = r.mtimeSource;
    mtimes[2 * i + 1] = r.mtimeReplica;
  });
  const paths = text(state.records.map((r) => r.path));
  const linkText = text(targets);
  const body = Buffer.concat([
    Buffer.from(sizes.buffer),
    Buffer.from(mtimes.buffer),
    Buffer.from(modes.buffer),
    kinds,
    paths,
    linkText,
  ]);
  const header = {
    source: state.source,
    replica: state.replica,
    records: n,
    symlinks: targets.length,
    pathBytes: paths.length,
    sha256: createHash('sha256').update(body).digest('hex'),
  };
  return Buffer.concat([Buffer.from(`${MAGIC} ${VERSION} ${JSON.stringify(header)}\n`), body]);
}

interface Header {
  source: string;
  replica: string;
  records: number;
  symlinks: number;
  pathBytes: number;
  sha256: string;
}

function headerOf(bytes: Buffer): { header: Header; body: Buffer } {
  const end = bytes.indexOf(10);
  const line = bytes.subarray(0, Math.max(0, end)).toString();
  const prefix = `${MAGIC} ${VERSION} `;
  if (end < 0 || !line.startsWith(`${MAGIC} `)) throw new BadState('it is not a replisync state file');
  if (!line.startsWith(prefix)) throw new BadState(`it is of another version (${line.split(' ')[1]})`);
  let header: Header;
  try {
    header = JSON.parse(line.slice(prefix.length)) as Header;
  } catch {
    throw new BadState('its header is damaged');
  }
  const body = bytes.subarray(end + 1);
  if (createHash('sha256').update(body).digest('hex') !== header.sha256) {
    throw new BadState('its integrity check fails (the file is damaged or was cut short)');
  }
  return { header, body };
}

/** Reads what `encodeState` wrote; throws `BadState` for anything else. */
export function decodeState(bytes: Buffer): PairState {
  const { header, body } = headerOf(bytes);
  const n = header.records;
  let at = 0;
  const take = (length: number): Buffer => {
    const slice = body.subarray(at, at + length);
    at += length;
    return slice;
  };
  // Copied out: a Float64Array needs an aligned buffer of its own.
  const copy = (slice: Buffer): ArrayBuffer =>
    slice.buffer.slice(slice.byteOffset, slice.byteOffset + slice.length) as ArrayBuffer;
  const sizes = new Float64Array(copy(take(8 * n)));
  const mtimes = new Float64Array(copy(take(16 * n)));
  const modes = new Uint16Array(copy(take(2 * n)));
  const kinds = take(n);
  const paths = strings(take(header.pathBytes), n);
  const targets = strings(body.subarray(at), header.symlinks);
  if (paths.length !== n || targets.length !== header.symlinks) throw new BadState('its records do not add up');
  let link = 0;
  const records = paths.map((path, i): Synced => {
    const kind = KINDS[kinds[i] as number] ?? 'special';
    return {
      path,
      kind,
      size: sizes[i] as number,
      mode: modes[i] as number,
      target: kind === 'symlink' ? targets[link++] : undefined,
      mtimeSource: mtimes[2 * i] as number,
      mtimeReplica: mtimes[2 * i + 1] as number,
    };
  });
  return { source: header.source, replica: header.replica, records };
}
