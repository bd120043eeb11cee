import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileExcludes } from '../src/tree/filter.js';

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
];
for (const [pattern, path, isDir, expected] of cases) {
  test(`${pattern} ${expected ? 'excludes' : 'keeps'} ${path}${isDir ? '/' : ''}`, () => {
    assert.is(compileExcludes([pattern])?.(path, isDir), expected);
  });
}

test('no patterns: no matcher at all', () => {
  assert.is(compileExcludes([]), undefined);
});

test('an empty pattern is refused', () => {
  assert.throws(() => compileExcludes(['']), /exclude pattern "" matches nothing useful/);
});

test.run();
