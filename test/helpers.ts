import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createConsola, type LogObject } from 'consola/core';
import { suite, type Test } from 'uvu';
import { Fields, type Logger } from '../src/report/log.js';
import { runCycle } from '../src/run/cycle.js';
import { type CycleOptions, type CycleReport, cycleOptions } from '../src/sync/cycle.js';
import { Listing } from '../src/tree/local/listing.js';
import { WorkerPool } from '../src/tree/local/pool.js';
import { nameOf } from '../src/tree/order.js';
import { type Entry, entryArray, type Snapshot } from '../src/tree/tree.js';

/** The CLI as it ships: the bundle `npm run build` makes. */
export const CLI = fileURLToPath(new URL('../bin/replisync.js', import.meta.url));

/** A fresh directory under the system temp dir; remove it with `rmSync(dir, { recursive: true })`. */
/** A snapshot with its entries in an array, to compare whole. */
export const plain = (s: Snapshot): { root: string; entries: Entry[]; unreadable: Snapshot['unreadable'] } => ({
  ...s,
  entries: entryArray(s.entries),
});

/** A walk's listing of `dir` made of entries (its children; for the root, the root first). */
export function listingOf(dir: string, entries: readonly Entry[]): Listing {
  const listing = new Listing().reset(dir, entries.length);
  for (const entry of entries) listing.addEntry(entry.path === '' ? '' : nameOf(entry.path), entry);
  return listing;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'replisync-test-'));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A tree spec: file content as a string or Buffer, `{ link }` for a symlink, `null` for an empty directory. */
export type TreeSpec = Record<string, string | Buffer | { link: string } | null>;

export function writeTree(root: string, spec: TreeSpec): void {
  mkdirSync(root, { recursive: true });
  for (const [path, value] of Object.entries(spec)) {
    const abs = join(root, path);
    mkdirSync(dirname(abs), { recursive: true });
    if (value === null) mkdirSync(abs, { recursive: true });
    else if (typeof value === 'object' && !Buffer.isBuffer(value)) symlinkSync(value.link, abs);
    else writeFileSync(abs, value);
  }
}

export function setMtime(path: string, seconds: number): void {
  utimesSync(path, seconds, seconds);
}

/** Rejects when `promise` takes longer than `ms`: a hang fails the test instead of stalling the suite. */
export function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/**
 * What rsync, used as the oracle, would still change: empty when the replica is an exact copy.
 * `extra` flags: `-O` for two-way pairs, whose directory mtimes are not synced.
 */
export function rsyncDiff(source: string, replica: string, extra: readonly string[] = []): string {
  return execFileSync('rsync', ['-rlptD', ...extra, '-c', '-n', '-i', '--delete', `${source}/`, `${replica}/`], {
    encoding: 'utf8',
  });
}

/** A logger that keeps each message's text, so tests read what a user would see. */
export function captureLogger(): { log: Logger; lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  const text = (o: LogObject): string =>
    o.args
      .filter((a) => !(a instanceof Fields))
      .map(String)
      .join(' ');
  const log = createConsola({
    level: 4,
    throttle: 0,
    reporters: [{ log: (o) => (o.level <= 1 ? errors : lines).push(text(o)) }],
  });
  return { log, lines, errors };
}

/** Runs one cycle on a private pool and returns its report and log. */
export async function syncOnce(
  source: string,
  replica: string,
  options: Partial<CycleOptions> = {},
): Promise<CycleReport & { lines: string[]; errors: string[] }> {
  const pool = new WorkerPool(2, (error) => {
    throw error;
  });
  const { log, lines, errors } = captureLogger();
  try {
    const report = await runCycle(
      pool,
      cycleOptions(source, replica, options),
      log,
      new Int32Array(new SharedArrayBuffer(4)),
    );
    return { ...report, lines, errors };
  } finally {
    await pool.close();
  }
}

/** Operation lines of a cycle (create/update/delete), without the summary. */
export const operations = (lines: string[]): string[] =>
  lines.filter((l) => /^(\[dry-run\] )?(create|update|delete) /.test(l));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Root may read anything, and CI runs as root: for tests of permission errors the CLI runs as
 * root without the capabilities that bypass file permissions (so it still reaches the checkout).
 */
const UNPRIVILEGED =
  process.getuid?.() === 0
    ? ['setpriv', '--bounding-set=-dac_override,-dac_read_search', process.execPath]
    : [process.execPath];

export function runCli(args: string[], cwd?: string, { unprivileged = false } = {}): Promise<CliResult> {
  const [command, ...prefix] = unprivileged ? UNPRIVILEGED : [process.execPath];
  return new Promise((resolvePromise) => {
    const child = spawn(command as string, [...prefix, CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** Starts the CLI in the background; `waitFor` resolves when its stdout has matched the pattern `count` times. */
export function startCli(
  args: string[],
  /** A command that execs the rest of its arguments (node, the CLI, `args`) in some setting of its own. */
  via: readonly string[] = [],
): {
  child: ChildProcess;
  output: () => string;
  waitFor: (pattern: RegExp, count?: number) => Promise<void>;
  exit: Promise<number | null>;
} {
  const [command, ...rest] = [...via, process.execPath, CLI, ...args] as [string, ...string[]];
  const child = spawn(command, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const waiters: Array<() => void> = [];
  const onData = (d: Buffer): void => {
    out += d.toString();
    for (const w of [...waiters]) w();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exit = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  const waitFor = (pattern: RegExp, count = 1): Promise<void> =>
    new Promise((resolveWait, reject) => {
      const check = (): void => {
        if ((out.match(new RegExp(pattern.source, 'g')) ?? []).length >= count) {
          waiters.splice(waiters.indexOf(check), 1);
          resolveWait();
        }
      };
      waiters.push(check);
      void exit.then(() => reject(new Error(`process exited before ${pattern}: ${out}`)));
      check();
    });
  return { child, output: () => out, waitFor, exit };
}

/** What a test of one folder pair gets: a fresh temp dir, and in it the paths `src` and `rep` (not created). */
export interface PairContext {
  dir: string;
  src: string;
  rep: string;
}

/** A suite whose every test gets a fresh `PairContext`, removed after it. */
export function pairSuite(name: string): Test<PairContext> {
  const s = suite<PairContext>(name, { dir: '', src: '', rep: '' });
  s.before.each((ctx) => {
    ctx.dir = tempDir();
    ctx.src = join(ctx.dir, 'src');
    ctx.rep = join(ctx.dir, 'rep');
  });
  s.after.each((ctx) => removeDir(ctx.dir));
  return s;
}
