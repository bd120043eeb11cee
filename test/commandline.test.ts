import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  CLI,
  operations,
  pairSuite,
  removeDir,
  rsyncDiff,
  runCli,
  startCli,
  syncOnce,
  tempDir,
  within,
  writeTree,
} from './helpers.js';

/** Every path below `root` with its content (files) or kind, to prove a run changed nothing. */
function fingerprint(root: string): string {
  if (!existsSync(root)) return '(none)';
  return execFileSync('sh', ['-c', `cd '${root}' && find . -printf '%p %y %s %T@\\n' | sort`], { encoding: 'utf8' });
}

const C = suite<{ dir: string; a: string; d: string }>('command lines that must not change their meaning', {
  dir: '',
  a: '',
  d: '',
});
C.before.each((ctx) => {
  ctx.dir = tempDir();
  ctx.a = join(ctx.dir, 'A');
  ctx.d = join(ctx.dir, 'D');
  writeTree(ctx.a, { 'new.txt': 'new', 'same.txt': 'AAAA' });
  writeTree(ctx.d, { 'precious.txt': 'replica only', 'same.txt': 'BBBB' });
  for (const f of ['same.txt']) {
    utimesSync(join(ctx.a, f), 1_600_000_000, 1_600_000_000);
    utimesSync(join(ctx.d, f), 1_600_000_000, 1_600_000_000);
  }
});
C.after.each((ctx) => removeDir(ctx.dir));

C('--dry-run given twice is still a dry run', async ({ a, d }) => {
  const before = fingerprint(d);
  const r = await runCli([a, d, '--once', '--dry-run', '--dry-run']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /\[dry-run\] delete file precious\.txt/);
  assert.is(fingerprint(d), before);
});

for (const args of [['--dry-run=true'], ['--dry-run=false'], ['--once=yes'], ['--no-once'], ['--no-dry-run']]) {
  C(`${args.join(' ')} is refused with exit 2 and nothing touched`, async ({ a, d }) => {
    const before = fingerprint(d);
    const r = await runCli([a, d, '--once', ...args]);
    assert.is(r.code, 2, r.stdout);
    assert.is(r.stderr.split('\n').length, 2, r.stderr);
    assert.match(r.stderr, args[0]?.includes('=') ? /takes no value/ : /Unknown option/);
    assert.is(fingerprint(d), before);
  });
}

C('--once given twice runs one cycle; --checksum given twice still compares content', async ({ a, d }) => {
  const r = await within(20_000, runCli([a, d, '--once', '--once', '--checksum', '--checksum']), 'replisync');
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /update file same\.txt \(content\)/);
  assert.is(readFileSync(join(d, 'same.txt'), 'utf8'), 'AAAA');
});

for (const flag of ['--dry-run', '--allow-empty-source', '--delete-excluded']) {
  C(`${flag} before the paths does not swallow one: ${flag} /A /B /C --once`, async ({ dir, a, d }) => {
    const c = join(dir, 'C');
    const before = fingerprint(a);
    const r = await runCli([flag, a, d, c, '--once']);
    // A is the source, D the replica and C the log file: D is never copied into C.
    assert.is(fingerprint(a), before);
    assert.ok(!existsSync(c) || statSync(c).isFile(), 'C holds no copy of a tree');
    if (flag === '--dry-run') assert.ok(existsSync(join(d, 'precious.txt')));
    else assert.is(r.code, 0, r.stderr);
    assert.match(readFileSync(c, 'utf8'), new RegExp(`replisync ${a} → ${d}`));
  });
}

C('values stay the strings typed: --exclude 007, --log-file 1e1; --interval 1e3 is refused', async ({ dir, a, d }) => {
  writeTree(a, { '007': 'bond', '7': 'seven' });
  const r = await runCli([a, d, '--once', '--exclude', '007', '--log-file', join(dir, '1e1')]);
  assert.is(r.code, 0, r.stderr);
  assert.ok(existsSync(join(d, '7')) && !existsSync(join(d, '007')));
  assert.ok(existsSync(join(dir, '1e1')) && !existsSync(join(dir, '10')));
  for (const typed of ['1e3', '0x10']) {
    const bad = await runCli([a, d, '--interval', typed]);
    assert.is(bad.code, 2);
    assert.match(bad.stderr, new RegExp(`interval must be a positive duration .*\\(got "${typed}"\\)`));
  }
});

C('a value is never taken from the next option', async ({ a, d }) => {
  const r = await runCli([a, d, '--exclude', '--once']);
  assert.is(r.code, 2);
  assert.match(
    r.stderr,
    /^replisync: --exclude needs a value, not the option --once; write --exclude=--once to mean it\n$/,
  );
});

C(
  'a third argument that looks like an interval is refused with a hint: replisync src replica 5',
  async ({ dir, a, d }) => {
    const r = await runCli([a, d, '5'], dir);
    assert.is(r.code, 2);
    assert.is(r.stderr, "replisync: '5' looks like an interval: use --interval 5, or give a log file first\n");
    assert.ok(!existsSync(join(dir, '5')));
  },
);

for (const flag of ['--interval', '--stats-interval']) {
  C(`${flag} 600h (past Node's 24.8-day timer limit) waits instead of busy-looping`, async ({ dir, a, d }) => {
    const log = join(dir, 'sync.log');
    const args = flag === '--interval' ? ['--interval', '600h'] : ['--interval', '1h', '--stats-interval', '600h'];
    const run = startCli([a, d, log, ...args]);
    await within(20_000, run.waitFor(/cycle done/), 'the first cycle');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    run.child.kill('SIGTERM');
    assert.is(await within(20_000, run.exit, 'exit'), 0);
    const text = readFileSync(log, 'utf8');
    assert.is((text.match(/cycle done/g) ?? []).length, 1, text);
    assert.ok(!/stats: /.test(text.split('stopped')[0] ?? ''), 'no statistics line before the stop');
  });
}

C('a first sync into a folder that holds other data says how many entries it deleted', async ({ a, d }) => {
  const r = await runCli([a, d, '--once']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /WARN the first cycle deleted 1 entries of the replica that the source does not have/);
});

C('Ctrl-C during --once: "cycle stopped" in the log and the report, and exit 20', async ({ dir }) => {
  const src = join(dir, 'big-src');
  writeTree(src, {});
  execFileSync('sh', ['-c', `head -c ${300 * 1024 * 1024} /dev/zero > '${src}/big' && echo s > '${src}/small'`]);
  const report = join(dir, 'report.jsonl');
  const run = startCli([src, join(dir, 'rep'), '--once', '--report', report, '--checksum']);
  await within(20_000, run.waitFor(/replisync .* → /), 'start');
  run.child.kill('SIGINT');
  assert.is(await within(20_000, run.exit, 'exit'), 20, run.output());
  assert.match(run.output(), /cycle stopped: /);
  assert.not.match(run.output(), /cycle done/);
  assert.is(JSON.parse(readFileSync(report, 'utf8').trim()).stopped, true);
});

C(
  '--help: every option of the table, required arguments shown as such, exit codes and environment, no parser boilerplate',
  async () => {
    const { OPTIONS, flagOf } = await import('../src/cli/flags.js');
    const r = await runCli(['--help']);
    assert.is(r.code, 0);
    for (const name of Object.keys(OPTIONS)) assert.ok(r.stdout.includes(`--${flagOf(name)}`), name);
    assert.match(r.stdout, /\$ replisync <source> <replica> \[log-file\] \[interval\] \[options\]/);
    for (const section of ['Exit codes:', 'Environment:', 'Jobs file:']) assert.ok(r.stdout.includes(section), section);
    for (const boilerplate of ['Commands:', 'For more info', '(default: true)'])
      assert.not.ok(r.stdout.includes(boilerplate));
    assert.not.match(r.stdout, / +$/m, 'no trailing spaces');
    const version = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version as string;
    assert.match((await runCli(['--version'])).stdout, new RegExp(`^replisync/${version.replaceAll('.', '\\.')} `));
  },
);

C(
  'short forms as rsync spells them: -n dry run, -c checksum, -q quiet, -v verbose, combinable (-nc)',
  async ({ a, d }) => {
    const before = fingerprint(d);
    const dry = await runCli([a, d, '--once', '-nc']);
    assert.is(dry.code, 0, dry.stderr);
    assert.match(
      dry.stdout,
      /\[dry-run\] update file same\.txt \(content\)/,
      'checksum found the same-size, same-mtime change',
    );
    assert.is(fingerprint(d), before);
    const quiet = await runCli([a, d, '--once', '-n', '-q']);
    assert.is(quiet.stdout, '');
    const verbose = await runCli([a, d, '--once', '-n', '-v']);
    assert.match(verbose.stdout, /with \d+ workers? \(dry run\)/);
    assert.match(verbose.stdout, /scan \d+ ms/);
    const unknown = await runCli([a, d, '--once', '-z']);
    assert.is(unknown.code, 2);
    assert.is(unknown.stderr, 'replisync: Unknown option `-z` (see --help)\n');
  },
);

C(
  '--stats logs the totals at the end of --once; --progress shows the live line even piped and with --quiet',
  async ({ dir, a, d }) => {
    const stats = await runCli([a, d, '--once', '--stats']);
    assert.match(stats.stdout, /stats: 1 cycles, 1 created, \d+ updated, 1 deleted, 0 failed/, stats.stdout);
    const run = (extra: string[], replica: string): string =>
      spawnSync(process.execPath, [CLI, a, join(dir, replica), '--once', ...extra], {
        encoding: 'utf8',
        env: { ...process.env, REPLISYNC_PROGRESS_DELAY: '0' },
      }).stdout;
    assert.match(run(['--progress'], 'r1'), /\r\x1b\[2K\d+\/\d+ entries/);
    assert.match(run(['--progress', '--quiet'], 'r2'), /^\r\x1b\[2K\d+\/\d+ entries/);
    assert.not.match(run([], 'r3'), /entries,/);
    const both = await runCli([a, d, '--progress', '--no-progress']);
    assert.is(both.code, 2);
    assert.match(both.stderr, /--progress and --no-progress cannot be used together/);
  },
);

C(
  'node started with flags a thread may not take (--max-old-space-size, --title), or warning of pending deprecations, still syncs quietly',
  ({ dir, a }) => {
    const replica = join(dir, 'flags');
    const run = spawnSync(
      process.execPath,
      ['--max-old-space-size=4096', '--title=replisync-test', '--no-warnings', CLI, a, replica, '--once'],
      { encoding: 'utf8', timeout: 30_000 },
    );
    assert.is(run.status, 0, run.stderr);
    assert.is(run.stderr, '');
    assert.is(rsyncDiff(a, replica), '');
    // Node's pending deprecations on: no warning about the lstat binding the walk reads otherwise.
    const pending = spawnSync(process.execPath, [CLI, a, join(dir, 'pending'), '--once'], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, NODE_OPTIONS: '--pending-deprecation' },
    });
    assert.is(pending.status, 0, pending.stderr);
    assert.is(pending.stderr, '');
  },
);

C.run();

const M = pairSuite('mtimes');

M(
  'mtimes before 1970 are kept on files, directories, symlinks and the root; a second cycle does nothing',
  async ({ src, rep }) => {
    writeTree(src, { 'd/f': 'f', g: 'g', link: { link: 'g' } });
    execFileSync('touch', ['-h', '-d', '@-1.5', join(src, 'link')]);
    // As strings: Node sets a negative number of seconds as "now".
    utimesSync(join(src, 'g'), '-86400', '-86400');
    utimesSync(join(src, 'd/f'), '-1.5', '-1.5');
    utimesSync(join(src, 'd'), '-86400.25', '-86400.25');
    utimesSync(src, '-3000000000', '-3000000000');
    const first = await syncOnce(src, rep);
    assert.equal(first.errors, []);
    assert.is(rsyncDiff(src, rep), '');
    for (const p of ['g', 'd/f', 'd', 'link', '']) {
      assert.is(lstatSync(join(rep, p)).mtimeMs, lstatSync(join(src, p)).mtimeMs, `mtime of ${p || '.'}`);
    }
    assert.is(lstatSync(join(rep, 'g')).mtimeMs, -86_400_000);
    assert.is(lstatSync(join(rep, 'd/f')).mtimeMs, -1500);
    const second = await syncOnce(src, rep);
    assert.is(second.created + second.updated + second.deleted, 0, second.lines.join('\n'));
  },
);

M(
  'an mtime whose nanoseconds are cut to the microsecond on the copy still counts as the same',
  async ({ src, rep }) => {
    // The copy's mtime is up to 999 ns earlier, and each double is off by up to a quarter of a
    // microsecond at today's dates: these times made a second cycle see a change.
    const times = ['1796145540.875807990', '1796145539.797151991', '1800000000.000000999', '1700000000.123456789'];
    writeTree(src, Object.fromEntries(times.map((_, i) => [`f${i}`, `${i}`])));
    times.forEach((time, i) => {
      execFileSync('touch', ['-d', `@${time}`, join(src, `f${i}`)]);
    });
    assert.equal((await syncOnce(src, rep)).errors, []);
    const second = await syncOnce(src, rep);
    assert.equal(operations(second.lines), []);
  },
);

M(
  'an mtime in the last half microsecond of a second is truncated, not rounded into the next second',
  async ({ src, rep }) => {
    writeTree(src, { f: 'f', d: null });
    execFileSync('touch', ['-d', '@1600000000.9999996', join(src, 'f')]);
    execFileSync('touch', ['-d', '@1600000000.9999999', join(src, 'd')]);
    await syncOnce(src, rep);
    for (const p of ['f', 'd']) {
      const ns = lstatSync(join(rep, p), { bigint: true }).mtimeNs;
      assert.is(ns / 1_000_000_000n, 1_600_000_000n, `${p} stays in its second`);
      assert.is((ns / 1000n) % 1_000_000n, 999_999n, `${p} keeps its microseconds`);
    }
    assert.is(rsyncDiff(src, rep), '');
    writeFileSync(join(src, 'unrelated'), 'x');
    const again = await syncOnce(src, rep);
    assert.equal(
      again.lines.filter((l) => / (f|d)( |$)/.test(l)),
      [],
    );
  },
);

M.run();

const E = pairSuite('excludes at the edges');

E(
  'a replica-only directory that holds excluded entries is kept with a note, not failed every cycle',
  async ({ src, rep }) => {
    writeTree(src, { keep: 'k' });
    writeTree(rep, { keep: 'k', 'old/a.tmp': 'excluded', 'old/b': 'deleted' });
    for (let cycle = 0; cycle < 2; cycle++) {
      const r = await syncOnce(src, rep, { exclude: ['*.tmp'] });
      assert.is(r.failed, 0, r.errors.join('\n'));
      assert.ok(r.lines.includes('keep dir old: it holds excluded entries'), r.lines.join('\n'));
    }
    assert.equal(readdirSync(join(rep, 'old')), ['a.tmp']);
    const rsync = execFileSync('rsync', ['-rn', '-i', '--delete', '--exclude=*.tmp', `${src}/`, `${rep}/`], {
      encoding: 'utf8',
    });
    assert.not.match(rsync, /deleting old\/a\.tmp/);
  },
);

E(
  'a replica directory hidden by a dir-only exclude is replaced by the source file of that name, as rsync does',
  async ({ dir, src, rep }) => {
    writeTree(src, { cache: 'now a file' });
    writeTree(rep, { 'cache/inner/x': 'excluded content' });
    const twin = join(dir, 'rsync-rep');
    writeTree(twin, { 'cache/inner/x': 'excluded content' });
    execFileSync('rsync', ['-r', '--delete', '--exclude=cache/', `${src}/`, `${twin}/`]);
    const r = await syncOnce(src, rep, { exclude: ['cache/'] });
    assert.equal(r.errors, []);
    assert.ok(r.lines.includes('create file cache (over an excluded directory)'), r.lines.join('\n'));
    assert.is(readFileSync(join(rep, 'cache'), 'utf8'), readFileSync(join(twin, 'cache'), 'utf8'));
    assert.equal((await syncOnce(src, rep, { exclude: ['cache/'] })).failed, 0);
  },
);

E(
  '--size-only, as rsync reads it: a same-size file is not rewritten, only its metadata fixed',
  async ({ src, rep }) => {
    writeTree(src, { same: 'AAAA', grown: 'x' });
    await syncOnce(src, rep);
    writeFileSync(join(src, 'same'), 'BBBB');
    writeFileSync(join(src, 'grown'), 'xxxx');
    utimesSync(join(src, 'same'), 1_700_000_000, 1_700_000_000);
    const r = await syncOnce(src, rep, { sizeOnly: true });
    assert.equal(
      r.lines.filter((l) => /^(create|update|delete) /.test(l)),
      ['update file grown (content)', 'update file same (metadata)'],
    );
    assert.is(readFileSync(join(rep, 'same'), 'utf8'), 'AAAA');
    const rsync = execFileSync('rsync', ['-a', '--size-only', '-n', '-i', '--delete', `${src}/`, `${rep}/`], {
      encoding: 'utf8',
    });
    assert.is(rsync, '', 'rsync --size-only sees nothing left to do');
  },
);

E.run();

const L = pairSuite('leftover temporary files');

L(
  'a dry run names the leftover the real run removes, and the removal leaves the directory mtime right',
  async ({ src, rep }) => {
    writeTree(src, { 'd/f': 'f' });
    await syncOnce(src, rep);
    writeFileSync(join(rep, 'd/.f.123-0-0.replisync-tmp'), 'torn');
    const dry = await syncOnce(src, rep, { dryRun: true });
    assert.ok(
      dry.lines.includes('[dry-run] remove leftover temporary file d/.f.123-0-0.replisync-tmp'),
      dry.lines.join('\n'),
    );
    await syncOnce(src, rep);
    assert.is(rsyncDiff(src, rep), '');
  },
);

L.run();
