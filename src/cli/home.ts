import { homedir } from 'node:os';
import { join } from 'node:path';

/** `~/photos` → the home directory's `photos`, as a shell would (which it does not in a JSON file or after `--flag=`). */
export const expandHome = (path: string): string =>
  path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
