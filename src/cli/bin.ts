#!/usr/bin/env node
import { versionLine } from './version.js';

// `--version` alone is answered before the rest of the program is even loaded.
if (process.argv.length === 3 && process.argv[2] === '--version') process.stdout.write(versionLine());
else void import('./main.js');
