import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite, test } from 'uvu';
import * as assert from 'uvu/assert';
import type { UserOptions } from '../src/cli/args.js';
import { resolveOptions } from '../src/cli/resolve.js';
import { parseDuration, parseMaxDelete, parseSize, parseWorkers } from '../src/cli/units.js';
import { defaultStateDir } from '../src/run/state-dir.js';
import { cycleOptions } from '../src/sync/cycle.js';
import { removeDir, tempDir } from './helpers.js';

const durations: Array<[string | number, number]> = [
  ['10', 10_000],
  [10, 10_000],
  ['10s', 10_000],
  ['5m', 300_000],
  ['1h', 3_600_000],
  ['500ms', 500],
  ['1.5s', 1500],
];
for (const [input, ms] of durations)
  test(`duration ${input} → ${ms} ms`, () => assert.is(parseDuration('interval', input), ms));
for (const bad of ['0', '-5', 'abc', '5 days', '', '0s']) {
  test(`duration "${bad}" is refused, naming the field`, () => {
    assert.throws(
      () => parseDuration('interval', bad),
      (e: Error) => e.message === `interval must be a positive duration such as 10, 10s, 5m or 1h (got "${bad}")`,
    );
  });
}

const sizes: Array<[string, number]> = [
  ['8M', 8 * 1024 * 1024],
  ['64K', 64 * 1024],
  ['64KiB', 64 * 1024],
  ['1g', 1024 ** 3],
  ['4096', 4096],
];
for (const [input, bytes] of sizes)
  test(`size ${input} → ${bytes}`, () => assert.is(parseSize('--chunk-size', input), bytes));
for (const bad of ['1K', '0', 'lots', '8T']) {
  test(`size "${bad}" is refused`, () =>
    assert.throws(() => parseSize('--chunk-size', bad), /--chunk-size must be a size of at least 4K/));
}
for (const bad of ['-1', '1.5', 'x', '']) {
  test(`max-delete "${bad}" is refused`, () =>
    assert.throws(() => parseMaxDelete(bad), /^--max-delete must be a whole number of entries, 0 or more/));
}
for (const bad of ['0', '1.5', 'x', '1000']) {
  test(`workers "${bad}" is refused`, () =>
    assert.throws(() => parseWorkers(bad), /--workers must be an integer from 1 to 256/));
}

const Resolve = suite<{ dir: string }>('resolveOptions', { dir: '' });
Resolve.before.each((ctx) => {
  ctx.dir = tempDir();
  mkdirSync(join(ctx.dir, 'src/inner'), { recursive: true });
  writeFileSync(join(ctx.dir, 'file'), 'x');
});
Resolve.after.each((ctx) => removeDir(ctx.dir));

const refusals: Array<[string, (d: string) => UserOptions, RegExp]> = [
  ['missing source', (d) => ({ source: join(d, 'nope'), replica: join(d, 'r') }), /^source .*nope does not exist$/],
  [
    'source is a file',
    (d) => ({ source: join(d, 'file'), replica: join(d, 'r') }),
    /^source .*file is not a directory$/,
  ],
  [
    'replica is the source',
    (d) => ({ source: join(d, 'src'), replica: join(d, 'src') }),
    /^replica .* is the source itself$/,
  ],
  [
    'replica inside the source',
    (d) => ({ source: join(d, 'src'), replica: join(d, 'src/inner/new') }),
    /^replica .* is inside the source /,
  ],
  [
    'replica containing the source',
    (d) => ({ source: join(d, 'src/inner'), replica: join(d, 'src') }),
    /^replica .* contains the source /,
  ],
  [
    'replica is a file',
    (d) => ({ source: join(d, 'src'), replica: join(d, 'file') }),
    /^replica .* is not a directory$/,
  ],
  [
    'log file is a directory',
    (d) => ({ source: join(d, 'src'), replica: join(d, 'r'), logFile: d }),
    /^log file .* is a directory$/,
  ],
  [
    'log file under a file',
    (d) => ({ source: join(d, 'src'), replica: join(d, 'r'), logFile: join(d, 'file/x.log') }),
    /^log file .* cannot be created: .*file is not a directory$/,
  ],
  [
    'log file inside the replica',
    (d) => ({ source: join(d, 'src'), replica: join(d, 'r'), logFile: join(d, 'r/sync.log') }),
    /^log file .* is inside the replica/,
  ],
  [
    'bad interval',
    (d) => ({ source: join(d, 'src'), replica: join(d, 'r'), interval: 'soon' }),
    /^interval must be a positive duration/,
  ],
  [
    'quiet and verbose',
    (d) => ({ source: join(d, 'src'), replica: join(d, 'r'), quiet: true, verbose: true }),
    /^--quiet and --verbose cannot be used together$/,
  ],
];
for (const [name, options, message] of refusals) {
  Resolve(`refuses: ${name}`, ({ dir }) => {
    assert.throws(
      () => resolveOptions(options(dir)),
      (e: Error) => e.name === 'ReplisyncError' && message.test(e.message),
    );
  });
}

Resolve('a replica reached through a symlink into the source is refused (real paths compared)', ({ dir }) => {
  symlinkSync(join(dir, 'src/inner'), join(dir, 'sneaky'));
  assert.throws(
    () => resolveOptions({ source: join(dir, 'src'), replica: join(dir, 'sneaky/r') }),
    /is inside the source/,
  );
});

Resolve('defaults are filled in and paths made absolute', ({ dir }) => {
  const o = resolveOptions({ source: join(dir, 'src'), replica: join(dir, 'new/replica') });
  assert.equal(
    { ...o, workers: o.workers > 0 },
    {
      jobs: [
        {
          ...cycleOptions(join(dir, 'src'), join(dir, 'new/replica')),
          name: '',
          intervalMs: 60_000,
          stateDir: defaultStateDir(),
          watchDelayMs: undefined,
        },
      ],
      logFile: undefined,
      report: undefined,
      statsIntervalMs: undefined,
      stats: false,
      progress: 'auto',
      once: false,
      workers: true,
      verbosity: 'normal',
      logFormat: 'text',
    },
  );
});

test.run();
Resolve.run();
