import { accessSync, constants, lstatSync, readlinkSync, realpathSync, type Stats, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { describeCause, errnoCode, ReplisyncError, usageError } from '../errors.js';
import type { LogFormat } from '../report/log.js';
import type { ResolvedJob, ResolvedOptions } from '../run/options.js';
import { compileExcludes, excludeRule, includeRule } from '../tree/filter.js';
import type { UserOptions } from './args.js';
import { DEFAULT_CHUNK_SIZE, DEFAULT_INTERVAL, type JobSettings, namesIn } from './flags.js';
import { isWithin, overlap, relation } from './identity.js';
import { jobLabel, loadConfig } from './jobs-file.js';
import { twoWaySettings, watchDelayOf } from './modes.js';
import { parseCount, parseDuration, parseMaxDelete, parseSize, parseWorkers } from './units.js';

export type { ResolvedJob, ResolvedOptions };

/** The real path of `path`, or of its nearest existing ancestor joined with the rest (for paths not created yet). */
function realPathOf(path: string): string {
  const missing: string[] = [];
  let current = path;
  // A dangling symlink is where it points, not where it stands: a log file linked into the replica is in the replica.
  const isLink = (at: string): boolean => {
    try {
      return lstatSync(at, { throwIfNoEntry: false })?.isSymbolicLink() === true;
    } catch {
      return false;
    }
  };
  for (let hops = 0; hops < 40 && isLink(current); hops++) {
    if (statIfExists(current)) break;
    current = resolve(dirname(current), readlinkSync(current));
  }
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
  const found = overlap(real, source);
  if (found === 'same') throw usageError(`replica ${path} is the source itself`);
  if (found === 'a inside b') throw usageError(`replica ${path} is inside the source ${source}`);
  if (found === 'b inside a') throw usageError(`replica ${path} contains the source ${source}`);
  return real;
}

/** A backup folder inside the source would be synced, inside the replica deleted: both refused. */
function checkBackupDir(path: string, source: string, replicaPath: string): string {
  const real = realPathOf(path);
  const replica = realPathOf(resolve(replicaPath));
  for (const [what, tree] of [
    ['source', source],
    ['replica', replica],
  ] as const) {
    if (overlap(real, tree) !== undefined) throw usageError(`backup dir ${path} overlaps the ${what} ${tree}`);
  }
  return real;
}

/** Checks that a file we append to (the log, the report) can be written, creating nothing. */
function checkOutputFile(what: string, path: string, replicas: readonly string[]): string {
  const stat = statIfExists(path);
  if (stat?.isDirectory()) throw usageError(`${what} ${path} is a directory`);
  const real = realPathOf(path);
  if (replicas.some((replica) => isWithin(real, replica) || relation(real, replica) !== undefined))
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

/**
 * A log file or report inside a job's source would be copied again every cycle (and warned
 * about as changed while copied): it is excluded from that job, by its path from the root.
 */
function excludeOwnOutput(job: ResolvedJob, outputs: readonly (string | undefined)[]): ResolvedJob {
  const own = outputs.flatMap((path) =>
    path !== undefined && isWithin(path, job.source)
      ? [`/${relative(job.source, path).replace(/[*?[\\]/g, '\\$&')}`]
      : [],
  );
  // First: no include rule may bring them back.
  return own.length === 0 ? job : { ...job, exclude: [...own, ...job.exclude] };
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
  resync: boolean,
  where = '',
): ResolvedJob {
  return within(where, () => {
    const realSource = checkSource(resolve(source));
    const exclude = settings.exclude ?? [];
    compileExcludes(exclude);
    const realReplica = checkReplica(resolve(replica), realSource);
    return {
      name,
      source: realSource,
      replica: realReplica,
      intervalMs: parseDuration('interval', settings.interval ?? DEFAULT_INTERVAL),
      checksum: settings.checksum ?? false,
      chunkSize: parseSize('--chunk-size', settings.chunkSize ?? DEFAULT_CHUNK_SIZE),
      dryRun,
      allowEmptySource: settings.allowEmptySource ?? false,
      maxDelete: settings.maxDelete === undefined ? undefined : parseMaxDelete(settings.maxDelete),
      exclude,
      deleteExcluded: settings.deleteExcluded ?? false,
      noOwner: settings.noOwner ?? false,
      noHardLinks: settings.noHardLinks ?? false,
      sizeOnly: settings.sizeOnly ?? false,
      oneFileSystem: settings.oneFileSystem ?? false,
      backupDir:
        settings.backupDir === undefined ? undefined : checkBackupDir(resolve(settings.backupDir), realSource, replica),
      backupKeep: settings.backupKeep === undefined ? undefined : parseCount('--backup-keep', settings.backupKeep),
      itemizeChanges: false,
      ...twoWaySettings(settings, realSource, realReplica, resync),
      watchDelayMs: watchDelayOf(settings),
    };
  });
}

/** No replica may overlap another job's source or replica: two jobs would fight over it. */
function checkOverlaps(jobs: readonly ResolvedJob[], label: (i: number) => string): void {
  // What a job writes: its replica, and in two-way its source too.
  const written = (job: ResolvedJob): ['source' | 'replica', string][] =>
    job.twoWay
      ? [
          ['replica', job.replica],
          ['source', job.source],
        ]
      : [['replica', job.replica]];
  jobs.forEach((job, i) => {
    jobs.forEach((other, j) => {
      if (i === j) return;
      for (const [mine, root] of written(job)) {
        for (const [what, path] of [
          ['source', other.source],
          ['replica', other.replica],
        ] as const) {
          if (j < i && written(other).some(([, p]) => p === path)) continue;
          if (overlap(root, path) !== undefined) {
            throw usageError(`${label(i)}: ${mine} ${root} overlaps the ${what} of ${label(j)} (${path})`);
          }
        }
      }
    });
  });
}

/** Validates every option before anything touches the disk; the first problem found is thrown as a usage error. */
export function resolveOptions(user: UserOptions): ResolvedOptions {
  if (user.quiet && user.verbose) throw usageError('--quiet and --verbose cannot be used together');
  if (user.progress && user.noProgress) throw usageError('--progress and --no-progress cannot be used together');
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
        {
          ...pickJobSettings(config.defaults),
          ...job,
          ...overrides,
          // The command line's filter rules come first (they are the more specific wish), then
          // the job's (or the file's) include rules, then its excludes: nothing is replaced.
          exclude: [
            ...(user.exclude ?? []),
            ...(job.include ?? config.defaults.include ?? []).map(includeRule),
            ...(job.exclude ?? config.defaults.exclude ?? []).map(excludeRule),
          ],
        },
        dryRun,
        user.resync ?? false,
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
    jobs = [resolveJob('', user.source, user.replica, user, dryRun, user.resync ?? false)];
  }
  if (user.resync && !jobs.some((job) => job.twoWay)) {
    throw usageError('--resync rebuilds the state of a two-way pair: use it with --two-way');
  }
  const replicas = jobs.map((j) => j.replica);
  const logFile =
    global.logFile === undefined ? undefined : checkOutputFile('log file', resolve(global.logFile), replicas);
  const report =
    global.report === undefined ? undefined : checkOutputFile('report file', resolve(global.report), replicas);
  if (logFile !== undefined && logFile === report) throw usageError(`the report file ${report} is the log file`);
  const itemizeChanges = user.itemizeChanges === true;
  return {
    jobs: jobs.map((job) => ({ ...excludeOwnOutput(job, [logFile, report]), itemizeChanges })),
    logFile,
    report,
    stats: user.stats === true,
    progress: user.noProgress ? 'never' : user.progress ? 'always' : 'auto',
    statsIntervalMs:
      global.statsInterval === undefined ? undefined : parseDuration('--stats-interval', global.statsInterval),
    once: user.once ?? false,
    workers: global.workers === undefined ? availableParallelism() : parseWorkers(global.workers),
    verbosity: user.quiet ? 'quiet' : user.verbose ? 'verbose' : 'normal',
    logFormat: logFormatOf(global.logFormat),
  };
}

function logFormatOf(value: string | number | undefined): LogFormat {
  if (value === undefined || value === 'text' || value === 'json') return value ?? 'text';
  throw usageError(`--log-format must be text or json, not "${value}"`);
}

function pickJobSettings(from: JobSettings): JobSettings {
  return Object.fromEntries(namesIn('job').map((k) => [k, (from as Record<string, unknown>)[k]])) as JobSettings;
}

/** Drops unset and false values, so that they do not override a file's settings. */
function definedOnly<T extends object>(from: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(from).filter(([, v]) => v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0)),
  ) as Partial<T>;
}
