import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureTree, SHAPES, type TreeName, touchShare } from './tree.js';
import { changeBothSides, freshPair, type Pair, twoWayTools } from './two-way.js';

/**
 * Whole-process comparison, in one run: replisync --once against rsync -a --delete (and
 * cp -a for initial copies), alternating the tools run by run, quoting medians, ratios to
 * rsync and peak RSS (GNU time). Usage:
 *   node dist/bench/compare.js --tree many-small --runs 5 [--dir /data/bench] [--scenarios initial,noop,change,checksum] [--cold]
 * Two-way scenarios (two-way-initial, two-way-noop, two-way-change) compare replisync --two-way
 * with unison -batch and rclone bisync, each on a pair of its own; ratios there are to rclone bisync.
 */
const CLI = fileURLToPath(new URL('../bin/replisync.js', import.meta.url));
const { values } = parseArgs({
  options: {
    tree: { type: 'string', default: 'many-small' },
    runs: { type: 'string', default: '5' },
    dir: { type: 'string', default: join(tmpdir(), 'replisync-bench') },
    scenarios: { type: 'string', default: 'initial,noop,change,checksum,two-way-initial,two-way-noop,two-way-change' },
    workers: { type: 'string' },
    // Another build's CLI (e.g. a copy of an older build's dist/bin/replisync.js, or dist/src/cli/main.js before the bundle), run beside this one.
    baseline: { type: 'string' },
    // Drop the page cache before every run (root only): what a first sync after boot or a nightly --checksum pays.
    cold: { type: 'boolean', default: false },
  },
});
const tree = values.tree as TreeName;
if (!(tree in SHAPES)) throw new Error(`--tree must be one of ${Object.keys(SHAPES).join(', ')}`);
const runs = Number(values.runs);
const base = join(values.dir, tree);
const source = join(base, 'src');
const workerFlags = values.workers ? ['--workers', values.workers] : [];

type Scenario = 'initial' | 'noop' | 'change' | 'checksum';
interface Tool {
  name: string;
  command: (replica: string) => string[];
}

// This machine sets it for npm; it costs every Node start about 90 ms, and users rarely have it.
delete process.env.NODE_EXTRA_CA_CERTS;
/** Every tool logs each operation to a file of its own, as replisync does with a log file. */
const logs = join(base, 'logs');
mkdirSync(logs, { recursive: true });
const logOf = (name: string): string => join(logs, `${name.replace(/[^\w.-]+/g, '_')}.log`);

const replisyncOf = (cli: string, label: string, extra: string[]): Tool => {
  const name = `${label}${extra.length ? ` ${extra.join(' ')}` : ''}`;
  return {
    name,
    command: (r) => [process.execPath, cli, source, r, logOf(name), '--once', '--quiet', ...workerFlags, ...extra],
  };
};
const replisyncs = (extra: string[] = []): Tool[] => [
  replisyncOf(CLI, 'replisync', extra),
  ...(values.baseline ? [replisyncOf(values.baseline, 'replisync (baseline)', extra)] : []),
];
const rsync = (extra: string[] = []): Tool => {
  const name = `rsync -a --delete${extra.length ? ` ${extra.join(' ')}` : ''}`;
  return {
    name,
    command: (r) => ['rsync', '-a', '--delete', `--log-file=${logOf(name)}`, ...extra, `${source}/`, `${r}/`],
  };
};
const rclone = (extra: string[] = []): Tool => {
  const name = `rclone sync${extra.length ? ` ${extra.join(' ')}` : ''}`;
  return {
    name,
    command: (r) => ['rclone', 'sync', source, r, '-v', `--log-file=${logOf(name)}`, '--config', '/dev/null', ...extra],
  };
};
const cp: Tool = { name: 'cp -a', command: (r) => ['cp', '-a', `${source}/.`, r] };

const TOOLS: Record<Scenario, Tool[]> = {
  initial: [...replisyncs(), rsync(), rclone(), cp],
  noop: [...replisyncs(), rsync(), rclone()],
  change: [...replisyncs(), rsync(), rclone()],
  checksum: [...replisyncs(['--checksum']), rsync(['--checksum']), rclone(['--checksum'])],
};

interface Sample {
  seconds: number;
  /** User + system CPU time: replisync keeps both cores busy where rsync uses about one. */
  cpuSeconds: number;
  rssMb: number;
}

function timed(argv: string[], env?: NodeJS.ProcessEnv): Sample {
  // Wall time measured here: GNU time's %e counts in hundredths, too coarse for a 50 ms run.
  const started = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', ...argv], { encoding: 'utf8', env });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  const [kb, user, system] = (r.stderr.trim().split('\n').pop() ?? '').split(' ').map(Number);
  return {
    seconds,
    cpuSeconds: (user ?? Number.NaN) + (system ?? Number.NaN),
    rssMb: (kb ?? Number.NaN) / 1024,
  };
}

/**
 * Before a timed run: with --cold, nothing cached; otherwise the contents the run may read are
 * cached. rclone drops what it read from the page cache (fadvise DONTNEED), so without this
 * the tool run after it reads the source from disk.
 */
function prepareCache(dirs: readonly string[], readsContents: boolean): void {
  if (values.cold) {
    execFileSync('sync');
    try {
      writeFileSync('/proc/sys/vm/drop_caches', '3\n');
    } catch (error) {
      throw new Error(`--cold drops the page cache and needs root: ${(error as Error).message}`);
    }
  } else if (readsContents)
    execFileSync('sh', ['-c', 'find "$@" -type f -print0 | xargs -0 -r cat > /dev/null', 'sh', ...dirs]);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

ensureTree(values.dir, tree);

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${execFileSync('rsync', ['--version'], { encoding: 'utf8' }).split('\n')[0]}`;
process.stdout.write(
  `tree ${tree} (${SHAPES[tree].files} files) in ${base}; ${runs} runs per tool, alternating, ${values.cold ? 'page cache dropped' : 'contents cached'} before each run; ${machine}\n\n`,
);
process.stdout.write(
  '| scenario | tool | median s | × rsync (two-way: × rclone bisync) | CPU s (user + sys) | peak RSS MB |\n| --- | --- | --- | --- | --- | --- |\n',
);

const report = (scenario: string, names: string[], samples: Sample[][], reference: number): void => {
  const referenceMedian = median((samples[reference] ?? []).map((s) => s.seconds));
  names.forEach((name, i) => {
    const t = median((samples[i] ?? []).map((s) => s.seconds));
    const cpu = median((samples[i] ?? []).map((s) => s.cpuSeconds));
    const rss = median((samples[i] ?? []).map((s) => s.rssMb));
    process.stdout.write(
      `| ${scenario} | ${name} | ${t.toFixed(3)} | ${(t / referenceMedian).toFixed(2)} | ${cpu.toFixed(2)} | ${rss.toFixed(0)} |\n`,
    );
  });
};

/** A two-way scenario: each tool on a pair of its own, brought in sync by that tool before timing. */
function twoWay(scenario: 'initial' | 'noop' | 'change'): void {
  const tools = twoWayTools(CLI, workerFlags);
  const samples: Sample[][] = tools.map(() => []);
  const pairs: Pair[] = [];
  const run = (i: number, first: boolean): Sample => {
    const { argv, env } = tools[i]?.command(pairs[i] as Pair, first) ?? { argv: [] };
    return timed(argv, env);
  };
  if (scenario !== 'initial') {
    tools.forEach((_, i) => {
      pairs[i] = freshPair(base, i, source);
      run(i, true);
    });
  }
  for (let r = 0; r < runs; r++) {
    tools.forEach((_, i) => {
      if (scenario === 'initial') pairs[i] = freshPair(base, i, source);
      // The one-way reference changes only its source, as a one-way user would.
      else if (scenario === 'change')
        changeBothSides(pairs[i] as Pair, tree, ++round, tools[i]?.name.includes('one-way') === true);
      prepareCache([(pairs[i] as Pair).a, (pairs[i] as Pair).b], scenario !== 'noop');
      samples[i]?.push(run(i, scenario === 'initial'));
    });
  }
  report(
    `two-way-${scenario}`,
    tools.map((t) => t.name),
    samples,
    tools.findIndex((t) => t.name === 'rclone bisync'),
  );
}

let round = 0;
for (const scenario of values.scenarios.split(',') as (Scenario | `two-way-${'initial' | 'noop' | 'change'}`)[]) {
  if (scenario.startsWith('two-way-')) {
    twoWay(scenario.slice('two-way-'.length) as 'initial' | 'noop' | 'change');
    continue;
  }
  const tools = TOOLS[scenario as Scenario];
  const replicas = tools.map((_, i) => join(base, `replica-${i}`));
  const samples: Sample[][] = tools.map(() => []);
  // Each tool keeps its own replica, brought in sync by that same tool before timing.
  if (scenario !== 'initial')
    tools.forEach((tool, i) => {
      mkdirSync(replicas[i] as string, { recursive: true });
      timed(tool.command(replicas[i] as string));
    });
  for (let run = 0; run < runs; run++) {
    if (scenario === 'change') touchShare(source, tree, 0.01, ++round);
    tools.forEach((tool, i) => {
      const replica = replicas[i] as string;
      if (scenario === 'initial') {
        // rm(1): several times faster than fs.rmSync on 100,000 files, and this part is not timed.
        execFileSync('rm', ['-rf', replica]);
        mkdirSync(replica, { recursive: true });
        // Untimed: the last run's files (and this removal) written out first, so no tool pays for another's write-back.
        execFileSync('sync');
      }
      prepareCache(scenario === 'initial' ? [source] : [source, replica], scenario !== 'noop');
      samples[i]?.push(timed(tool.command(replica)));
    });
  }
  report(
    scenario,
    tools.map((t) => t.name),
    samples,
    tools.findIndex((t) => t.name.startsWith('rsync')),
  );
  inLoop(scenario, tools[0]?.name ?? 'replisync', rsyncMedianOf(tools, samples));
  // A running loop's later cycles find the cache warm: no such row with --cold.
  if (!values.cold && (scenario === 'noop' || scenario === 'change'))
    await runningLoop(scenario, rsyncMedianOf(tools, samples));
}

function rsyncMedianOf(tools: Tool[], samples: Sample[][]): number {
  return median((samples[tools.findIndex((t) => t.name.startsWith('rsync'))] ?? []).map((s) => s.seconds));
}

/**
 * The cycle alone, as a running loop pays it (no start-up, no pool boot): the durations of the
 * summary lines replisync wrote to its log in this scenario's runs.
 */
function inLoop(scenario: string, name: string, rsyncSeconds: number): void {
  const text = existsSync(logOf(name)) ? readFileSync(logOf(name), 'utf8') : '';
  const cycles = [...text.matchAll(/cycle done: .* in ([\d.]+)s/g)].map((m) => Number(m[1])).slice(-runs);
  writeFileSync(logOf(name), '');
  if (cycles.length === 0) return;
  const t = median(cycles);
  process.stdout.write(
    `| ${scenario} | ${name} (the cycle alone) | ${t.toFixed(2)} | ${(t / rsyncSeconds).toFixed(2)} | — | — |\n`,
  );
}

/**
 * The cycle as a running loop pays it, modules loaded and threads booted: replisync with a 2 s
 * interval for runs + 1 cycles, the first (which boots them) left out. In `change`, 1% of the
 * files are rewritten as soon as a cycle is done, before the next one starts.
 */
async function runningLoop(scenario: 'noop' | 'change', rsyncSeconds: number): Promise<void> {
  const log = join(logs, 'running-loop.log');
  writeFileSync(log, '');
  const argv = [CLI, source, join(base, 'replica-0'), log, '2', '--quiet', ...workerFlags];
  const child = spawn(process.execPath, argv, { stdio: 'ignore' });
  const cycles: number[] = [];
  const deadline = performance.now() + (runs + 1) * 60_000;
  while (cycles.length <= runs) {
    if (child.exitCode !== null || performance.now() > deadline)
      throw new Error(`the running loop stopped early: ${argv.join(' ')}`);
    await sleep(20);
    const done = [...readFileSync(log, 'utf8').matchAll(/cycle done: .* in ([\d.]+)s/g)].map((m) => Number(m[1]));
    if (done.length > cycles.length) {
      cycles.push(...done.slice(cycles.length));
      if (scenario === 'change') touchShare(source, tree, 0.01, ++round);
    }
  }
  child.kill('SIGTERM');
  await once(child, 'exit');
  const t = median(cycles.slice(1, runs + 1));
  process.stdout.write(
    `| ${scenario} | replisync (in a running loop) | ${t.toFixed(2)} | ${(t / rsyncSeconds).toFixed(2)} | — | — |\n`,
  );
}
