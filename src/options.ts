import { accessSync, constants, realpathSync, type Stats, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { jobLabel, loadConfig } from './config.js';
import { describeCause, errnoCode, ReplisyncError, usageError } from './errors.js';
import { compileExcludes } from './filter.js';
import type { Verbosity } from './log.js';
import type { CycleOptions } from './sync.js';

/** What may differ from one folder pair to the next: CLI flags, or a job in a jobs file. */
export interface JobSettings {
  interval?: string | number;
  checksum?: boolean;
  chunkSize?: string | number;
  allowEmptySource?: boolean;
  maxDelete?: string | number;
  exclude?: string[];
  deleteExcluded?: boolean;
}

/** Options as a user gives them: all optional, strings or numbers as the CLI parsed them. */
export interface UserOptions extends JobSettings {
  source?: string;
  replica?: string;
  /** A jobs file (see config.ts) instead of one source and replica. */
  config?: string;
  logFile?: string;
  report?: string;
  statsInterval?: string | number;
  once?: boolean;
  workers?: string | number;
  dryRun?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

/** One folder pair, validated: what a cycle needs, its schedule, and the name its log lines carry ('' for none). */
export interface ResolvedJob extends CycleOptions {
  readonly name: string;
  readonly intervalMs: number;
}

/** Options after validation: all present, paths absolute. */
export interface ResolvedOptions {
  readonly jobs: ResolvedJob[];
  readonly logFile: string | undefined;
  /** JSON Lines, one object per cycle. */
  readonly report: string | undefined;
  readonly statsIntervalMs: number | undefined;
  readonly once: boolean;
  readonly workers: number;
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
  if (!(ms > 0) || !Number.isFinite(ms))
    throw usageError(`${field} must be a positive duration such as 10, 10s, 5m or 1h (got "${value}")`);
  return Math.round(ms);
}

/** `8M`, `64K`, `1G`, `4096` → bytes. */
export function parseSize(field: string, value: string | number): number {
  const match = /^(\d+)\s*([bkmg])?(?:ib)?$/i.exec(String(value).trim());
  const bytes = match ? Number(match[1]) * (SIZE_UNITS[(match[2] ?? '').toLowerCase()] ?? Number.NaN) : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes < MIN_CHUNK_SIZE)
    throw usageError(`${field} must be a size of at least 4K, such as 64K or 8M (got "${value}")`);
  return bytes;
}

export function parseWorkers(value: string | number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS)
    throw usageError(`--workers must be an integer from 1 to ${MAX_WORKERS} (got "${value}")`);
  return n;
}

export function parseMaxDelete(value: string | number): number {
  const n = Number(value);
  if (String(value).trim() === '' || !Number.isSafeInteger(n) || n < 0)
    throw usageError(`--max-delete must be a whole number of entries, 0 or more (got "${value}")`);
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

/** Checks that a file we append to (the log, the report) can be written, creating nothing. */
function checkOutputFile(what: string, path: string, replicas: readonly string[]): string {
  const stat = statIfExists(path);
  if (stat?.isDirectory()) throw usageError(`${what} ${path} is a directory`);
  const real = realPathOf(path);
  if (replicas.some((replica) => isWithin(real, replica)))
    throw usageError(`${what} ${path} is inside the replica, which must hold only what the source holds`);
  let existing = stat ? path : dirname(path);
  while (!statIfExists(existing)) existing = dirname(existing);
  if (stat === undefined && !statSync(existing).isDirectory())
    throw usageError(`${what} ${path} cannot be created: ${existing} is not a directory`);
  try {
    accessSync(existing, constants.W_OK);
  } catch {
    throw usageError(`${what} ${path} cannot be ${stat ? 'written' : 'created'}: permission denied`);
  }
  return real;
}

/** Prefixes a usage error with where it was found (a job of a jobs file). */
function within<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (where !== '' && error instanceof ReplisyncError) throw usageError(`${where}: ${error.message}`);
    throw error;
  }
}

/** Validates one folder pair and its settings. */
export function resolveJob(
  name: string,
  source: string,
  replica: string,
  settings: JobSettings,
  dryRun: boolean,
  where = '',
): ResolvedJob {
  return within(where, () => {
    const realSource = checkSource(resolve(source));
    const exclude = settings.exclude ?? [];
    compileExcludes(exclude);
    return {
      name,
      source: realSource,
      replica: checkReplica(resolve(replica), realSource),
      intervalMs: parseDuration('interval', settings.interval ?? DEFAULT_INTERVAL),
      checksum: settings.checksum ?? false,
      chunkSize: parseSize('--chunk-size', settings.chunkSize ?? DEFAULT_CHUNK_SIZE),
      dryRun,
      allowEmptySource: settings.allowEmptySource ?? false,
      maxDelete: settings.maxDelete === undefined ? undefined : parseMaxDelete(settings.maxDelete),
      exclude,
      deleteExcluded: settings.deleteExcluded ?? false,
    };
  });
}

/** No replica may overlap another job's source or replica: two jobs would fight over it. */
function checkOverlaps(jobs: readonly ResolvedJob[], label: (i: number) => string): void {
  jobs.forEach((job, i) => {
    jobs.forEach((other, j) => {
      if (i === j) return;
      for (const [what, path] of [
        ['source', other.source],
        ['replica', other.replica],
      ] as const) {
        if (what === 'replica' && j < i) continue;
        if (job.replica === path || isWithin(job.replica, path) || isWithin(path, job.replica)) {
          throw usageError(`${label(i)}: replica ${job.replica} overlaps the ${what} of ${label(j)} (${path})`);
        }
      }
    });
  });
}

/** Validates every option before anything touches the disk; the first problem found is thrown as a usage error. */
export function resolveOptions(user: UserOptions): ResolvedOptions {
  if (user.quiet && user.verbose) throw usageError('--quiet and --verbose cannot be used together');
  const dryRun = user.dryRun ?? false;
  let jobs: ResolvedJob[];
  let global: UserOptions = user;
  if (user.config !== undefined) {
    if (user.source !== undefined)
      throw usageError('--config takes the folder pairs from the file: give no <source> <replica> with it');
    const config = loadConfig(resolve(user.config));
    // Flags given on the command line override the file's top-level settings and apply to every job.
    global = { ...config.defaults, ...definedOnly(user) };
    const overrides = definedOnly(pickJobSettings(user));
    const label = (i: number): string => jobLabel(i, config.jobs[i]?.name);
    jobs = config.jobs.map((job, i) =>
      resolveJob(
        job.name ?? `job${i + 1}`,
        job.source,
        job.replica,
        { ...pickJobSettings(config.defaults), ...job, ...overrides },
        dryRun,
        label(i),
      ),
    );
    const names = new Set<string>();
    jobs.forEach((job, i) => {
      if (names.has(job.name)) throw usageError(`${label(i)}: name "${job.name}" is used by another job`);
      names.add(job.name);
    });
    checkOverlaps(jobs, label);
  } else {
    if (user.source === undefined || user.source === '')
      throw usageError('missing <source>: usage is replisync <source> <replica> [log-file] [interval]');
    if (user.replica === undefined || user.replica === '')
      throw usageError('missing <replica>: usage is replisync <source> <replica> [log-file] [interval]');
    jobs = [resolveJob('', user.source, user.replica, user, dryRun)];
  }
  const replicas = jobs.map((j) => j.replica);
  return {
    jobs,
    logFile: global.logFile === undefined ? undefined : checkOutputFile('log file', resolve(global.logFile), replicas),
    report: global.report === undefined ? undefined : checkOutputFile('report file', resolve(global.report), replicas),
    statsIntervalMs:
      global.statsInterval === undefined ? undefined : parseDuration('--stats-interval', global.statsInterval),
    once: user.once ?? false,
    workers: global.workers === undefined ? availableParallelism() : parseWorkers(global.workers),
    verbosity: user.quiet ? 'quiet' : user.verbose ? 'verbose' : 'normal',
  };
}

const JOB_SETTINGS = [
  'interval',
  'checksum',
  'chunkSize',
  'allowEmptySource',
  'maxDelete',
  'exclude',
  'deleteExcluded',
] as const;

function pickJobSettings(from: JobSettings): JobSettings {
  return Object.fromEntries(JOB_SETTINGS.map((k) => [k, from[k]])) as JobSettings;
}

/** Drops unset and false values, so that they do not override a file's settings. */
function definedOnly<T extends object>(from: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(from).filter(([, v]) => v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0)),
  ) as Partial<T>;
}
