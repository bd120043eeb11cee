const MiB = 1024 * 1024;
const REDRAW_MS = 200;

/** Where the live status line goes: only ever a terminal, never the log file. */
export interface StatusOut {
  write(text: string): unknown;
  /** The terminal's width, when known: the line is cut to fit, so that it never wraps. */
  readonly columns?: number;
}

interface JobProgress {
  job: string;
  /** Comparing contents: only bytes read count (both sides), no entries. */
  comparing: boolean;
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

  begin(job: string, totalEntries: number, totalBytes: number, comparing = false): void {
    this.#current = { job, comparing, entries: 0, totalEntries, bytes: 0, totalBytes, started: Date.now() };
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

  /** Sets the bytes done so far (comparing contents, polled from the pool's shared counters). */
  reach(bytes: number): void {
    const p = this.#current;
    if (!p) return;
    p.bytes = bytes;
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
    const done = `${(p.bytes / MiB).toFixed(1)}/${(p.totalBytes / MiB).toFixed(1)} MiB`;
    const line =
      `${job}${p.comparing ? `comparing, ${done} read` : `${p.entries}/${p.totalEntries} entries, ${done}`}, ` +
      `${(rate / MiB).toFixed(1)} MiB/s, ETA ${eta === undefined ? '?' : `${eta}s`}`;
    // One column short of the width: a line that fills the last column wraps on some terminals.
    const width = this.out.columns;
    this.out.write(`\r\x1b[2K${width !== undefined && width > 1 ? line.slice(0, width - 1) : line}`);
    this.#visible = true;
    this.#lastDraw = Date.now();
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#draw(), REDRAW_MS).unref();
  }
}
