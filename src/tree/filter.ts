import { usageError } from '../errors.js';
import { encodeName } from './names.js';
import { compileGlob, wildmatch } from './wildmatch.js';

/**
 * Exclude patterns, read exactly as rsync's `--exclude` reads them (its `rule_matches`):
 * - no `/` (`*.tmp`, `node_modules`): matches the last name, at any depth;
 * - a `/` inside (`a/*.md`, `a/b`): matches the last that many names of the path, at any depth;
 * - a leading `/` (`/build`): anchored at the root; a trailing `/` (`cache/`): directories only;
 * - `**` crosses `/` and then is tried after every `/`; a leading `**` also matches at the root;
 *   a trailing `/***` also matches the directory itself;
 * - `*`, `?` and `[...]` stay within a name; `\` escapes (only in a pattern with a wildcard).
 * An excluded directory excludes everything below it: the walk does not enter it.
 */
export type Exclude = (path: string, isDir: boolean) => boolean;

type Rule = (path: string, bytes: () => Uint8Array, isDir: boolean) => boolean;

const SLASH = 0x2f;

/** Where the last `count` names of `text` start, or -1 when it has fewer. */
function lastNames(text: Uint8Array, count: number): number {
  let left = count;
  for (let i = text.length - 1; i >= 0; i--) if (text[i] === SLASH && --left === 0) return i + 1;
  return left === 1 ? 0 : -1;
}

function compileRule(raw: string): Rule {
  if (raw.trim() === '' || raw === '/') throw usageError(`exclude pattern "${raw}" matches nothing useful`);
  const dirOnly = raw.endsWith('/');
  const body = dirOnly ? raw.slice(0, -1) : raw;
  const slashes = body.split('/').length - 1;
  const wild = /[*?[]/.test(body);
  const wild2 = wild && body.includes('**');
  const wild2Prefix = wild2 && body.startsWith('**');
  const wild3Suffix = wild2 && body.endsWith('***');
  const anchored = body.startsWith('/');
  const pattern = anchored ? body.slice(1) : body;
  const nameOnly = slashes === 0 && !wild2;
  // How the text is tried: from its start, from its last names, or after every `/`.
  const where = !anchored && slashes > 0 && !wild2 ? slashes + 1 : !anchored && wild2 && !wild2Prefix ? -1 : 0;
  if (!wild) {
    // A literal: the name, the whole path from the root, or its last names.
    return (path, _bytes, isDir) => {
      if (dirOnly && !isDir) return false;
      const name = nameOnly ? path.slice(path.lastIndexOf('/') + 1) : path;
      return name === pattern || (!anchored && !nameOnly && name.endsWith(`/${pattern}`));
    };
  }
  const tokens = compileGlob(pattern);
  return (path, bytes, isDir) => {
    if (dirOnly && !isDir) return false;
    let text = nameOnly ? encodeName(path.slice(path.lastIndexOf('/') + 1)) : bytes();
    if (wild2Prefix) text = Buffer.concat([Buffer.from('/'), text]);
    if (isDir && wild3Suffix) text = Buffer.concat([text, Buffer.from('/')]);
    if (where <= 0) return wildmatch(tokens, text, 0, where < 0);
    const from = lastNames(text, where);
    return from >= 0 && wildmatch(tokens, text, from, false);
  };
}

/**
 * The filter rules travel as one ordered list of strings (the `exclude` of a job): `+ pattern`
 * includes, `- pattern` excludes, and a plain pattern excludes, as `--exclude` gives it.
 */
export const includeRule = (pattern: string): string => `+ ${pattern}`;
export const excludeRule = (pattern: string): string =>
  pattern.startsWith('+ ') || pattern.startsWith('- ') ? `- ${pattern}` : pattern;

/** A rule's kind and pattern (see `includeRule`). */
export function parseRule(rule: string): { include: boolean; pattern: string } {
  if (rule.startsWith('+ ')) return { include: true, pattern: rule.slice(2) };
  return { include: false, pattern: rule.startsWith('- ') ? rule.slice(2) : rule };
}

/**
 * Compiles the rules once; undefined when there are none, so walks without filters test
 * nothing. As in rsync, the first rule that matches decides, and a path no rule matches is
 * kept; an excluded directory is not entered, so nothing below it can be included again.
 */
export function compileExcludes(patterns: readonly string[]): Exclude | undefined {
  if (patterns.length === 0) return undefined;
  const rules = patterns.map((raw) => {
    const { include, pattern } = parseRule(raw);
    return { include, matches: compileRule(pattern) };
  });
  return (path, isDir) => {
    let bytes: Uint8Array | undefined;
    const lazy = (): Uint8Array => {
      bytes ??= encodeName(path);
      return bytes;
    };
    for (const rule of rules) if (rule.matches(path, lazy, isDir)) return !rule.include;
    return false;
  };
}
