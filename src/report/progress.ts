const MiB = 1024 * 1024;
const REDRAW_MS = 200;

/** Where the live status line goes: only ever a terminal, never the log file. */
export interface StatusOut {
  write(text: string): unknown;
}

interface JobProgress {
  job: string;
  entries: number;
  totalEntries: number;
  bytes: number;
  totalBytes: number;
  started: number;
}

/**
 * One live status line on a terminal for cycles that run longer than `delayMs`: entries and
 * bytes done of total, rate, ETA and the job. Log lines clear it first (see `clear`).
 */
export class Progress {
  #current: JobProgress | undefined;
  #timer: NodeJS.Timeout | undefined;
  #visible = false;
  #lastDraw = 0;

  constructor(
    private readonly out: StatusOut,
    private readonly delayMs = 1000,
  ) {}

  begin(job: string, totalEntries: number, totalBytes: number): void {
    this.#current = { job, entries: 0, totalEntries, bytes: 0, totalBytes, started: Date.now() };
    clearTimeout(this.#timer);
    if (this.delayMs === 0) this.#draw();
    else this.#timer = setTimeout(() => this.#draw(), this.delayMs).unref();
  }

  advance(entries: number, bytes: number): void {
    const p = this.#current;
    if (!p) return;
    p.entries += entries;
    p.bytes += bytes;
    if (this.#visible && Date.now() - this.#lastDraw >= REDRAW_MS) this.#draw();
  }

  end(): void {
    clearTimeout(this.#timer);
    this.#current = undefined;
    this.clear();
  }

  /** Removes the line, so that a log line can take its place; it comes back on the next advance. */
  clear(): void {
    if (!this.#visible) return;
    this.out.write('\r\x1b[2K');
    this.#visible = false;
  }

  #draw(): void {
    const p = this.#current;
    if (!p) return;
    const seconds = Math.max(0.001, (Date.now() - p.started) / 1000);
    const rate = p.bytes / seconds;
    const eta = rate > 0 ? Math.ceil((p.totalBytes - p.bytes) / rate) : undefined;
    const job = p.job ? `[${p.job}] ` : '';
    this.out.write(
      `\r\x1b[2K${job}${p.entries}/${p.totalEntries} entries, ${(p.bytes / MiB).toFixed(1)}/${(p.totalBytes / MiB).toFixed(1)} MiB, ` +
        `${(rate / MiB).toFixed(1)} MiB/s, ETA ${eta === undefined ? '?' : `${eta}s`}`,
    );
    this.#visible = true;
    this.#lastDraw = Date.now();
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#draw(), REDRAW_MS).unref();
  }
}
