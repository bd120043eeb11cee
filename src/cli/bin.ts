#!/usr/bin/env node
import { versionLine } from './version.js';

/** Set by the bundler: the run is then `main.cjs` beside this file. */
declare const __BUNDLED__: boolean | undefined;

// `--version` alone is answered before the rest of the program is even loaded.
if (process.argv.length === 3 && process.argv[2] === '--version') process.stdout.write(versionLine());
else if (typeof __BUNDLED__ === 'boolean')
  void import('./compiled.js').then(({ runCompiled }) => runCompiled(new URL('main.cjs', import.meta.url)));
else void import('./main.js');
