// Writes dist/bin/main.cjs.cache, the V8 code cache `runCompiled` loads main.cjs with, from a
// real run: a cache made right after compiling holds only the top-level code, and every
// function a run calls is then compiled on its first call; one made after a run holds those
// too. Run by bundle.mjs in a process of its own (the run ends with process.exit), on a pair of
// trees in a temporary directory that makes one cycle walk both sides, compare, copy, update and
// delete, as re-syncs do (small: creating files is slow on some disks).
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileCommonJs, runCommonJs } from '../dist/src/cli/compiled.js';

const main = fileURLToPath(new URL('../dist/bin/main.cjs', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'replisync-train-'));
// Locks and state stay in the temporary directory.
process.env.XDG_RUNTIME_DIR = join(work, 'run');
process.env.XDG_STATE_HOME = join(work, 'state');

const source = join(work, 'source');
const replica = join(work, 'replica');
for (let d = 0; d < 5; d++) {
  for (const root of [source, replica]) mkdirSync(join(root, `d${d}`), { recursive: true });
  for (let f = 0; f < 40; f++) {
    const name = `d${d}/f${f}`;
    writeFileSync(join(source, name), `${name}\n`);
    // The replica has most files as they are, a few rewritten, a few missing.
    if (f % 20 === 1) continue;
    writeFileSync(join(replica, name), f % 20 === 2 ? `${name}?\n` : `${name}\n`);
    for (const root of [source, replica]) utimesSync(join(root, name), 1e9, f % 20 === 3 ? 1e9 + d : 1e9);
  }
  writeFileSync(join(replica, `d${d}/extra`), 'gone next\n');
}

// Compiled and run exactly as `runCompiled` does, or V8 would reject the cache for other source.
const script = compileCommonJs(main);
process.on('exit', (code) => {
  try {
    if (code === 0) writeFileSync(`${main}.cache`, script.createCachedData());
    else process.stderr.write(`train-cache: the training run exited ${code}: no code cache written\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
process.argv = [process.argv[0], main, source, replica, join(work, 'log'), '--once', '--quiet'];
runCommonJs(script, main);
