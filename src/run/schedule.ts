import { setTimeout as sleep } from 'node:timers/promises';

/** Node's timers fire at once past 2^31 - 1 ms (about 24.8 days): longer waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Waits `ms` (any length), or until `signal` aborts; never throws for the abort. */
export async function wait(ms: number, signal: AbortSignal): Promise<void> {
  for (let left = ms; left > 0 && !signal.aborted; left -= MAX_TIMER_MS) {
    try {
      await sleep(Math.min(left, MAX_TIMER_MS), undefined, { signal });
    } catch (error) {
      if (!signal.aborted) throw error;
    }
  }
}

/**
 * Runs `cycle` every `intervalMs`, measured from the start of the previous cycle. A cycle
 * that overruns is followed at once by the next, never overlapped. Resolves when `signal`
 * aborts: the cycle in flight finishes first, and no new one starts.
 */
export async function runPeriodically(
  intervalMs: number,
  cycle: () => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    const started = Date.now();
    await cycle();
    await wait(started + intervalMs - Date.now(), signal);
  }
}

/** Calls `tick` every `intervalMs` (the first after one interval) until `signal` aborts. */
export async function every(intervalMs: number, tick: () => void, signal: AbortSignal): Promise<void> {
  for (;;) {
    await wait(intervalMs, signal);
    if (signal.aborted) return;
    tick();
  }
}
