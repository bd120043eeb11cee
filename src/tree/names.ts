/**
 * Names are bytes. A name that is not valid UTF-8 (a Latin-1 name from an old archive, a
 * camera's) travels through the engine as a string in which each byte that is not part of a
 * valid UTF-8 sequence stands as a lone surrogate U+DC80–U+DCFF, as Python's
 * `surrogateescape` does: lossless, and no valid name can collide with it, since UTF-8 never
 * encodes a surrogate. Such a path is handed to the filesystem as the exact bytes again.
 */
const LONE = /(?<![\uD800-\uDBFF])[\uDC80-\uDCFF]/;
const strict = new TextDecoder('utf-8', { fatal: true });

/** Whether a path holds bytes that are not UTF-8 (and so must go to the filesystem as a Buffer). */
export const hasRawBytes = (path: string): boolean => LONE.test(path);

/** Length of the valid UTF-8 sequence starting at `i`, or 0. */
function sequenceAt(bytes: Uint8Array, i: number): number {
  const b = bytes[i] as number;
  const n = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
  if (n <= 1 || i + n > bytes.length) return n === 1 ? 1 : 0;
  for (let k = 1; k < n; k++) if (((bytes[i + k] as number) & 0xc0) !== 0x80) return 0;
  const second = bytes[i + 1] as number;
  // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not valid UTF-8.
  if (b === 0xe0 && second < 0xa0) return 0;
  if (b === 0xed && second >= 0xa0) return 0;
  if (b === 0xf0 && second < 0x90) return 0;
  if (b === 0xf4 && second >= 0x90) return 0;
  return n;
}

/** A name as the filesystem holds it → the engine's string. */
export function decodeName(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes);
  } catch {
    let out = '';
    for (let i = 0; i < bytes.length; ) {
      const n = sequenceAt(bytes, i);
      if (n === 0) out += String.fromCharCode(0xdc00 + (bytes[i++] as number));
      else {
        out += Buffer.from(bytes.subarray(i, i + n)).toString('utf8');
        i += n;
      }
    }
    return out;
  }
}

/** The engine's string → the exact bytes of the name or path. */
export function encodeName(path: string): Buffer {
  if (!hasRawBytes(path)) return Buffer.from(path, 'utf8');
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    const paired = i > 0 && path.charCodeAt(i - 1) >= 0xd800 && path.charCodeAt(i - 1) <= 0xdbff;
    if (c >= 0xdc80 && c <= 0xdcff && !paired) {
      parts.push(Buffer.from(path.slice(start, i), 'utf8'), Buffer.of(c - 0xdc00));
      start = i + 1;
    }
  }
  parts.push(Buffer.from(path.slice(start), 'utf8'));
  return Buffer.concat(parts);
}

/** A path as filesystem calls take it. */
export type FsPath = string | Buffer;

/** A path for a filesystem call: the string itself, or its exact bytes when it holds raw ones. */
export const fsPath = (path: string): FsPath => (hasRawBytes(path) ? encodeName(path) : path);
