import type { CycleReport } from './tally.js';

const MiB = 1024 * 1024;

/** Running totals of one job, for `--stats-interval` and the block logged on shutdown. */
export class JobStats {
  cycles = 0;
  created = 0;
  updated = 0;
  deleted = 0;
  failed = 0;
  bytes = 0;
  #totalMs = 0;
  #maxMs = 0;
  #lastSuccess: Date | undefined;

  constructor(readonly name: string) {}

  record(r: CycleReport): void {
    this.cycles++;
    this.created += r.created;
    this.updated += r.updated;
    this.deleted += r.deleted;
    this.failed += r.failed;
    this.bytes += r.bytes;
    this.#totalMs += r.durationMs;
    this.#maxMs = Math.max(this.#maxMs, r.durationMs);
    if (r.failed === 0) this.#lastSuccess = new Date(r.end);
  }

  /** One line: `stats: 12 cycles, 40 created, …, mean 1.20s, max 3.40s, last success 2026-…` (the job's tag names it). */
  format(): string {
    const mean = this.cycles === 0 ? 0 : this.#totalMs / this.cycles / 1000;
    return (
      `stats: ${this.cycles} cycles, ${this.created} created, ${this.updated} updated, ${this.deleted} deleted, ` +
      `${this.failed} failed, ${(this.bytes / MiB).toFixed(1)} MiB copied, mean cycle ${mean.toFixed(2)}s, max ${(this.#maxMs / 1000).toFixed(2)}s, ` +
      `last success ${this.#lastSuccess?.toISOString() ?? 'never'}`
    );
  }
}
