import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type TreeName, touchShare } from './tree.js';

/** One two-way tool on its own pair (`a` starts as a copy of the source, `b` empty) and work folder. */
export interface TwoWayTool {
  readonly name: string;
  /** The command of a first run (`initial`) or a later one. */
  readonly command: (pair: Pair, first: boolean) => { argv: string[]; env?: NodeJS.ProcessEnv };
}

export interface Pair {
  readonly a: string;
  readonly b: string;
  readonly work: string;
}

/** replisync (two-way, and one-way as the reference), unison -batch and rclone bisync. */
export function twoWayTools(cli: string, workerFlags: readonly string[]): TwoWayTool[] {
  return [
    {
      name: 'replisync --two-way',
      command: ({ a, b, work }) => ({
        argv: [process.execPath, cli, a, b, '--once', '--quiet', '--two-way', '--state-dir', work, ...workerFlags],
      }),
    },
    {
      name: 'replisync (one-way)',
      command: ({ a, b }) => ({ argv: [process.execPath, cli, a, b, '--once', '--quiet', ...workerFlags] }),
    },
    {
      name: 'unison -batch',
      // Its archives live in UNISON; -times and -perms 0o7777 keep what the others keep.
      command: ({ a, b, work }) => ({
        argv: ['unison', a, b, '-batch', '-silent', '-times', '-perms', '0o7777', '-confirmbigdel=false'],
        env: { ...process.env, UNISON: work },
      }),
    },
    {
      name: 'rclone bisync',
      command: ({ a, b, work }, first) => ({
        argv: ['rclone', 'bisync', a, b, '--workdir', work, '-q', ...(first ? ['--resync'] : [])],
        env: { ...process.env, RCLONE_CONFIG: '/dev/null' },
      }),
    },
  ];
}

/** A fresh pair for `tool` under `base`: `a` a copy of `source`, `b` and the work folder empty. */
export function freshPair(base: string, index: number, source: string): Pair {
  const root = join(base, `two-way-${index}`);
  execFileSync('rm', ['-rf', root]);
  const pair = { a: join(root, 'a'), b: join(root, 'b'), work: join(root, 'work') };
  mkdirSync(pair.b, { recursive: true });
  mkdirSync(pair.work, { recursive: true });
  execFileSync('cp', ['-a', `${source}/.`, pair.a]);
  return pair;
}

/** 1% of the files changed: half on each side, different files on each (or all on `a`, for a one-way pair). */
export function changeBothSides(pair: Pair, tree: TreeName, round: number, oneWay: boolean): void {
  touchShare(pair.a, tree, oneWay ? 0.01 : 0.005, round);
  if (!oneWay) touchShare(pair.b, tree, 0.005, round, 100);
}
