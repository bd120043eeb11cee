import { closeSync, openSync, writeSync } from 'node:fs';
import { type ConsolaInstance, type ConsolaReporter, createConsola, type LogObject } from 'consola/core';
import { describeCause, errnoCode } from '../errors.js';

export type Logger = ConsolaInstance;
export type Verbosity = 'quiet' | 'normal' | 'verbose';

const LEVEL = { error: 0, warn: 1, info: 3, debug: 4 } as const;
const CONSOLE_THRESHOLD: Record<Verbosity, number> = { quiet: LEVEL.warn, normal: LEVEL.info, verbose: LEVEL.debug };

/** What an operation's line says as data, for `--log-format json`: given as a log call's last argument. */
export class Fields {
  constructor(
    readonly fields: {
      readonly op: string;
      readonly kind: string;
      readonly path: string;
      readonly change?: string;
      /** Two-way: the side written. */
      readonly to?: string;
    },
  ) {}
}

export type LogFormat = 'text' | 'json';

const textOf = (entry: LogObject): string =>
  entry.args
    .filter((a) => !(a instanceof Fields))
    .map(String)
    .join(' ');

/** One line per message: ISO timestamp, a level label for warnings and errors, the job's name as a tag, then the text. */
export function formatLine(entry: LogObject): string {
  const label = entry.level <= LEVEL.error ? 'ERROR ' : entry.level === LEVEL.warn ? 'WARN ' : '';
  const tag = entry.tag ? `[${entry.tag}] ` : '';
  return `${entry.date.toISOString()} ${label}${tag}${textOf(entry)}\n`;
}

/** `--log-format json`: one object per line: time, level, job, the text as `msg`, and an operation's fields. */
export function formatJson(entry: LogObject): string {
  const level =
    entry.level <= LEVEL.error
      ? 'error'
      : entry.level === LEVEL.warn
        ? 'warn'
        : entry.level >= LEVEL.debug
          ? 'debug'
          : 'info';
  const fields = entry.args.find((a): a is Fields => a instanceof Fields)?.fields;
  return `${JSON.stringify({ time: entry.date.toISOString(), level, ...(entry.tag ? { job: entry.tag } : {}), msg: textOf(entry), ...fields })}\n`;
}

const pause = new Int32Array(new SharedArrayBuffer(4));
/** How long a line may wait for a reader that does not keep up before its sink counts as broken. */
const PATIENCE_MS = 30_000;

/**
 * Writes all of `line`. A pipe on stdout may be non-blocking: when its reader falls behind
 * (a burst of 1,000 lines), a write takes part of the line or none (EAGAIN), and the rest waits
 * for the reader, as rsync's output does, instead of being lost.
 */
function writeAll(sink: number, line: string): void {
  const bytes = Buffer.from(line);
  let waited = 0;
  for (let at = 0; at < bytes.length; ) {
    try {
      at += writeSync(sink, bytes, at);
    } catch (error) {
      if (errnoCode(error) !== 'EAGAIN' || waited >= PATIENCE_MS) throw error;
      Atomics.wait(pause, 0, 0, 1);
      waited++;
    }
  }
}

const warned = new WeakMap<Logger, Set<string>>();

/**
 * A warning said once per logger (one per job, kept for the whole run) and `key`: a state
 * that every cycle finds again (a FIFO in the source) is not worth a line every cycle.
 */
export function warnOnce(log: Logger, key: string, text: string): void {
  const said = warned.get(log) ?? new Set<string>();
  warned.set(log, said);
  if (said.has(key)) return;
  said.add(key);
  log.warn(text);
}

export interface RunLogger {
  readonly log: Logger;
  close(): void;
}

/**
 * The logger of a run: the console (errors and warnings to stderr) at the chosen verbosity,
 * and the log file, appended to, at info level whatever the console shows.
 * `beforeConsoleLine` lets a live status line get out of the way.
 */
export function createRunLogger(
  logFile: string | undefined,
  verbosity: Verbosity,
  beforeConsoleLine?: () => void,
  format: LogFormat = 'text',
): RunLogger {
  const line = format === 'json' ? formatJson : formatLine;
  const threshold = CONSOLE_THRESHOLD[verbosity];
  const fd = logFile === undefined ? undefined : openSync(logFile, 'a');
  // A sink that fails (a full disk under the log file, stdout on /dev/full) falls silent and
  // says so once through the others: output is a mirror of the sync, never a reason to stop it.
  const broken = new Set<number>();
  const write = (sink: number, line: string): void => {
    if (broken.has(sink)) return;
    try {
      writeAll(sink, line);
    } catch (error) {
      broken.add(sink);
      // Its reader quit (`| head`): nothing to say.
      if (errnoCode(error) === 'EPIPE') return;
      const name = sink === fd ? `log file ${logFile}` : sink === 1 ? 'standard output' : 'standard error';
      const notice = `${new Date().toISOString()} WARN cannot write to the ${name} (${describeCause(error)}): the sync goes on without it\n`;
      for (const other of [2, fd]) if (other !== undefined && other !== sink) write(other, notice);
    }
  };
  const console: ConsolaReporter = {
    log(entry) {
      if (entry.level > threshold) return;
      beforeConsoleLine?.();
      write(entry.level <= LEVEL.warn ? 2 : 1, line(entry));
    },
  };
  const file: ConsolaReporter = {
    log(entry) {
      if (fd !== undefined && entry.level <= LEVEL.info) write(fd, line(entry));
    },
  };
  const reporters = fd === undefined ? [console] : [console, file];
  // throttle 0: repeated identical lines must each be logged, not collapsed.
  const log = createConsola({ level: Math.max(threshold, LEVEL.info), reporters, throttle: 0 });
  return {
    log,
    close() {
      if (fd !== undefined) closeSync(fd);
    },
  };
}
