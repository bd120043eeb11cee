import { setTimeout as sleep } from 'node:timers/promises';

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
    const wait = started + intervalMs - Date.now();
    if (wait > 0 && !signal.aborted) {
      try {
        await sleep(wait, undefined, { signal });
      } catch (error) {
        if (!signal.aborted) throw error;
      }
    }
  }
}
