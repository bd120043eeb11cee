import { accessSync, constants, realpathSync, statSync, type Stats } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { describeCause, errnoCode, usageError } from './errors.js';
import type { Verbosity } from './log.js';

/** Options as a user gives them: all optional, strings or numbers as the CLI parsed them. */
export interface UserOptions {
  source?: string;
  replica?: string;
  logFile?: string;
  interval?: string | number;
  once?: boolean;
  workers?: string | number;
  checksum?: boolean;
  chunkSize?: string | number;
  dryRun?: boolean;
  allowEmptySource?: boolean;
  maxDelete?: string | number;
  quiet?: boolean;
  verbose?: boolean;
}

/** Options after validation: all present, paths absolute. */
export interface ResolvedOptions {
  readonly source: string;
  readonly replica: string;
  readonly logFile: string | undefined;
  readonly intervalMs: number;
  readonly once: boolean;
  readonly workers: number;
  readonly checksum: boolean;
  readonly chunkSize: number;
  readonly dryRun: boolean;
  readonly allowEmptySource: boolean;
  /** No deletion at all in a cycle that would delete more than this. */
  readonly maxDelete: number | undefined;
  readonly verbosity: Verbosity;
}

export const DEFAULT_INTERVAL = '60s';
export const DEFAULT_CHUNK_SIZE = '8M';
const MIN_CHUNK_SIZE = 4096;
const MAX_WORKERS = 256;

const DURATION_UNITS: Record<string, number> = { '': 1000, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** `10`, `10s`, `5m`, `1h`, `500ms` → milliseconds; a plain number is seconds. */
export function parseDuration(field: string, value: string | number): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/i.exec(String(value).trim());
  const ms = match ? Number(match[1]) * (DURATION_UNITS[(match[2] ?? '').toLowerCase()] ?? Number.NaN) : Number.NaN;
  if (!(ms > 0) || !Number.isFinite(ms)) throw usageError(`${field} must be a positive duration such as 10, 10s, 5m or 1h (got "${value}")`);
  return Math.round(ms);
}

/** `8M`, `64K`, `1G`, `4096` → bytes. */
export function parseSize(field: string, value: string | number): number {
  const match = /^(\d+)\s*([bkmg])?(?:ib)?$/i.exec(String(value).trim());
  const bytes = match ? Number(match[1]) * (SIZE_UNITS[(match[2] ?? '').toLowerCase()] ?? Number.NaN) : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes < MIN_CHUNK_SIZE) throw usageError(`${field} must be a size of at least 4K, such as 64K or 8M (got "${value}")`);
  return bytes;
}

export function parseWorkers(value: string | number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS) throw usageError(`--workers must be an integer from 1 to ${MAX_WORKERS} (got "${value}")`);
  return n;
}

export function parseMaxDelete(value: string | number): number {
  const n = Number(value);
  if (String(value).trim() === '' || !Number.isSafeInteger(n) || n < 0) throw usageError(`--max-delete must be a whole number of entries, 0 or more (got "${value}")`);
  return n;
}

/** The real path of `path`, or of its nearest existing ancestor joined with the rest (for paths not created yet). */
function realPathOf(path: string): string {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      return join(realpathSync(current), ...missing.reverse());
    } catch {
      const parent = dirname(current);
      if (parent === current) return path;
      missing.push(basename(current));
      current = parent;
    }
  }
}

/** stat, or undefined when nothing is there (a path through a file, ENOTDIR, is nothing too). */
function statIfExists(path: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch (error) {
    if (errnoCode(error) === 'ENOTDIR') return undefined;
    throw usageError(`cannot access ${path}: ${describeCause(error)}`);
  }
}

const isWithin = (inner: string, outer: string): boolean => inner.startsWith(outer.endsWith(sep) ? outer : outer + sep);

function checkSource(path: string): string {
  const stat = statIfExists(path);
  if (!stat) throw usageError(`source ${path} does not exist`);
  if (!stat.isDirectory()) throw usageError(`source ${path} is not a directory`);
  return realpathSync(path);
}

function checkReplica(path: string, source: string): string {
  const stat = statIfExists(path);
  if (stat && !stat.isDirectory()) throw usageError(`replica ${path} is not a directory`);
  const real = realPathOf(path);
  if (real === source) throw usageError(`replica ${path} is the source itself`);
  if (isWithin(real, source)) throw usageError(`replica ${path} is inside the source ${source}`);
  if (isWithin(source, real)) throw usageError(`replica ${path} contains the source ${source}`);
  return real;
}

/** Checks that the log file can be appended to, creating nothing: the nearest existing ancestor must be a writable directory. */
function checkLogFile(path: string, replica: string): string {
  const stat = statIfExists(path);
  if (stat?.isDirectory()) throw usageError(`log file ${path} is a directory`);
  const real = realPathOf(path);
  if (isWithin(real, replica)) throw usageError(`log file ${path} is inside the replica, which must hold only what the source holds`);
  let existing = stat ? path : dirname(path);
  while (!statIfExists(existing)) existing = dirname(existing);
  if (stat === undefined && !statSync(existing).isDirectory()) throw usageError(`log file ${path} cannot be created: ${existing} is not a directory`);
  try {
    accessSync(existing, constants.W_OK);
  } catch {
    throw usageError(`log file ${path} cannot be ${stat ? 'written' : 'created'}: permission denied`);
  }
  return real;
}

/** Validates every option before anything touches the disk; the first problem found is thrown as a usage error. */
export function resolveOptions(user: UserOptions): ResolvedOptions {
  if (user.source === undefined || user.source === '') throw usageError('missing <source>: usage is replisync <source> <replica> [log-file] [interval]');
  if (user.replica === undefined || user.replica === '') throw usageError('missing <replica>: usage is replisync <source> <replica> [log-file] [interval]');
  if (user.quiet && user.verbose) throw usageError('--quiet and --verbose cannot be used together');
  const source = checkSource(resolve(user.source));
  const replica = checkReplica(resolve(user.replica), source);
  return {
    source,
    replica,
    logFile: user.logFile === undefined ? undefined : checkLogFile(resolve(user.logFile), replica),
    intervalMs: parseDuration('interval', user.interval ?? DEFAULT_INTERVAL),
    once: user.once ?? false,
    workers: user.workers === undefined ? availableParallelism() : parseWorkers(user.workers),
    checksum: user.checksum ?? false,
    chunkSize: parseSize('--chunk-size', user.chunkSize ?? DEFAULT_CHUNK_SIZE),
    dryRun: user.dryRun ?? false,
    allowEmptySource: user.allowEmptySource ?? false,
    maxDelete: user.maxDelete === undefined ? undefined : parseMaxDelete(user.maxDelete),
    verbosity: user.quiet ? 'quiet' : user.verbose ? 'verbose' : 'normal',
  };
}
