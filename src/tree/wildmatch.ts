import { usageError } from '../errors.js';

/**
 * rsync's wildmatch, run as a set of states over the text instead of by backtracking: one
 * pass over the name, whatever the pattern, so no exclude can take exponential time.
 * Bytes are UTF-8, as rsync sees them. `*` and `?` and classes never match `/`; `**`
 * matches anything; `\` escapes the next character; `[...]` takes ranges, `!` or `^`
 * negation and POSIX classes (`[[:digit:]]`).
 */
type Token =
  | { readonly t: 'byte'; readonly b: number }
  | { readonly t: 'one' }
  | { readonly t: 'set'; readonly bytes: Uint8Array; readonly negated: boolean }
  | { readonly t: 'star' }
  | { readonly t: 'any' };

const SLASH = 0x2f;
const BACKSLASH = 0x5c;

const POSIX: Record<string, (c: number) => boolean> = {
  alnum: (c) => POSIX.alpha?.(c) === true || POSIX.digit?.(c) === true,
  alpha: (c) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a),
  blank: (c) => c === 0x20 || c === 0x09,
  cntrl: (c) => c < 0x20 || c === 0x7f,
  digit: (c) => c >= 0x30 && c <= 0x39,
  graph: (c) => c > 0x20 && c < 0x7f,
  lower: (c) => c >= 0x61 && c <= 0x7a,
  print: (c) => c >= 0x20 && c < 0x7f,
  punct: (c) => c > 0x20 && c < 0x7f && POSIX.alnum?.(c) === false,
  space: (c) => c === 0x20 || (c >= 0x09 && c <= 0x0d),
  upper: (c) => c >= 0x41 && c <= 0x5a,
  xdigit: (c) => POSIX.digit?.(c) === true || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66),
};

/** Parses `[...]` starting after the `[`; returns the token and where the pattern goes on. */
function parseSet(p: Uint8Array, start: number, pattern: string): [Token, number] {
  const members = new Uint8Array(256);
  let i = start;
  const negated = p[i] === 0x21 || p[i] === 0x5e;
  if (negated) i++;
  let first = true;
  for (;;) {
    if (i >= p.length) throw usageError(`exclude pattern "${pattern}" has a [ that is never closed`);
    let c = p[i] as number;
    if (c === 0x5d && !first) return [{ t: 'set', bytes: members, negated }, i + 1];
    first = false;
    if (c === 0x5b && p[i + 1] === 0x3a) {
      const end = Buffer.from(p).indexOf(':]', i + 2);
      const name = end < 0 ? '' : Buffer.from(p.subarray(i + 2, end)).toString('latin1');
      const test = POSIX[name];
      if (test === undefined) throw usageError(`exclude pattern "${pattern}" has an unknown class [:${name}:]`);
      for (let b = 0; b < 256; b++) if (test(b)) members[b] = 1;
      i = end + 2;
      continue;
    }
    if (c === BACKSLASH && i + 1 < p.length) c = p[++i] as number;
    let last = c;
    if (p[i + 1] === 0x2d && i + 2 < p.length && p[i + 2] !== 0x5d) {
      i += 2;
      last = p[i] === BACKSLASH && i + 1 < p.length ? (p[++i] as number) : (p[i] as number);
    }
    for (let b = c; b <= last; b++) members[b] = 1;
    i++;
  }
}

export function compileGlob(pattern: string): Token[] {
  const p = Buffer.from(pattern, 'utf8');
  const tokens: Token[] = [];
  for (let i = 0; i < p.length; ) {
    const c = p[i] as number;
    if (c === 0x2a) {
      let j = i;
      while (p[j] === 0x2a) j++;
      const token: Token = j - i >= 2 ? { t: 'any' } : { t: 'star' };
      // Runs of stars fold into one: `a**b` and `a***b` match alike, and the state set stays small.
      const prev = tokens[tokens.length - 1];
      if (prev?.t === 'star' || prev?.t === 'any') tokens[tokens.length - 1] = prev.t === 'any' ? prev : token;
      else tokens.push(token);
      i = j;
    } else if (c === 0x3f) {
      tokens.push({ t: 'one' });
      i++;
    } else if (c === 0x5b) {
      const [token, next] = parseSet(p, i + 1, pattern);
      tokens.push(token);
      i = next;
    } else if (c === BACKSLASH && i + 1 < p.length) {
      tokens.push({ t: 'byte', b: p[i + 1] as number });
      i += 2;
    } else {
      tokens.push({ t: 'byte', b: c });
      i++;
    }
  }
  return tokens;
}

const accepts = (token: Token, b: number): boolean => {
  switch (token.t) {
    case 'byte':
      return token.b === b;
    case 'one':
    case 'star':
      return b !== SLASH;
    case 'any':
      return true;
    case 'set':
      return b !== SLASH && (token.bytes[b] === 1) !== token.negated;
  }
};

/**
 * Whether the rest of `text` from `from` matches, or with `afterEverySlash` the rest after any
 * `/` in it: one pass, O(text × pattern), no backtracking.
 */
export function wildmatch(tokens: readonly Token[], text: Uint8Array, from: number, afterEverySlash: boolean): boolean {
  const n = tokens.length;
  let current = new Uint8Array(n + 1);
  let next = new Uint8Array(n + 1);
  const add = (set: Uint8Array, state: number): void => {
    for (let s = state; s <= n && set[s] === 0; s++) {
      set[s] = 1;
      const token = tokens[s];
      if (token === undefined || (token.t !== 'star' && token.t !== 'any')) break;
    }
  };
  add(current, 0);
  for (let i = from; i < text.length; i++) {
    const b = text[i] as number;
    next.fill(0);
    let alive = false;
    for (let s = 0; s < n; s++) {
      if (current[s] === 0) continue;
      const token = tokens[s] as Token;
      if (!accepts(token, b)) continue;
      alive = true;
      if (token.t === 'star' || token.t === 'any') add(next, s);
      else add(next, s + 1);
    }
    if (afterEverySlash && b === SLASH) {
      add(next, 0);
      alive = true;
    }
    if (!alive && !afterEverySlash) return false;
    [current, next] = [next, current];
  }
  return current[n] === 1;
}
