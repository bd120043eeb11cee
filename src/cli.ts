#!/usr/bin/env node
import { dirname } from 'node:path';
import { cac } from 'cac';
import { ReplisyncError } from './errors.js';
import { lockReplicas } from './lock.js';
import type { Logger, RunLogger } from './log.js';
import { makeDirs } from './makedirs.js';
import {
  DEFAULT_CHUNK_SIZE,
  DEFAULT_INTERVAL,
  type ResolvedOptions,
  resolveOptions,
  type UserOptions,
} from './options.js';
import { WorkerPool } from './pool.js';
import type { Progress } from './progress.js';

const EXIT_OK = 0;
const EXIT_ENTRIES_FAILED = 1;
const EXIT_USAGE = 2;

type Flags = Omit<UserOptions, 'source' | 'replica'> & { '--'?: string[] };

/** Parses argv; returns undefined when cac already answered (--help, --version). */
function parseArgs(argv: string[]): UserOptions | undefined {
  const cli = cac('replisync');
  const command = cli
    .command(
      '[source] [replica] [logFile] [interval]',
      'Keep <replica> an exact copy of <source>, syncing every [interval]',
    )
    .option('--log-file <path>', 'Append every operation to this file (same as the third argument)')
    .option('--interval <time>', `Time between cycle starts: 10, 10s, 5m, 1h (default: ${DEFAULT_INTERVAL})`)
    .option('--once', 'Run one cycle, then exit')
    .option('--workers <n>', 'Worker threads in the pool (default: available cores)')
    .option('--checksum', 'Compare the content of every same-size pair, not only when mtimes differ')
    .option(
      '--chunk-size <bytes>',
      `Hash large files in ranges of this size: 64K, 8M… (default: ${DEFAULT_CHUNK_SIZE})`,
    )
    .option('--dry-run', 'Print what would change; change nothing')
    .option('--allow-empty-source', 'Let an empty source empty the replica (refused by default)')
    .option('--max-delete <n>', 'Delete nothing in a cycle that would delete more than n entries')
    .option(
      '--exclude <glob>',
      'Neither copy nor delete paths matching this glob (repeatable): *.tmp, **/node_modules, cache/',
      { type: [String] },
    )
    .option('--delete-excluded', 'Delete excluded paths from the replica')
    .option('--config <file>', 'Run the folder pairs of a jobs file (JSON) instead of one <source> <replica>')
    .option('--report <file>', 'Append one JSON object per cycle to this file (JSON Lines)')
    .option('--stats-interval <time>', 'Log statistics per job this often, and on shutdown')
    .option('--quiet', 'Console shows warnings and errors only (the log file keeps everything)')
    .option('--verbose', 'Console shows debug detail too')
    .example('replisync ./src ./replica ./sync.log 10');
  let given: { args: string[]; flags: Flags } | undefined;
  command.action((...args: unknown[]) => {
    const flags = args.pop() as Flags;
    given = { args: args.filter((a) => a !== undefined).map(String), flags };
  });
  cli.help();
  cli.version('0.1.0');
  if (argv.length === 0)
    throw new ReplisyncError(
      'usage',
      'missing <source> and <replica>: usage is replisync <source> <replica> [log-file] [interval] (see --help)',
    );
  // Runs the action after cac's own checks: unknown options, missing values and arguments.
  cli.parse(['node', 'replisync', ...argv]);
  if (given === undefined) return undefined;
  const [source, replica, logFile, interval] = given.args;
  const flags = given.flags;
  const single = (name: string, value: unknown): string | undefined => {
    if (Array.isArray(value)) throw new ReplisyncError('usage', `--${name} was given more than once`);
    return value === undefined ? undefined : String(value);
  };
  const positionalOrFlag = (name: string, positional: string | undefined, flag: unknown): string | undefined => {
    const fromFlag = single(name, flag);
    if (positional !== undefined && fromFlag !== undefined)
      throw new ReplisyncError('usage', `${name} given twice: as an argument and as --${name}`);
    return positional ?? fromFlag;
  };
  return {
    source,
    replica,
    logFile: positionalOrFlag('log-file', logFile, flags.logFile),
    interval: positionalOrFlag('interval', interval, flags.interval),
    workers: single('workers', flags.workers),
    chunkSize: single('chunk-size', flags.chunkSize),
    maxDelete: single('max-delete', flags.maxDelete),
    allowEmptySource: flags.allowEmptySource === true,
    exclude: flags.exclude,
    deleteExcluded: flags.deleteExcluded === true,
    config: single('config', flags.config),
    report: single('report', flags.report),
    statsInterval: single('stats-interval', flags.statsInterval),
    once: flags.once === true,
    checksum: flags.checksum === true,
    dryRun: flags.dryRun === true,
    quiet: flags.quiet === true,
    verbose: flags.verbose === true,
  };
}

async function openLogger(options: ResolvedOptions, bar: Progress | undefined): Promise<RunLogger> {
  const { createRunLogger } = await import('./log.js');
  try {
    if (options.logFile !== undefined) makeDirs(dirname(options.logFile));
    return createRunLogger(options.logFile, options.verbosity, bar && (() => bar.clear()));
  } catch (error) {
    throw new ReplisyncError(
      'fatal',
      `cannot open log file ${options.logFile}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

async function main(argv: string[]): Promise<number> {
  const user = parseArgs(argv);
  if (user === undefined) return EXIT_OK;
  const options = resolveOptions(user);
  const locks = lockReplicas(options.jobs);
  process.on('exit', () => locks.forEach((lock) => lock.release()));
  // Started before the rest of the program is loaded, so that its first thread boots meanwhile
  // on the other core and is ready to walk the replica when the first cycle starts.
  let log: Logger | undefined;
  const pool = new WorkerPool(options.workers, (error) =>
    log
      ? log.error(`worker failed: ${error.message}`)
      : process.stderr.write(`replisync: worker failed: ${error.message}\n`),
  );
  try {
    return await runWith(pool, options, (opened) => (log = opened));
  } finally {
    await pool.close();
    locks.forEach((lock) => lock.release());
  }
}

async function runWith(pool: WorkerPool, options: ResolvedOptions, logTo: (log: Logger) => void): Promise<number> {
  const { runJobs } = await import('./run.js');
  // The live status line is for a person at a terminal: never piped, never in the log file.
  const delay = Number(process.env['REPLISYNC_PROGRESS_DELAY'] ?? 1000);
  const bar =
    process.stdout.isTTY && options.verbosity !== 'quiet'
      ? new (await import('./progress.js')).Progress(process.stdout, Number.isFinite(delay) ? delay : 1000)
      : undefined;
  const { log, close } = await openLogger(options, bar);
  logTo(log);
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      log.warn(`${signal} again: exiting now`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    log.info(`${signal} received: finishing the work in flight (send again to exit at once)`);
    Atomics.store(stop, 0, 1);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const { failed, refused } = await runJobs(pool, options, log, { signal: controller.signal, stop }, bar);
    if (!options.once) return EXIT_OK;
    return refused ? EXIT_USAGE : failed > 0 ? EXIT_ENTRIES_FAILED : EXIT_OK;
  } finally {
    close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ReplisyncError) process.stderr.write(`replisync: ${error.message}\n`);
    else if (error instanceof Error && error.name === 'CACError')
      process.stderr.write(`replisync: ${error.message} (see --help)\n`);
    else
      process.stderr.write(
        `replisync: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
    process.exit(error instanceof ReplisyncError && error.kind === 'entry' ? EXIT_ENTRIES_FAILED : EXIT_USAGE);
  },
);
