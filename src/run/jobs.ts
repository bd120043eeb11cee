import { dirname } from 'node:path';
import { ReplisyncError } from '../errors.js';
import { ReportWriter, toReportLine } from '../report/jsonl.js';
import type { Logger } from '../report/log.js';
import type { Progress } from '../report/progress.js';
import { JobStats } from '../report/stats.js';
import { pruneBackups } from '../tree/local/backup.js';
import { makeDirs } from '../tree/local/makedirs.js';
import type { WorkerPool } from '../tree/local/pool.js';
import { runCycle } from './cycle.js';
import type { ResolvedJob, ResolvedOptions } from './options.js';
import { every, runPeriodically } from './schedule.js';
import { runWatching } from './watch.js';

/** How a run is stopped: `signal` ends the loops, `stop` (shared with the workers) skips work not yet started. */
export interface RunControl {
  readonly signal: AbortSignal;
  readonly stop: Int32Array;
}

/** What a run ended with: failed entries, and whether some job's cycle was refused whole (an empty source). */
export interface RunResult {
  readonly failed: number;
  readonly refused: boolean;
  /** Some cycle stopped writing on a failure of the `fatal` class (a read-only filesystem). */
  readonly fatal: boolean;
  /** A cycle was cut short by a signal, or a job of a `--once` run never ran. */
  readonly stopped: boolean;
}

/**
 * Runs every job on one shared pool (the caller's, so that its threads can boot while the
 * rest of the program loads): once each in turn (`--once`), or each on its own
 * schedule until `control.signal` aborts. A job whose cycle is refused whole is logged and
 * skipped; the other jobs go on. With a single job and `--once` the refusal is thrown, to
 * end the run with its one-line message.
 */
export async function runJobs(
  pool: WorkerPool,
  options: ResolvedOptions,
  log: Logger,
  control: RunControl,
  bar?: Progress,
): Promise<RunResult> {
  const report = options.report === undefined ? undefined : openReport(options.report, log);
  const stats = options.jobs.map((job) => new JobStats(job.name));
  // A job's lines carry its name; a single pair given on the command line has none.
  const logs = options.jobs.map((job) => (job.name === '' ? log : log.withTag(job.name)));
  const logStats = (): void => {
    stats.forEach((s, i) => {
      (logs[i] ?? log).info(s.format());
    });
  };
  const statsEnd = new AbortController();
  const statsLoop =
    options.statsIntervalMs === undefined ? undefined : every(options.statsIntervalMs, logStats, statsEnd.signal);
  let failed = 0;
  let refused = false;
  let fatal = false;
  let stopped = false;

  const cycleOf = (job: ResolvedJob, i: number): ((only?: readonly string[]) => Promise<void>) => {
    const jobLog = logs[i] ?? log;
    return async (only): Promise<void> => {
      try {
        // --resync rebuilds the state once; later cycles use what it wrote.
        const resync = job.resync && stats[i]?.cycles === 0;
        const r = await runCycle(pool, { ...job, resync }, jobLog, control.stop, bar && { job: job.name, bar }, only);
        if (job.backupDir !== undefined && job.backupKeep !== undefined && !job.dryRun) {
          pruneBackups(job.backupDir, job.backupKeep, jobLog);
        }
        failed += r.failed;
        fatal ||= r.fatal;
        stopped ||= r.stopped;
        if (stats[i]?.cycles === 0 && r.deleted > 0 && !r.stopped && !job.twoWay) {
          jobLog.warn(
            `the first cycle ${job.dryRun ? 'would delete' : 'deleted'} ${r.deleted} entries of the replica that the source does not have: ` +
              `the replica is made an exact copy of the source (${job.replica} itself, not a folder inside it)`,
          );
        }
        stats[i]?.record(r);
        report?.write(toReportLine(job.name, job.dryRun, r));
      } catch (error) {
        if (!(error instanceof ReplisyncError) || (options.once && options.jobs.length === 1)) throw error;
        // A cycle-wide problem (a source unmounted) skips this job's cycle only.
        jobLog.error(error.message);
        refused = true;
      }
    };
  };

  try {
    options.jobs.forEach((job, i) => {
      const every = options.once ? '' : `, every ${job.intervalMs / 1000}s`;
      logs[i]?.info(
        `replisync ${job.source} ${job.twoWay ? '↔' : '→'} ${job.replica}${every} with ${options.workers} worker${options.workers === 1 ? '' : 's'}${job.dryRun ? ' (dry run)' : ''}`,
      );
    });
    if (options.once) {
      for (const [i, job] of options.jobs.entries()) {
        if (control.signal.aborted) stopped = true;
        else await cycleOf(job, i)();
      }
    } else {
      await Promise.all(
        options.jobs.map((job, i) =>
          job.watchDelayMs === undefined
            ? runPeriodically(job.intervalMs, cycleOf(job, i), control.signal)
            : runWatching(
                {
                  roots: job.twoWay ? [job.source, job.replica] : [job.source],
                  exclude: job.exclude,
                  intervalMs: job.intervalMs,
                  delayMs: job.watchDelayMs,
                },
                cycleOf(job, i),
                control.signal,
                logs[i] ?? log,
              ),
        ),
      );
      log.info('stopped');
    }
    if (statsLoop !== undefined || options.stats) logStats();
  } finally {
    statsEnd.abort();
    await statsLoop;
    report?.close();
  }
  return { failed, refused, fatal, stopped };
}

function openReport(path: string, log: Logger): ReportWriter {
  try {
    makeDirs(dirname(path));
    return new ReportWriter(path, (cause) =>
      log.warn(`cannot write to the report file ${path} (${cause}): the sync goes on without it`),
    );
  } catch (error) {
    throw new ReplisyncError(
      'fatal',
      `cannot open report file ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
