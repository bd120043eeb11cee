import { closeSync, openSync, writeSync } from 'node:fs';
import { type ConsolaInstance, type ConsolaReporter, createConsola, type LogObject } from 'consola/core';
import { errnoCode } from '../errors.js';

export type Logger = ConsolaInstance;
export type Verbosity = 'quiet' | 'normal' | 'verbose';

const LEVEL = { error: 0, warn: 1, info: 3, debug: 4 } as const;
const CONSOLE_THRESHOLD: Record<Verbosity, number> = { quiet: LEVEL.warn, normal: LEVEL.info, verbose: LEVEL.debug };

/** One line per message: ISO timestamp, a level label for warnings and errors, the job's name as a tag, then the text. */
export function formatLine(entry: LogObject): string {
  const label = entry.level <= LEVEL.error ? 'ERROR ' : entry.level === LEVEL.warn ? 'WARN ' : '';
  const tag = entry.tag ? `[${entry.tag}] ` : '';
  return `${entry.date.toISOString()} ${label}${tag}${entry.args.map(String).join(' ')}\n`;
}

/** Writes to a file descriptor synchronously, so no line is lost when the process exits. */
export function fdReporter(fd: number, threshold: number): ConsolaReporter {
  return {
    log(entry) {
      if (entry.level <= threshold) writeSync(fd, formatLine(entry));
    },
  };
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
): RunLogger {
  const threshold = CONSOLE_THRESHOLD[verbosity];
  const closed = new Set<number>();
  const console: ConsolaReporter = {
    log(entry) {
      const fd = entry.level <= LEVEL.warn ? 2 : 1;
      if (entry.level > threshold || closed.has(fd)) return;
      beforeConsoleLine?.();
      try {
        writeSync(fd, formatLine(entry));
      } catch (error) {
        // Its reader quit (`| head`): the console is only a mirror, so the sync goes on and the log file keeps every line.
        if (errnoCode(error) !== 'EPIPE') throw error;
        closed.add(fd);
      }
    },
  };
  const fd = logFile === undefined ? undefined : openSync(logFile, 'a');
  const reporters = fd === undefined ? [console] : [console, fdReporter(fd, LEVEL.info)];
  // throttle 0: repeated identical lines must each be logged, not collapsed.
  const log = createConsola({ level: Math.max(threshold, LEVEL.info), reporters, throttle: 0 });
  return {
    log,
    close() {
      if (fd !== undefined) closeSync(fd);
    },
  };
}
