import { nameOf } from './order.js';

/**
 * Our temporary files: `.<name>.<pid>-<thread>-<n>.replisync-tmp`, beside their final path.
 * The pattern is strict so that clean-up after a crash removes only files we made.
 */
const SUFFIX = '.replisync-tmp';
const PATTERN = /^\..*\.\d+-\d+-\d+\.replisync-tmp$/s;
/** Long names are cut so the temporary name stays within NAME_MAX, which counts UTF-8 bytes (255). */
const MAX_BASE_BYTES = 120;

/** The longest prefix of `name` within `max` UTF-8 bytes, never splitting a character. */
function prefixWithin(name: string, max: number): string {
  if (Buffer.byteLength(name) <= max) return name;
  let bytes = 0;
  let end = 0;
  for (const char of name) {
    bytes += Buffer.byteLength(char);
    if (bytes > max) break;
    end += char.length;
  }
  return name.slice(0, end);
}

export function tempName(base: string, pid: number, thread: number, n: number): string {
  return `.${prefixWithin(base, MAX_BASE_BYTES)}.${pid}-${thread}-${n}${SUFFIX}`;
}

export function isTempName(name: string): boolean {
  return name.endsWith(SUFFIX) && PATTERN.test(name);
}

/** A temporary file of ours that a killed run left: removed by the next cycle, never synced. */
export const isLeftover = (entry: { readonly path: string; readonly kind: string }): boolean =>
  entry.kind === 'file' && isTempName(nameOf(entry.path));
