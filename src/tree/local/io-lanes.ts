import { availableParallelism } from 'node:os';

/** How often hashing checks whether its threads are waiting on the disk. */
const CHECK_MS = 250;
/** Below this share of the CPU its lanes could use, the process is taken to be waiting on reads. */
const WAITING = 0.6;

/**
 * Whether one more lane would help: the lanes are there, ranges are left, and the process used
 * well under the CPU those lanes could (they are blocked in reads from the disk, not hashing).
 * A cold tree of small files reads about twice as fast with four reads in flight as with two.
 */
export function wantsLane(sample: {
  readonly cpuMs: number;
  readonly wallMs: number;
  readonly lanes: number;
  readonly maxLanes: number;
  readonly cores: number;
  readonly rangesLeft: boolean;
}): boolean {
  const { cpuMs, wallMs, lanes, maxLanes, cores, rangesLeft } = sample;
  return rangesLeft && lanes < maxLanes && wallMs > 0 && cpuMs < WAITING * Math.min(lanes, cores) * wallMs;
}

/**
 * Runs `start()` `lanes` times, then once more at each check that finds the lanes waiting on
 * the disk, up to `maxLanes`; resolves with every lane's result once all are done. `rangesLeft`
 * must stay false once it is false (a lane only finishes when no range is left, so no lane is
 * added after the first one finished).
 */
export async function runLanes<T>(
  lanes: number,
  maxLanes: number,
  rangesLeft: () => boolean,
  start: () => Promise<T>,
): Promise<T[]> {
  const running: Promise<T>[] = [];
  const add = (): void => {
    const lane = start();
    // Awaited in order below: one that fails while an earlier one is awaited is not left unhandled.
    lane.catch(() => undefined);
    running.push(lane);
  };
  for (let i = 0; i < lanes; i++) add();
  const cores = availableParallelism();
  let cpu = process.cpuUsage();
  let at = performance.now();
  const check = setInterval(() => {
    const used = process.cpuUsage(cpu);
    const now = performance.now();
    const sample = {
      cpuMs: (used.user + used.system) / 1000,
      wallMs: now - at,
      lanes: running.length,
      maxLanes,
      cores,
      rangesLeft: rangesLeft(),
    };
    if (wantsLane(sample)) add();
    cpu = process.cpuUsage();
    at = now;
  }, CHECK_MS).unref();
  try {
    const results: T[] = [];
    // Lanes added while the first ones are awaited are awaited too.
    for (let i = 0; i < running.length; i++) results.push(await (running[i] as Promise<T>));
    return results;
  } finally {
    clearInterval(check);
  }
}
