import type { Piscina } from 'piscina';
import type { CopyResult, CopyTask, HashFailure, HashTask, ScanResult, ScanTask } from './tasks.js';

/** Set by the bundler: the CLI then runs from `dist/bin/`, beside its bundled task modules. */
declare const __BUNDLED__: boolean | undefined;
const WORKERS = typeof __BUNDLED__ === 'boolean' ? './[name].cjs' : '../../../workers/[name].js';
const workerUrl = (name: string): string => new URL(WORKERS.replace('[name]', name), import.meta.url).href;
const SCAN = workerUrl('scan');
const HASH = workerUrl('hash');
const COPY = workerUrl('copy');
/**
 * About how long a new thread takes here before it runs its first task (measured: ~40 ms).
 * Piscina hands a queued task to the thread it boots for it, even when a running thread
 * frees up first, so work shorter than this is better left to the threads already running.
 */
const BOOT_MS = 40;
/** The most threads hashing adds while its reads wait on the disk (see `readers`). */
const EXTRA_READERS = 8;

/**
 * Piscina loads a task module with require() first, which Node 20.19+ lets load ES modules.
 * Terminating a thread in the middle of such a require (closing the pool while a thread still
 * boots: a short --once run, a log file that cannot be opened) aborts the whole process with
 * a V8 fatal error on Node 20.20: closing 400 pools, each 0–60 ms after it was made, aborted
 * 7 runs out of 10. Without require() of ES modules piscina falls back to import(), which a
 * termination interrupts cleanly (no abort in 8 such runs). The bundle's task modules are
 * CommonJS, which require() loads as ever (no abort in 600 such closes); the library's, from
 * tsc, are ES modules.
 */
const OWN_EXEC_ARGV = ['--no-experimental-require-module'];
export const THREAD_EXEC_ARGV: readonly string[] = [...process.execArgv, ...OWN_EXEC_ARGV];

/**
 * Piscina, loaded on first use: a run that makes no pool (`--help`, `--version`) never loads it.
 * A dynamic import, so that the bundler puts piscina into the bundle (and its code cache) and
 * still loads it only then.
 */
const loadPiscina = async (): Promise<typeof Piscina> => (await import('piscina')).Piscina;

/**
 * When a pool starts its first thread: at once (to boot while the program loads), or with its
 * first task, which is then no walk (see `started`) and no work shorter than a thread's boot.
 */
export type Boot = 'now' | 'on-demand';

/** The one worker pool of a run: scanning, hashing and copying all go through it. */
export class WorkerPool {
  /** Set once a thread is asked for; `#ready` once piscina has loaded and the pool is made. */
  #piscina: Promise<Piscina> | undefined;
  #ready: Piscina | undefined;
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #forgotten = new Set<Promise<unknown>>();
  readonly #onError: (error: Error) => void;

  constructor(
    readonly threads: number,
    onError: (error: Error) => void,
    boot: Boot = 'now',
  ) {
    this.#onError = onError;
    if (boot === 'now') this.#start().catch(onError);
  }

  /** Settles once the pool's first thread has been asked for (with `'now'`), so that the caller can let it boot before loading more. */
  async booting(): Promise<void> {
    await this.#piscina?.catch(() => undefined);
  }

  /** Whether a thread has been started: until then a walk is not worth one (see `LocalTree.scanWith`). */
  get started(): boolean {
    return this.#piscina !== undefined;
  }

  #start(): Promise<Piscina> {
    this.#piscina ??= loadPiscina().then((Pool) => {
      this.#ready = this.#make(Pool);
      return this.#ready;
    });
    return this.#piscina;
  }

  #make(Pool: typeof Piscina): Piscina {
    // One thread up front (it walks the replica, then helps with the source); the others
    // start when hashing or copying queues work, so a cycle with nothing to transfer does not
    // pay for booting them. Up to as many again only while hashing waits on the disk (`readers`).
    const options = {
      filename: SCAN,
      minThreads: 1,
      maxThreads: this.readers,
      idleTimeout: 30_000,
      resourceLimits: { maxYoungGenerationSizeMb: 6 },
      // Copies hand the descriptors of files they replaced to the coordinator, which closes them
      // (see `CopyResult`): a thread must not close those numbers again when it ends.
      trackUnmanagedFds: false,
    };
    let piscina: Piscina;
    try {
      piscina = new Pool({ ...options, execArgv: [...THREAD_EXEC_ARGV] });
    } catch (error) {
      // Node was started with flags a thread may not take (V8's, such as --max-old-space-size,
      // which apply to every thread anyway, or the process's own, such as --title): the
      // threads start without the caller's flags.
      if ((error as { code?: unknown }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
      piscina = new Pool({ ...options, execArgv: OWN_EXEC_ARGV });
    }
    // Without a listener a worker that fails to start crashes the process.
    piscina.on('error', this.#onError);
    return piscina;
  }

  /**
   * How many threads hashing may use while its reads wait on the disk (blocked threads use no
   * CPU): up to as many again as `threads`, never more than 8 extra (a thread costs memory,
   * and a disk gains little beyond a few more reads in flight).
   */
  get readers(): number {
    return this.threads + Math.min(this.threads, EXTRA_READERS);
  }

  /**
   * Whether work of about `ms` goes to the pool: always once a thread has started; before that,
   * only when it takes longer than starting one would. Smaller work runs on the coordinator, so
   * a change of one file in a small tree starts no thread at all.
   */
  worthAThread(ms: number): boolean {
    return this.started || ms >= BOOT_MS;
  }

  /** How many threads to give work that would take about `ms` on one: those already running, plus one per boot time it would save. */
  threadsFor(ms: number): number {
    return Math.min(this.threads, Math.max(1, this.#ready?.threads.length ?? 0, Math.floor(ms / BOOT_MS)));
  }

  /** What the pool thread listed of each tree (see `ScanTask`); the coordinator lists the rest. */
  scan(task: ScanTask): Promise<ScanResult> {
    return this.#track(this.#run(task, SCAN));
  }

  /** Run once per thread that should take part: each takes ranges until none are left. */
  hash(task: HashTask): Promise<HashFailure[]> {
    return this.#track(this.#run(task, HASH));
  }

  copy(task: CopyTask): Promise<CopyResult> {
    return this.#track(this.#run(task, COPY));
  }

  /**
   * Waits for the tasks in flight, then ends the threads. A scan whose result the coordinator
   * no longer needed (it walked both trees itself) may still be running, or its thread still
   * booting: destroying the pool under it made piscina report "Unexpected message from Worker".
   */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#inFlight, ...this.#forgotten]);
    // A pool still being made (piscina failed to load, or loads yet) is closed once it is.
    const piscina = await this.#piscina?.catch(() => undefined);
    return piscina?.destroy();
  }

  /**
   * Waits for the tasks in flight whose results matter (every task but a scan given up with
   * `forget`): all a process about to exit needs, since exiting ends the threads. A run that
   * walked both trees itself then does not wait for a pool thread still booting.
   */
  async settle(): Promise<void> {
    await Promise.allSettled(this.#inFlight);
  }

  /** A task whose result is no longer wanted: `settle` does not wait for it (`close` still does). */
  forget(task: Promise<unknown>): void {
    if (this.#inFlight.delete(task)) this.#forgotten.add(task);
  }

  /** Straight to the pool once it is made: a walk's task must not wait a turn of the event loop. */
  #run<T>(task: ScanTask | HashTask | CopyTask, filename: string): Promise<T> {
    const ready = this.#ready;
    return ready === undefined
      ? this.#start().then((pool) => pool.run(task, { filename }))
      : ready.run(task, { filename });
  }

  #track<T>(task: Promise<T>): Promise<T> {
    this.#inFlight.add(task);
    const done = (): void => {
      this.#inFlight.delete(task);
      this.#forgotten.delete(task);
    };
    // Tasks report failures as data, so a task fails only when its thread does: its module
    // could not load (a thread started for its first task gets the error), or it crashed.
    task.then(done, (error: unknown) => {
      done();
      this.#onError(error instanceof Error ? error : new Error(String(error)));
    });
    return task;
  }
}
