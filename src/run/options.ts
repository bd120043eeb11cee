import type { LogFormat, Verbosity } from '../report/log.js';
import type { CycleOptions } from '../sync/cycle.js';

/** One folder pair, validated: what a cycle needs, its schedule, and the name its log lines carry ('' for none). */
export interface ResolvedJob extends CycleOptions {
  readonly name: string;
  readonly intervalMs: number;
  /** Two-way: the folder that keeps the pair's state. */
  readonly stateDir: string;
  /** Watch mode: the quiet time after an event before its targeted cycle; undefined when not watching. */
  readonly watchDelayMs: number | undefined;
}

/** Options after validation: all present, paths absolute. */
export interface ResolvedOptions {
  readonly jobs: ResolvedJob[];
  readonly logFile: string | undefined;
  /** JSON Lines, one object per cycle. */
  readonly report: string | undefined;
  readonly statsIntervalMs: number | undefined;
  /** Log each job's totals when the run ends. */
  readonly stats: boolean;
  /** The live progress line: on a terminal unless quiet (`auto`), always, or never. */
  readonly progress: 'auto' | 'always' | 'never';
  readonly once: boolean;
  readonly workers: number;
  readonly verbosity: Verbosity;
  readonly logFormat: LogFormat;
}
