import { dirname } from 'node:path';
import { EXIT, ReplisyncError } from '../errors.js';
import type { Logger, RunLogger } from '../report/log.js';
import type { Progress } from '../report/progress.js';
import { lendWorkingDir } from '../tree/local/cwd.js';
import { makeDirs } from '../tree/local/makedirs.js';
import type { WorkerPool } from '../tree/local/pool.js';
import { isSmallTree } from '../tree/local/small-tree.js';
import { parseCommandLine } from './args.js';
import type { ResolvedOptions } from './resolve.js';
import { version, versionLine } from './version.js';

/** A second identical signal within this long of the first is the same request, not a hurry. */
const SAME_SIGNAL_MS = 500;

async function openLogger(options: ResolvedOptions, bar: Progress | undefined): Promise<RunLogger> {
  const { createRunLogger } = await import('../report/log.js');
  try {
    if (options.logFile !== undefined) makeDirs(dirname(options.logFile));
    return createRunLogger(options.logFile, options.verbosity, bar && (() => bar.clear()), options.logFormat);
  } catch (error) {
    throw new ReplisyncError(
      'fatal',
      `cannot open log file ${options.logFile}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

async function main(argv: string[]): Promise<number> {
  const line = parseCommandLine(argv);
  if (line.kind !== 'run') {
    if (line.kind === 'version') process.stdout.write(versionLine());
    else (await import('./help.js')).printHelp(version());
    return EXIT.ok;
  }
  // Loaded only for a run (as is the rest below): --help loads little more than this file.
  const [{ resolveOptions }, { lockReplicas }] = await Promise.all([import('./resolve.js'), import('../run/lock.js')]);
  const options = resolveOptions(line.options);
  // Every path is absolute from here on.
  lendWorkingDir();
  const locks = lockReplicas(options.jobs);
  process.on('exit', () => {
    for (const lock of locks) lock.release();
  });
  let log: Logger | undefined;
  const { WorkerPool } = await import('../tree/local/pool.js');
  // Made before the rest of the program is loaded, so that its first thread boots meanwhile on
  // the other core and is ready to walk the replica when the first cycle starts. Over small
  // trees alone, no thread starts until there is something to hash or copy: the coordinator
  // walks them before one could boot, and exiting waits for a thread still booting.
  const small = options.jobs.every((job) => isSmallTree(job.source) && isSmallTree(job.replica));
  // A pool thread that fails (its module cannot load) leaves work that never finishes: the run
  // ends at once, exit 2. Temporary files left are removed by the next run.
  const onError = (error: Error): void => {
    if (log) log.error(`worker failed: ${error.message}; stopping`);
    else process.stderr.write(`replisync: worker failed: ${error.message}\n`);
    process.exit(EXIT.fatal);
  };
  const pool = new WorkerPool(options.workers, onError, small ? 'on-demand' : 'now');
  await pool.booting();
  try {
    return await runWith(pool, options, (opened) => {
      log = opened;
    });
  } finally {
    // Not destroyed: the process exits next, which ends the threads, without waiting for one
    // still booting for a scan the coordinator did not need.
    await pool.settle();
    for (const lock of locks) lock.release();
  }
}

async function runWith(pool: WorkerPool, options: ResolvedOptions, logTo: (log: Logger) => void): Promise<number> {
  const { runJobs } = await import('../run/jobs.js');
  // The live status line is for a person at a terminal (unless forced with --progress), never in the log file.
  const delay = Number(process.env.REPLISYNC_PROGRESS_DELAY ?? 1000);
  const shown =
    options.progress === 'always' ||
    (options.progress === 'auto' && process.stdout.isTTY && options.verbosity !== 'quiet');
  const bar = shown
    ? new (await import('../report/progress.js')).Progress(process.stdout, Number.isFinite(delay) ? delay : 1000)
    : undefined;
  const { log, close } = await openLogger(options, bar);
  logTo(log);
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const controller = new AbortController();
  let first: { signal: NodeJS.Signals; at: number } | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (first !== undefined) {
      // `timeout` and some service managers send the same signal twice at once: only a later one hurries.
      if (signal === first.signal && performance.now() - first.at < SAME_SIGNAL_MS) return;
      log.warn(`${signal} again: exiting now`);
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGHUP' ? 1 : 15));
    }
    first = { signal, at: performance.now() };
    log.info(`${signal} received: finishing the work in flight (send again to exit at once)`);
    Atomics.store(stop, 0, 1);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  try {
    const r = await runJobs(pool, options, log, { signal: controller.signal, stop }, bar);
    if (!options.once) return EXIT.ok;
    return r.refused || r.fatal ? EXIT.fatal : r.stopped ? EXIT.stopped : r.failed > 0 ? EXIT.failed : EXIT.ok;
  } finally {
    close();
  }
}

// A listener keeps Node from opening its inspector on SIGUSR1, where any local user could run code as this process.
process.on('SIGUSR1', () => undefined);

// Nothing left to wait for while the run has not finished means a promise that can never settle:
// never an exit 0 for work that was not done.
let finished = false;
process.on('beforeExit', () => {
  if (finished) return;
  process.stderr.write('replisync: unexpected failure: the run stopped before it was done\n');
  process.exit(EXIT.fatal);
});

main(process.argv.slice(2)).then(
  (code) => {
    finished = true;
    process.exit(code);
  },
  (error: unknown) => {
    finished = true;
    if (error instanceof ReplisyncError) process.stderr.write(`replisync: ${error.message}\n`);
    else {
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.stderr.write(`replisync: unexpected failure: ${text}\n`);
    }
    process.exit(EXIT.fatal);
  },
);
