import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileExcludes } from '../src/tree/filter.js';
import { scanTree } from '../src/tree/local/walk.js';
import { entryArray } from '../src/tree/tree.js';
import { removeDir, runCli, tempDir, within, writeTree } from './helpers.js';

const cases: Array<[string, string, boolean, boolean]> = [
  ['*.tmp', 'a.tmp', false, true],
  ['*.tmp', 'deep/dir/a.tmp', false, true],
  ['*.tmp', 'a.tmp.keep', false, false],
  ['node_modules', 'pkg/node_modules', true, true],
  ['node_modules', 'pkg/node_modules_old', true, false],
  ['**/node_modules', 'node_modules', true, true],
  ['**/node_modules', 'a/b/node_modules', true, true],
  ['cache/', 'cache', true, true],
  ['cache/', 'cache', false, false],
  ['cache/', 'x/cache', true, true],
  ['/build', 'build', true, true],
  ['/build', 'src/build', true, false],
  ['docs/*.md', 'docs/a.md', false, true],
  ['docs/*.md', 'docs/sub/a.md', false, false],
  ['docs/**.md', 'docs/sub/a.md', false, true],
  ['file?.txt', 'file1.txt', false, true],
  ['file?.txt', 'file10.txt', false, false],
  ['a+b (1).txt', 'a+b (1).txt', false, true],
  // A `/` inside, unanchored: the last names of the path, at any depth (rsync: "foo/bar" matches the last two).
  ['a/*.md', 'x/a/b.md', false, true],
  ['a/b', 'x/y/a/b', false, true],
  ['a/b', 'x/ya/b', false, false],
  ['/a/b', 'x/a/b', false, false],
  ['[ab].txt', 'b.txt', false, true],
  ['[!ab].txt', 'b.txt', false, false],
  ['[a-c]x', 'cx', false, true],
  ['[[:digit:]]*', '7up', false, true],
  ['\\*.txt', '*.txt', false, true],
  ['\\*.txt', 'a.txt', false, false],
  ['back\\slash', 'back\\slash', false, true],
  ['dir/***', 'dir', true, true],
  ['dir/***', 'dir/a/b', false, true],
  ['**', 'anything/at/all', false, true],
  ['?', 'é', false, false],
];
for (const [pattern, path, isDir, expected] of cases) {
  test(`${pattern} ${expected ? 'excludes' : 'keeps'} ${path}${isDir ? '/' : ''}`, () => {
    assert.is(compileExcludes([pattern])?.(path, isDir), expected);
  });
}

test('no patterns: no matcher at all', () => {
  assert.is(compileExcludes([]), undefined);
});

test('an empty pattern and an unclosed class are refused', () => {
  assert.throws(() => compileExcludes(['']), /exclude pattern "" matches nothing useful/);
  assert.throws(() => compileExcludes(['[ab']), /exclude pattern "\[ab" has a \[ that is never closed/);
});

test('patterns that make a backtracking matcher take minutes match in one pass (a child with a time limit)', () => {
  const filter = fileURLToPath(new URL('../src/tree/filter.js', import.meta.url));
  const script = `
    import { compileExcludes } from ${JSON.stringify(filter)};
    const slow = compileExcludes(['*a*a*a*a*a*a*a*a*b', '*.*.*.*.bak', '**a**a**a**a**a**a**b']);
    const names = [${JSON.stringify('a'.repeat(60))}, ${JSON.stringify('x.'.repeat(120))}];
    for (let i = 0; i < 20; i++) for (const n of names) if (slow(n + i, false)) process.exit(3);
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000 });
  assert.is(r.signal, null, 'the matcher did not finish within 20 s');
  assert.is(r.status, 0, String(r.stderr));
});

/** The files and directories a walk with one exclude keeps, as relative paths. */
const ourKeeps = (root: string, pattern: string): string[] =>
  entryArray(scanTree(root, [pattern]).entries)
    .map((e) => e.path)
    .filter((path) => path !== '')
    .sort();

/** The files and directories rsync would transfer from `root` with one exclude, as relative paths. */
function rsyncKeeps(root: string, pattern: string): string[] {
  const out = execFileSync(
    'rsync',
    ['-rn', '--out-format=%n', `--exclude=${pattern}`, `${root}/`, join(root, '..', 'none')],
    {
      encoding: 'utf8',
    },
  );
  return out
    .split('\n')
    .map((l) => l.replace(/\/$/, ''))
    .filter((l) => l !== '' && l !== '.')
    .sort();
}

test("every pattern form in the README's table excludes exactly what rsync excludes", () => {
  const dir = tempDir();
  try {
    const root = join(dir, 'src');
    writeTree(root, {
      'a.tmp': '',
      'x/node_modules/m': '',
      'docs/a.md': '',
      'docs/sub/b.md': '',
      'k/docs/c.md': '',
      'a/b': '',
      'x/a/b': '',
      'build/o': '',
      'src/build/o': '',
      'cache/c': '',
      'y/cache': '',
      'dir/in': '',
      'file1.txt': '',
      'a.txt': '',
      'b.txt': '',
      '7up': '',
      '*.txt': '',
      'back\\slash': '',
    });
    const table = [
      '*.tmp',
      'node_modules',
      'docs/*.md',
      'a/b',
      '/build',
      '/docs/*.md',
      'cache/',
      '**/node_modules',
      'docs/**.md',
      'dir/***',
      'file?.txt',
      '[ab].txt',
      '[!a-c]*',
      '[[:digit:]]*',
      '\\*.txt',
      'back\\slash',
    ];
    for (const p of table) assert.equal(ourKeeps(root, p), rsyncKeeps(root, p), `pattern ${p}`);
  } finally {
    removeDir(dir);
  }
});

test('random patterns of every documented form exclude exactly what rsync excludes (fast-check, rsync as oracle)', () => {
  const dir = tempDir();
  try {
    const root = join(dir, 'src');
    writeTree(root, {
      'a/b/c.md': '',
      'a/b.md': '',
      'a/ab/x': '',
      'b/a/b': '',
      'ba/a.txt': '',
      'x/a/b.md': '',
      'x/y/z/a': '',
      'aa.md': '',
      'b.txt': '',
      'c/': null,
      'c/a/': null,
      '.hidden/a.md': '',
    });
    const piece = fc.constantFrom('a', 'b', 'x', '.md', '*', '**', '?', '[ab]', '[!a]', '/', '***');
    const pattern = fc
      .array(piece, { minLength: 1, maxLength: 5 })
      .map((parts) => parts.join(''))
      .filter((p) => p.replace(/\//g, '') !== '');
    fc.assert(
      fc.property(pattern, (p) => {
        assert.equal(ourKeeps(root, p), rsyncKeeps(root, p), `pattern ${p}`);
      }),
      { numRuns: 100 },
    );
  } finally {
    removeDir(dir);
  }
});

test('--include, --exclude, --include-from and --exclude-from in any order keep exactly what rsync keeps', async () => {
  const dir = tempDir();
  try {
    const src = join(dir, 'src');
    writeTree(src, {
      'a.txt': '1',
      'a.log': '2',
      'b.tmp': '3',
      'keep/x.log': '4',
      'keep/y.txt': '5',
      'deep/er/z.txt': '6',
      'deep/er/z.bin': '7',
      'node_modules/m.txt': '8',
    });
    writeFileSync(join(dir, 'ex.list'), '# comments and blank lines are skipped\n\n*.tmp\n; this too\nnode_modules\n');
    writeFileSync(join(dir, 'in.list'), 'keep/*.log\n');
    const orders: string[][] = [
      ['--include', '*.txt', '--include', '*/', '--exclude', '*'],
      ['--exclude', '*.log', '--include', 'keep/x.log'],
      ['--include-from', join(dir, 'in.list'), '--exclude', '*.log', '--exclude-from', join(dir, 'ex.list')],
      ['--exclude-from', join(dir, 'ex.list'), '--include', 'node_modules', '--exclude', 'deep/'],
    ];
    for (const [i, rules] of orders.entries()) {
      const ours = join(dir, `ours-${i}`);
      const theirs = join(dir, `rsync-${i}`);
      const r = await within(20_000, runCli([src, ours, '--once', '-q', ...rules]), 'replisync');
      assert.is(r.code, 0, r.stderr);
      execFileSync('rsync', ['-a', ...rules, `${src}/`, `${theirs}/`]);
      const list = (root: string): string[] =>
        entryArray(scanTree(root).entries)
          .map((e) => `${e.path}:${e.kind}`)
          .sort();
      assert.equal(list(ours), list(theirs), rules.join(' '));
    }
  } finally {
    removeDir(dir);
  }
});

test.run();
