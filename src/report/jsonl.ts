import { closeSync, openSync, writeSync } from 'node:fs';
import { describeCause } from '../errors.js';
import type { Counts, CycleReport } from './tally.js';
import { showPath } from './text.js';

/** The JSON object `--report` appends for each cycle, one per line. */
export interface ReportLine {
  job: string;
  start: string;
  end: string;
  durationMs: number;
  dryRun: boolean;
  /** The run's stop cut the cycle short. */
  stopped: boolean;
  scanned: number;
  created: number;
  updated: number;
  deleted: number;
  backedUp: number;
  failed: number;
  bytes: number;
  failures: { path: string; cause: string }[];
  /** Two-way cycles only: what was written into each side, and the conflicts. */
  toReplica?: Counts;
  toSource?: Counts;
  conflicts?: number;
}

export function toReportLine(job: string, dryRun: boolean, r: CycleReport): ReportLine {
  return {
    job,
    start: r.start,
    end: r.end,
    durationMs: r.durationMs,
    dryRun,
    stopped: r.stopped,
    scanned: r.scanned,
    created: r.created,
    updated: r.updated,
    deleted: r.deleted,
    backedUp: r.backedUp,
    failed: r.failed,
    bytes: r.bytes,
    failures: r.failures.map((f) => ({ ...f, path: showPath(f.path) })),
    ...r.twoWay,
  };
}

/** Appends JSON Lines with synchronous writes, so no line is lost when the process exits. */
export class ReportWriter {
  readonly #fd: number;
  #broken = false;

  constructor(
    readonly path: string,
    /** Told once when a write fails (a full disk): the report falls silent, the sync goes on. */
    private readonly onFailure: (cause: string) => void,
  ) {
    this.#fd = openSync(path, 'a');
  }

  write(line: ReportLine): void {
    if (this.#broken) return;
    try {
      writeSync(this.#fd, `${JSON.stringify(line)}\n`);
    } catch (error) {
      this.#broken = true;
      this.onFailure(describeCause(error));
    }
  }

  close(): void {
    closeSync(this.#fd);
  }
}
