import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { configFields } from '../src/cli/jobs-file.js';
import { jobsSchema } from '../src/cli/schema.js';
import type { ReportLine } from '../src/report/jsonl.js';
import { CLI, operations, removeDir, rsyncDiff, runCli, startCli, syncOnce, tempDir, writeTree } from './helpers.js';

const J = suite<{ dir: string }>('jobs, filters, reports', { dir: '' });
J.before.each((ctx) => {
  ctx.dir = tempDir();
});
J.after.each((ctx) => removeDir(ctx.dir));

const writeJobs = (dir: string, config: unknown): string => {
  const path = join(dir, 'jobs.json');
  writeFileSync(path, JSON.stringify(config));
  return path;
};

J(
  'a jobs file with three pairs converges each replica, with job names in the log and per-job settings',
  async ({ dir }) => {
    writeTree(join(dir, 'photos'), { 'a.jpg': 'jpeg', 'b.tmp': 'scratch', 'album/c.jpg': 'c' });
    writeTree(join(dir, 'docs'), { 'x.txt': 'x' });
    writeTree(join(dir, 'code'), { 'main.ts': 'code', 'node_modules/dep/index.js': 'dep' });
    const config = writeJobs(dir, {
      logFile: 'logs/sync.log',
      interval: '30s',
      exclude: ['**/node_modules'],
      jobs: [
        { name: 'photos', source: 'photos', replica: 'backup/photos', exclude: ['*.tmp'] },
        { name: 'docs', source: 'docs', replica: 'backup/docs', checksum: true },
        { source: 'code', replica: 'backup/code' },
      ],
    });
    const r = await runCli(['--config', config, '--once']);
    assert.is(r.code, 0, r.stderr);
    const log = readFileSync(join(dir, 'logs/sync.log'), 'utf8');
    assert.match(log, /\[photos\] create file album\/c\.jpg/);
    assert.match(log, /\[docs\] create file x\.txt/);
    assert.match(log, /\[job3\] create file main\.ts/);
    assert.ok(!existsSync(join(dir, 'backup/photos/b.tmp')), 'the job exclude applies');
    assert.ok(!existsSync(join(dir, 'backup/code/node_modules')), 'the top-level exclude applies to every job');
    assert.is(rsyncDiff(join(dir, 'docs'), join(dir, 'backup/docs')), '');
    assert.is(rsyncDiff(join(dir, 'photos'), join(dir, 'backup/photos')).trim(), '>f+++++++++ b.tmp');
  },
);

J('with --once, a job refused whole (empty source) does not stop the others; the run exits 2', async ({ dir }) => {
  writeTree(join(dir, 'empty'), {});
  writeTree(join(dir, 'full-replica'), { keep: 'k' });
  writeTree(join(dir, 'docs'), { x: 'x' });
  const config = writeJobs(dir, {
    jobs: [
      { name: 'unmounted', source: 'empty', replica: 'full-replica' },
      { name: 'docs', source: 'docs', replica: 'docs-replica' },
    ],
  });
  const r = await runCli(['--config', config, '--once']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /ERROR \[unmounted\] source .* is empty but the replica is not/);
  assert.ok(existsSync(join(dir, 'full-replica/keep')));
  assert.is(rsyncDiff(join(dir, 'docs'), join(dir, 'docs-replica')), '');
});

const refusals: Array<[string, (dir: string) => unknown, RegExp]> = [
  [
    "a replica inside another job's source",
    (d) => ({
      jobs: [
        { name: 'a', source: join(d, 's1'), replica: join(d, 'r1') },
        { name: 'b', source: join(d, 's2'), replica: join(d, 's1/inner') },
      ],
    }),
    /^replisync: jobs\[1\] "b": replica .*s1\/inner overlaps the source of jobs\[0\] "a"/,
  ],
  [
    'two jobs on one replica',
    (d) => ({
      jobs: [
        { name: 'a', source: join(d, 's1'), replica: join(d, 'r') },
        { name: 'b', source: join(d, 's2'), replica: join(d, 'r') },
      ],
    }),
    /^replisync: jobs\[0\] "a": replica .*\/r overlaps the replica of jobs\[1\] "b"/,
  ],
  [
    'an unknown field',
    (d) => ({ jobs: [{ name: 'a', source: join(d, 's1'), replica: join(d, 'r'), intervall: 5 }] }),
    /^replisync: jobs\[0\] "a": unknown field "intervall"$/,
  ],
  [
    'a field of the wrong type',
    (d) => ({ jobs: [{ source: join(d, 's1'), replica: join(d, 'r'), checksum: 'yes' }] }),
    /^replisync: jobs\[0\]: checksum must be true or false$/,
  ],
  [
    'a bad value',
    (d) => ({ jobs: [{ name: 'p', source: join(d, 's1'), replica: join(d, 'r'), interval: 'often' }] }),
    /^replisync: jobs\[0\] "p": interval must be a positive duration/,
  ],
  [
    'a missing replica',
    (d) => ({ jobs: [{ name: 'p', source: join(d, 's1') }] }),
    /^replisync: jobs\[0\] "p": replica is missing$/,
  ],
  ['no jobs', () => ({ jobs: [] }), /^replisync: jobs file .*: jobs must be a non-empty array$/],
];
for (const [name, config, message] of refusals) {
  J(`a jobs file is refused with exit 2, naming job and field: ${name}`, async ({ dir }) => {
    writeTree(join(dir, 's1'), { f: 'f' });
    writeTree(join(dir, 's2'), { g: 'g' });
    const r = await runCli(['--config', writeJobs(dir, config(dir)), '--once']);
    assert.is(r.code, 2);
    assert.match(r.stderr.trimEnd(), message);
    assert.ok(!existsSync(join(dir, 'r')) && !existsSync(join(dir, 'r1')), 'nothing created');
  });
}

J('a malformed jobs file is refused', async ({ dir }) => {
  writeFileSync(join(dir, 'jobs.json'), '{ "jobs": [ ');
  const r = await runCli(['--config', join(dir, 'jobs.json')]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /^replisync: jobs file .*jobs\.json: not valid JSON/);
});

J('excluded paths are neither copied nor deleted; --delete-excluded deletes them from the replica', async ({ dir }) => {
  const src = join(dir, 'src');
  const rep = join(dir, 'rep');
  writeTree(src, { 'keep.txt': 'k', 'a.tmp': 'src tmp', 'cache/x': 'cached', 'pkg/node_modules/m.js': 'm' });
  writeTree(rep, { 'old.tmp': 'replica-only but excluded', 'cache/y': 'replica cache' });
  const exclude = ['*.tmp', 'cache/', '**/node_modules'];
  const first = await syncOnce(src, rep, { exclude });
  assert.equal(
    operations(first.lines).filter((l) => /tmp|cache|node_modules/.test(l)),
    [],
  );
  assert.equal(readdirSync(rep).sort(), ['cache', 'keep.txt', 'old.tmp', 'pkg']);
  assert.equal(readdirSync(join(rep, 'pkg')), []);
  const second = await syncOnce(src, rep, { exclude, deleteExcluded: true });
  assert.equal(operations(second.lines).sort(), ['delete dir cache', 'delete file cache/y', 'delete file old.tmp']);
  assert.equal(readdirSync(rep).sort(), ['keep.txt', 'pkg']);
});

J('--report appends one JSON object per cycle with counts that match what happened', async ({ dir }) => {
  const src = join(dir, 'src');
  const rep = join(dir, 'rep');
  const report = join(dir, 'reports/cycles.jsonl');
  writeTree(src, { a: 'aaa', 'd/b': 'bb' });
  assert.is((await runCli([src, rep, '--once', '--report', report])).code, 0);
  writeFileSync(join(src, 'a'), 'changed');
  writeTree(rep, { extra: 'x' });
  assert.is((await runCli([src, rep, '--once', '--report', report])).code, 0);
  const lines = readFileSync(report, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as ReportLine);
  assert.is(lines.length, 2);
  const [first, second] = lines;
  assert.equal(Object.keys(first ?? {}), [
    'job',
    'start',
    'end',
    'durationMs',
    'dryRun',
    'stopped',
    'scanned',
    'created',
    'updated',
    'deleted',
    'backedUp',
    'failed',
    'bytes',
    'failures',
  ]);
  assert.equal(
    [first?.created, first?.updated, first?.deleted, first?.failed, first?.bytes, first?.scanned],
    [4, 0, 0, 0, 5, 4],
  );
  // Updated: the file, and the replica root whose mtime the extra file disturbed.
  assert.equal([second?.created, second?.updated, second?.deleted, second?.bytes], [0, 2, 1, 7]);
  assert.ok(Date.parse(second?.end ?? '') >= Date.parse(second?.start ?? ''));
  assert.equal(second?.failures, []);
});

J('statistics are logged at their interval and once more on shutdown', async ({ dir }) => {
  const src = join(dir, 'src');
  writeTree(src, { a: 'a' });
  const run = startCli([src, join(dir, 'rep'), '--interval', '1h', '--stats-interval', '200ms']);
  await run.waitFor(
    /stats: 1 cycles, 2 created, 0 updated, 0 deleted, 0 failed, 0\.0 MiB copied, mean cycle \d+\.\d\ds, max \d+\.\d\ds, last success \d{4}-/,
    2,
  );
  run.child.kill('SIGINT');
  assert.is(await run.exit, 0);
  assert.match(run.output(), /stopped\n.*stats: 1 cycles/);
});

J('the progress line shows on a terminal only: never in piped output or in the log file', async ({ dir }) => {
  const src = join(dir, 'src');
  writeTree(src, Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`f${i}`, `content ${i}`])));
  const log = join(dir, 'sync.log');
  const command = [process.execPath, CLI, src, join(dir, 'tty-rep'), '--once', '--log-file', log]
    .map((a) => `'${a}'`)
    .join(' ');
  // script(1) gives the CLI a pseudo-terminal; a zero delay shows the line at once instead of after a second.
  const tty = execFileSync('script', ['-qc', command, '/dev/null'], {
    encoding: 'utf8',
    env: { ...process.env, REPLISYNC_PROGRESS_DELAY: '0' },
  });
  assert.match(tty, /\r\x1b\[2K0\/31 entries, 0\.0\/0\.0 MiB, [\d.]+ MiB\/s, ETA/);
  const piped = await runCli([src, join(dir, 'piped-rep'), '--once', '--log-file', log]);
  assert.ok(!piped.stdout.includes('entries,') && !piped.stdout.includes('\x1b'));
  assert.ok(!readFileSync(log, 'utf8').includes('entries,'));
});

J(
  'on a 40-column terminal the progress line shows while contents are compared, and never runs past the width',
  async ({ dir }) => {
    const src = join(dir, 'src');
    const rep = join(dir, 'rep');
    writeTree(
      src,
      Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`f${i}`, Buffer.alloc(2 * 1024 * 1024, i)])),
    );
    execFileSync('cp', ['-a', src, rep]);
    const command = `stty cols 40; '${process.execPath}' '${CLI}' '${src}' '${rep}' --once --checksum --workers 1 --progress -q`;
    const tty = execFileSync('script', ['-qc', command, '/dev/null'], {
      encoding: 'utf8',
      env: { ...process.env, REPLISYNC_PROGRESS_DELAY: '0' },
    });
    const drawn = tty
      .split('\r\x1b[2K')
      .slice(1)
      .map((l) => l.replace(/\r?\n.*$/s, ''));
    assert.ok(
      drawn.some((l) => l.startsWith('comparing, ')),
      JSON.stringify(drawn),
    );
    for (const line of drawn) assert.ok(line.length <= 39, `${JSON.stringify(line)} is ${line.length} columns`);
  },
);

J('the shipped JSON schema lists exactly the fields the jobs file accepts', () => {
  const schema = JSON.parse(
    readFileSync(fileURLToPath(new URL('../../schema/jobs.schema.json', import.meta.url)), 'utf8'),
  ) as {
    properties: Record<string, unknown> & { jobs: { items: { properties: Record<string, unknown> } } };
  };
  const fields = configFields();
  assert.equal(Object.keys(schema.properties).sort(), fields.top.sort());
  assert.equal(Object.keys(schema.properties.jobs.items.properties).sort(), fields.job.sort());
  assert.equal(schema, jobsSchema(), 'schema/jobs.schema.json is what npm run schema writes from the option table');
});

J(
  "a jobs file may name its schema, ~/ paths are the home directory, and command-line filter rules add to a job's, first",
  async ({ dir }) => {
    const { homedir } = await import('node:os');
    const { resolveOptions } = await import('../src/cli/resolve.js');
    const { parseCommandLine } = await import('../src/cli/args.js');
    writeTree(join(dir, 'src'), { 'a.tmp': '', 'b.log': '', c: '' });
    const jobs = writeJobs(dir, {
      $schema: '../schema/jobs.schema.json',
      jobs: [{ source: 'src', replica: 'rep', exclude: ['*.tmp', '*.log'], include: ['keep.tmp'] }],
    });
    const line = parseCommandLine(['--config', jobs, '--exclude', 'c', '--include', 'b.log', '--once']);
    assert.is(line.kind, 'run');
    const options = resolveOptions(line.kind === 'run' ? line.options : {});
    assert.equal(
      options.jobs[0]?.exclude,
      ['c', '+ b.log', '+ keep.tmp', '*.tmp', '*.log'],
      "the command line's rules first, in their order, then the job's includes, then its excludes",
    );
    const home = parseCommandLine(['src', 'rep', '--log-file=~/replisync-test.log']);
    assert.is(home.kind === 'run' && home.options.logFile, join(homedir(), 'replisync-test.log'));
  },
);

J(
  'a log file and a report inside the source are left out of the sync, not copied again every cycle',
  async ({ dir }) => {
    const src = join(dir, 'src');
    writeTree(src, { 'data.txt': 'd' });
    const rep = join(dir, 'rep');
    const r = await runCli([src, rep, join(src, 'logs/sync.log'), '--report', join(src, 'r[1].jsonl'), '--once']);
    assert.is(r.code, 0, r.stderr);
    // Its directory is one of the source's like any other, as with rsync's exclude of the file alone.
    assert.equal(readdirSync(rep).sort(), ['data.txt', 'logs']);
    assert.equal(readdirSync(join(rep, 'logs')), []);
    const again = await runCli([src, rep, join(src, 'logs/sync.log'), '--report', join(src, 'r[1].jsonl'), '--once']);
    assert.not.match(again.stdout + again.stderr, /changed while|create file|update file/);
  },
);
J.run();
