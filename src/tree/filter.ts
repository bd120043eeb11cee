import { usageError } from '../errors.js';

/**
 * Exclude patterns, as rsync reads them:
 * - a pattern without `/` (`*.tmp`, `node_modules`) matches a name at any depth;
 * - a pattern with `/` (`cache/old`, `**\/build`, `/top`) matches the whole relative path,
 *   and a leading `/` anchors it at the root;
 * - a trailing `/` (`cache/`) matches directories only;
 * - `*` matches within one name, `**` across `/`, `?` one character.
 * An excluded directory excludes everything below it: the walk does not enter it.
 */
export type Exclude = (path: string, isDir: boolean) => boolean;

interface Rule {
  readonly regex: RegExp;
  readonly dirOnly: boolean;
  /** Matched against the last name only. */
  readonly nameOnly: boolean;
}

function toRegex(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` also matches nothing at all, so `**/x` matches `x` at the root.
      if (glob[i + 2] === '/') {
        out += '(?:.*/)?';
        i += 2;
      } else {
        out += '.*';
        i += 1;
      }
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return out;
}

function compileRule(pattern: string): Rule {
  if (pattern.trim() === '' || pattern === '/') throw usageError(`exclude pattern "${pattern}" matches nothing useful`);
  const dirOnly = pattern.endsWith('/');
  const body = dirOnly ? pattern.slice(0, -1) : pattern;
  const anchored = body.startsWith('/');
  const glob = anchored ? body.slice(1) : body;
  const nameOnly = !anchored && !glob.includes('/');
  return { regex: new RegExp(`^${toRegex(glob)}$`, 's'), dirOnly, nameOnly };
}

/** Compiles the patterns once; undefined when there are none, so walks without filters test nothing. */
export function compileExcludes(patterns: readonly string[]): Exclude | undefined {
  if (patterns.length === 0) return undefined;
  const rules = patterns.map(compileRule);
  return (path, isDir) => {
    const name = path.slice(path.lastIndexOf('/') + 1);
    return rules.some((r) => (!r.dirOnly || isDir) && r.regex.test(r.nameOnly ? name : path));
  };
}
