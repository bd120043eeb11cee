import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { ignoreGlobs, watchFailure } from '../src/watch/subscribe.js';
import { pairSuite, rsyncDiff, startCli, within, writeTree } from './helpers.js';

const W = pairSuite('watch mode');

/** Resolves once `check` holds (polled every 50 ms); fails after `ms`. */
async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  await within(
    ms,
    (async () => {
      while (!check()) await new Promise((r) => setTimeout(r, 50));
    })(),
    what,
  );
}
const content = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

W('with an interval of 1h, each change reaches the replica within seconds, by targeted cycles', async (ctx) => {
  const { dir, src, rep } = ctx;
  writeTree(src, { keep: 'k', edit: 'e', gone: 'g', 'old/x': 'x', 'node_modules/m': 'm' });
  const run = startCli([src, rep, '--watch', '--interval', '1h', '--exclude', 'node_modules', '--exclude', '*.tmp']);
  try {
    await within(20_000, run.waitFor(/cycle done: /), 'the first full cycle');
    writeFileSync(join(src, 'new'), 'created');
    await until(() => content(join(rep, 'new')) === 'created', 'a created file');
    writeFileSync(join(src, 'edit'), 'edited');
    await until(() => content(join(rep, 'edit')) === 'edited', 'a modified file');
    rmSync(join(src, 'gone'));
    await until(() => content(join(rep, 'gone')) === undefined, 'a deleted file');
    renameSync(join(src, 'old'), join(src, 'renamed'));
    await until(() => content(join(rep, 'renamed/x')) === 'x' && content(join(rep, 'old/x')) === undefined, 'a rename');
    mkdirSync(join(src, 'a/b/c'), { recursive: true });
    writeFileSync(join(src, 'a/b/c/deep'), 'deep');
    await until(() => content(join(rep, 'a/b/c/deep')) === 'deep', 'mkdir -p with a file inside');
    writeTree(join(dir, 'outside'), { 'p/q': 'q', 'p/r/s': 's' });
    renameSync(join(dir, 'outside'), join(src, 'moved-in'));
    await until(() => content(join(rep, 'moved-in/p/r/s')) === 's', 'a tree moved in');
    mkdirSync(join(src, 'burst'));
    for (let i = 0; i < 1000; i++) writeFileSync(join(src, 'burst', `f${i}`), `${i}`);
    await until(
      () => content(join(rep, 'burst/f999')) === '999' && content(join(rep, 'burst/f0')) === '0',
      'a burst of 1,000 files',
      10_000,
    );
    writeFileSync(join(src, 'node_modules/late'), 'excluded');
    writeFileSync(join(src, 'scratch.tmp'), 'excluded');
    writeFileSync(join(src, 'marker'), 'after the excluded writes');
    await until(() => content(join(rep, 'marker')) !== undefined, 'the marker');
    assert.is(content(join(rep, 'node_modules/late')), undefined);
    assert.is(content(join(rep, 'scratch.tmp')), undefined);
    assert.match(run.output(), /cycle done \(watch: \d+ paths?\)/);
    assert.is((run.output().match(/cycle done: /g) ?? []).length, 1, 'one full cycle only: the rest were targeted');
    assert.is(rsyncDiff(src, rep, ['--exclude', 'node_modules', '--exclude', '*.tmp']), '');
  } finally {
    run.child.kill('SIGTERM');
    assert.is(await within(20_000, run.exit, 'exit'), 0);
  }
  assert.match(run.output(), /stopped\n$/);
});

W(
  "two-way watch: a change on either side reaches the other, and replisync's own writes do not echo back",
  async (ctx) => {
    const { dir, src, rep } = ctx;
    writeTree(src, { a: 'a' });
    const run = startCli([src, rep, '--two-way', '--watch', '--interval', '1h', '--state-dir', join(dir, 'state')]);
    try {
      // The replica is created by the first cycle, watched after it, and covered by a second full cycle.
      await within(20_000, run.waitFor(/watching .*rep for changes/), 'the replica watched');
      writeFileSync(join(rep, 'from-replica'), 'r');
      await until(() => content(join(src, 'from-replica')) === 'r', 'replica → source');
      writeFileSync(join(src, 'from-source'), 's');
      await until(() => content(join(rep, 'from-source')) === 's', 'source → replica');
      // Time for any echo of those writes to show.
      await new Promise((r) => setTimeout(r, 1000));
      const written = run
        .output()
        .split('\n')
        .filter((l) => / → (source|replica)$/.test(l))
        .map((l) => l.replace(/^\S+ /, ''));
      assert.equal(written, [
        'create dir . → replica',
        'create file a → replica',
        'create file from-replica → source',
        'create file from-source → replica',
      ]);
      // Targeted cycles kept the records outside their part: a deletion is a deletion, not a file to bring back.
      rmSync(join(rep, 'a'));
      await until(() => content(join(src, 'a')) === undefined, 'the deletion reaches the source');
    } finally {
      run.child.kill('SIGTERM');
      assert.is(await within(20_000, run.exit, 'exit'), 0);
    }
  },
);

W('a watch that cannot start (the inotify limit) warns once, and the full cycles go on', async (ctx) => {
  const { src, rep } = ctx;
  writeTree(src, Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`d${i}/f`, `${i}`])));
  // A user namespace of its own, whose inotify limit (3 watches) is below the 7 directories.
  const limited = ['unshare', '-U', '-r', 'sh', '-c', 'echo 3 > /proc/sys/user/max_inotify_watches && exec "$@"', 'sh'];
  const run = startCli([src, rep, '--watch', '--interval', '1s'], limited);
  try {
    await within(10_000, run.waitFor(/cycle done/), 'the first cycle');
    assert.match(
      run.output(),
      /WARN watch mode: the inotify watch limit is reached .*max_user_watches.*; the full cycle every 1s goes on/,
    );
    writeFileSync(join(src, 'later'), 'later');
    await until(() => content(join(rep, 'later')) === 'later', 'a new file copied by a full cycle');
    await within(10_000, run.waitFor(/cycle done/, 3), 'two more cycles');
    assert.is(run.output().match(/watch mode:/g)?.length, 1, run.output());
    assert.not.match(run.output(), /watching /);
  } finally {
    run.child.kill('SIGTERM');
  }
  assert.is(await within(10_000, run.exit, 'exit after SIGTERM'), 0);
  assert.is(rsyncDiff(src, rep), '');
});

W('only excludes that name a directory outright are left unwatched; the rest filter events', () => {
  assert.equal(ignoreGlobs(['node_modules', '/build', 'cache/', '*.tmp', 'docs/*.md', 'a/b', '/x/y']), [
    '**/node_modules',
    '**/node_modules/**',
    'build',
    'build/**',
    '**/cache',
    '**/cache/**',
  ]);
  assert.match(
    watchFailure(Object.assign(new Error('ENOSPC: no space left'), { code: 'ENOSPC' })),
    /sysctl fs\.inotify\.max_user_watches/,
  );
});

W.run();
