import { execFileSync, spawn } from 'node:child_process';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureTree, SHAPES, type TreeName } from './tree.js';

/**
 * Watch mode, whole process: the latency from a write in the source to the file at its final
 * path in the replica (p50, p95 over `--edits` edits), the duration of the targeted cycles that
 * carried them (from the log), and the CPU an idle watched tree costs. Usage:
 *   node dist/bench/watch.js --tree many-small [--edits 100] [--dir /data/bench]
 */
const CLI = fileURLToPath(new URL('../bin/replisync.js', import.meta.url));
const { values } = parseArgs({
  options: {
    tree: { type: 'string', default: 'many-small' },
    edits: { type: 'string', default: '100' },
    dir: { type: 'string', default: '/tmp/replisync-bench' },
  },
});
const tree = values.tree as TreeName;
if (!(tree in SHAPES)) throw new Error(`--tree must be one of ${Object.keys(SHAPES).join(', ')}`);
const base = join(values.dir, tree);
const pristine = ensureTree(values.dir, tree);
const source = join(base, 'watch-src');
const replica = join(base, 'watch-rep');
const log = join(base, 'watch.log');
execFileSync('rm', ['-rf', source, replica, log]);
execFileSync('cp', ['-a', `${pristine}/.`, source]);
mkdirSync(replica);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};
/** The last bytes of the log: the first cycle of a big tree writes a line per entry, too much to read again and again. */
const logTail = (): string => {
  try {
    const fd = openSync(log, 'r');
    try {
      const size = fstatSync(fd).size;
      const buffer = Buffer.alloc(Math.min(size, 4096));
      readSync(fd, buffer, 0, buffer.length, size - buffer.length);
      return buffer.toString();
    } finally {
      closeSync(fd);
    }
  } catch {
    return '';
  }
};
const cpuTicks = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]);
};
const percentile = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? Number.NaN;

const child = spawn(process.execPath, [CLI, source, replica, log, '1h', '--watch', '--quiet'], { stdio: 'ignore' });
try {
  const started = performance.now();
  while (!logTail().includes('cycle done: ')) await sleep(200);
  process.stdout.write(
    `tree ${tree} (${SHAPES[tree].files} files): first full cycle ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
  await sleep(1000);
  const idleFrom = cpuTicks(child.pid as number);
  await sleep(5000);
  const idle = (cpuTicks(child.pid as number) - idleFrom) / 100 / 5;
  const latencies: number[] = [];
  const shape = SHAPES[tree];
  for (let i = 0; i < Number(values.edits); i++) {
    const n = (i * 7919) % shape.files;
    const path = join(`d${Math.floor(n / shape.perDir / 100)}`, `d${Math.floor(n / shape.perDir)}`, `edit-${i}.txt`);
    const text = `edit ${i} at ${Date.now()}`;
    const t0 = performance.now();
    writeFileSync(join(source, path), text);
    while (read(join(replica, path)) !== text) await sleep(2);
    latencies.push(performance.now() - t0);
    await sleep(50);
  }
  await sleep(500);
  const cycles = [...(read(log) ?? '').matchAll(/cycle done \(watch: .*? in ([\d.]+)s/g)].map(
    (m) => Number(m[1]) * 1000,
  );
  process.stdout.write(
    `| tree | edits | latency p50 ms | p95 ms | targeted cycles | cycle p50 ms | idle CPU % |\n| --- | --- | --- | --- | --- | --- | --- |\n` +
      `| ${tree} | ${latencies.length} | ${percentile(latencies, 0.5).toFixed(0)} | ${percentile(latencies, 0.95).toFixed(0)} | ${cycles.length} | ${percentile(cycles, 0.5).toFixed(0)} | ${(idle * 100).toFixed(1)} |\n`,
  );
} finally {
  child.kill('SIGTERM');
}
