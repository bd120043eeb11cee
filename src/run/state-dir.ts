import { homedir } from 'node:os';
import { join } from 'node:path';

/** `--state-dir`'s default: `$XDG_STATE_HOME/replisync`, else `~/.local/state/replisync`. */
export const defaultStateDir = (env = process.env): string =>
  join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'replisync');
