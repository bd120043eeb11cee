import { generateTree, SHAPES, type TreeName } from './tree.js';

/** `node dist/bench/generate.js <many-small|large|mixed> <dir>`: build a benchmark tree. */
const [name, dir] = process.argv.slice(2);
if (!name || !dir || !(name in SHAPES)) {
  process.stderr.write(`usage: generate <${Object.keys(SHAPES).join('|')}> <dir>\n`);
  process.exit(2);
}
const started = performance.now();
const { files, bytes } = generateTree(dir, name as TreeName);
process.stdout.write(
  `${name}: ${files} files, ${(bytes / 2 ** 20).toFixed(0)} MiB in ${((performance.now() - started) / 1000).toFixed(1)}s → ${dir}\n`,
);
