import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI, removeDir, rsyncDiff, runCli, startCli, tempDir, within, writeTree } from './helpers.js';

const Cli = suite<{ dir: string; src: string; rep: string; log: string }>('cli', {
  dir: '',
  src: '',
  rep: '',
  log: '',
});
Cli.before.each((ctx) => {
  ctx.dir = tempDir();
  ctx.src = join(ctx.dir, 'src');
  ctx.rep = join(ctx.dir, 'replica');
  ctx.log = join(ctx.dir, 'logs/sync.log');
  writeTree(ctx.src, { 'a.txt': 'a', 'd/b.txt': 'b', 'old.txt': 'o' });
});
Cli.after.each((ctx) => removeDir(ctx.dir));

const ISO = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';

Cli(
  'the classic form with --once copies, logs each operation to console and file, exits 0',
  async ({ src, rep, log }) => {
    const r = await runCli([src, rep, log, '10', '--once']);
    assert.is(r.code, 0, r.stderr);
    assert.is(rsyncDiff(src, rep), '');
    const file = readFileSync(log, 'utf8');
    for (const op of ['create dir .', 'create file a.txt', 'create dir d', 'create file d/b.txt']) {
      assert.match(file, new RegExp(`^${ISO} ${op}$`, 'm'));
      assert.match(r.stdout, new RegExp(`^${ISO} ${op}$`, 'm'));
    }
    assert.match(
      file,
      new RegExp(
        `^${ISO} cycle done: 5 scanned, 5 created, 0 updated, 0 deleted, 0 failed, 0\\.0 MiB copied in \\d+\\.\\d\\ds \\([\\d.]+ MiB/s\\)$`,
        'm',
      ),
    );

    writeFileSync(join(src, 'a.txt'), 'changed');
    removeDir(join(src, 'old.txt'));
    const again = await runCli([src, rep, '--log-file', log, '--once', '--quiet']);
    assert.is(again.code, 0);
    assert.is(again.stdout, '', 'quiet keeps the console silent');
    const appended = readFileSync(log, 'utf8');
    assert.ok(appended.startsWith(file), 'the log file is appended to, never truncated');
    assert.match(appended, new RegExp(`^${ISO} update file a.txt \\(content\\)$`, 'm'));
    assert.match(appended, new RegExp(`^${ISO} delete file old.txt$`, 'm'));
  },
);

Cli('--dry-run prints what would change and changes nothing', async ({ src, rep }) => {
  const r = await runCli([src, rep, '--once', '--dry-run']);
  assert.is(r.code, 0);
  assert.match(r.stdout, /\[dry-run\] create file d\/b.txt/);
  assert.ok(!existsSync(rep));
});

const badInputs: Array<[string, (c: { dir: string; src: string; rep: string }) => string[], RegExp]> = [
  ['no arguments', () => [], /^replisync: missing <source> and <replica>/],
  ['missing source', ({ dir, rep }) => [join(dir, 'nope'), rep, '--once'], /^replisync: source .*nope does not exist$/],
  [
    'replica inside source',
    ({ src }) => [src, join(src, 'd/r'), '--once'],
    /^replisync: replica .* is inside the source /,
  ],
  [
    'bad interval',
    ({ src, rep }) => [src, rep, 'x.log', 'never'],
    /^replisync: interval must be a positive duration such as 10, 10s, 5m or 1h \(got "never"\)$/,
  ],
  [
    'log file is a directory',
    ({ dir, src, rep }) => [src, rep, dir, '--once'],
    /^replisync: log file .* is a directory$/,
  ],
  [
    'unknown flag',
    ({ src, rep }) => [src, rep, '--frobnicate'],
    /^replisync: Unknown option `--frobnicate` \(see --help\)$/,
  ],
  [
    'bad worker count',
    ({ src, rep }) => [src, rep, '--workers', '0'],
    /^replisync: --workers must be an integer from 1 to 256 \(got "0"\)$/,
  ],
  [
    'bad chunk size',
    ({ src, rep }) => [src, rep, '--chunk-size', 'big'],
    /^replisync: --chunk-size must be a size of at least 4K/,
  ],
  [
    'interval given twice',
    ({ src, rep }) => [src, rep, 'l.log', '5', '--interval', '6'],
    /^replisync: interval given twice/,
  ],
];
for (const [name, args, message] of badInputs) {
  Cli(`bad input exits 2 with one line and touches nothing: ${name}`, async (ctx) => {
    const before = readdirSync(ctx.dir).sort();
    const r = await runCli(args(ctx), ctx.dir);
    assert.is(r.code, 2);
    assert.is(r.stdout, '');
    assert.is(r.stderr.split('\n').length, 2, r.stderr);
    assert.match(r.stderr.trimEnd(), message);
    assert.equal(readdirSync(ctx.dir).sort(), before);
  });
}

Cli('--help lists every flag and exits 0', async () => {
  const r = await runCli(['--help']);
  assert.is(r.code, 0);
  for (const flag of [
    '--log-file',
    '--interval',
    '--once',
    '--workers',
    '--checksum',
    '--chunk-size',
    '--dry-run',
    '--quiet',
    '--verbose',
  ])
    assert.ok(r.stdout.includes(flag), flag);
});

Cli('a failed entry is logged with its cause, the rest is copied, and --once exits 1', async ({ src, rep }) => {
  writeTree(src, { secret: 'root only' });
  chmodSync(join(src, 'secret'), 0o000);
  const r = await runCli([src, rep, '--once'], undefined, { unprivileged: true });
  assert.is(r.code, 1, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(`^${ISO} ERROR create file secret failed: EACCES: permission denied \\(open\\)$`, 'm'),
  );
  assert.match(r.stdout, /5 created, 0 updated, 0 deleted, 1 failed/);
  assert.equal(readdirSync(rep).sort(), ['a.txt', 'd', 'old.txt']);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  Cli(`the periodic loop picks up a change, then stops cleanly on ${signal} with exit 0`, async ({ src, rep, log }) => {
    const run = startCli([src, rep, log, '200ms']);
    await run.waitFor(/cycle done/);
    writeFileSync(join(src, 'new.txt'), 'new');
    await run.waitFor(/create file new\.txt/);
    run.child.kill(signal);
    assert.is(await run.exit, 0, run.output());
    assert.match(run.output(), new RegExp(`${signal} received`));
    assert.match(readFileSync(log, 'utf8'), new RegExp(`^${ISO} stopped$`, 'm'));
    assert.is(rsyncDiff(src, rep), '');
  });
}

Cli(
  'a console whose reader quits (| head) does not stop the sync: it finishes, exit 0, and the log file has every line',
  async ({ src, rep, log }) => {
    const child = spawn(process.execPath, [CLI, src, rep, log, '10', '--once'], { stdio: ['ignore', 'pipe', 'pipe'] });
    // The reader is gone before the first line: every write to stdout fails with EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.is(code, 0, stderr);
    assert.is(stderr, '');
    assert.is(rsyncDiff(src, rep), '');
    assert.match(readFileSync(log, 'utf8'), /create file d\/b\.txt\n.*cycle done: 5 scanned, 5 created/s);
  },
);

Cli('a log file or report under /proc: a one-line error and exit 2, not a hang', ({ src, rep, log }) => {
  for (const [args, message] of [
    [
      [src, rep, '/proc/replisync-test/sync.log', '10', '--once'],
      'cannot open log file /proc/replisync-test/sync.log: ENOENT',
    ],
    [
      [src, rep, log, '10', '--once', '--report', '/proc/replisync-test/r.jsonl'],
      'cannot open report file /proc/replisync-test/r.jsonl: ENOENT',
    ],
  ] as const) {
    const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 10_000 });
    assert.is(run.status, 2, `killed after 10 s: ${String(run.signal)}`);
    assert.ok(run.stderr.startsWith(`replisync: ${message}`), run.stderr);
    assert.is(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
    assert.not.ok(existsSync(rep), 'the replica is not touched');
  }
});

Cli(
  'a pool whose task modules cannot load ends the run with exit 2, never a silent exit 0, its thread started at once or for its first task',
  async ({ src, rep }) => {
    // A copy of the built CLI beside the real one (so that node_modules still resolves), its task modules gone.
    const bin = dirname(CLI);
    const broken = mkdtempSync(join(dirname(bin), 'broken-'));
    try {
      cpSync(bin, broken, { recursive: true });
      for (const task of ['scan.cjs', 'hash.cjs', 'copy.cjs']) rmSync(join(broken, task));
      // Enough to hash and copy that the work is worth a thread (smaller work runs on the coordinator).
      writeTree(src, { big: Buffer.alloc(64 * 1024 * 1024, 1) });
      const run = () =>
        new Promise<{ code: number | null; stderr: string }>((done) => {
          const child = spawn(process.execPath, [join(broken, 'replisync.js'), src, rep, '--once', '--checksum'], {
            stdio: ['ignore', 'ignore', 'pipe'],
          });
          let stderr = '';
          child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          child.on('close', (code) => done({ code, stderr }));
        });
      // A small tree: the thread starts for the first task. A bigger one: at once.
      for (const files of [0, 2100]) {
        writeTree(src, Object.fromEntries(Array.from({ length: files }, (_, i) => [`d${i % 20}/f${i}`, ''])));
        const r = await within(20_000, run(), `a run over ${files} more files`);
        assert.is(r.code, 2, r.stderr);
        assert.match(r.stderr, /worker failed: .*Cannot find module .*; stopping/);
        assert.is(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      }
    } finally {
      removeDir(broken);
    }
  },
);

Cli(
  '--log-format json: one JSON object per line, console and log file, operations with their fields',
  async ({ src, rep, log }) => {
    writeTree(src, { 'a (1).txt': 'x' });
    const r = await runCli([src, rep, log, '--once', '--log-format', 'json']);
    assert.is(r.code, 0, r.stderr);
    for (const text of [r.stdout, readFileSync(log, 'utf8')]) {
      const lines = text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.ok(lines.every((l) => typeof l.time === 'string' && l.level === 'info' && typeof l.msg === 'string'));
      assert.equal(
        lines.find((l) => l.path === 'a (1).txt'),
        {
          time: lines.find((l) => l.path === 'a (1).txt')?.time,
          level: 'info',
          msg: 'create file "a (1).txt"',
          op: 'create',
          kind: 'file',
          path: 'a (1).txt',
        },
      );
      assert.match(String(lines.at(-1)?.msg), /^cycle done: /);
    }
    const bad = await runCli([src, rep, '--once', '--log-format', 'yaml']);
    assert.is(bad.code, 2);
    assert.is(bad.stderr, 'replisync: --log-format must be text or json, not "yaml"\n');
  },
);

Cli.run();
