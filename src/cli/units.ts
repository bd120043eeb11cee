import { usageError } from '../errors.js';

const MIN_CHUNK_SIZE = 4096;
const MAX_WORKERS = 256;

const DURATION_UNITS: Record<string, number> = { '': 1000, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** `10`, `10s`, `5m`, `1h`, `500ms` → milliseconds; a plain number is seconds. */
export function parseDuration(field: string, value: string | number): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/i.exec(String(value).trim());
  const ms = match ? Number(match[1]) * (DURATION_UNITS[(match[2] ?? '').toLowerCase()] ?? Number.NaN) : Number.NaN;
  if (!(ms > 0) || !Number.isFinite(ms))
    throw usageError(`${field} must be a positive duration such as 10, 10s, 5m or 1h (got "${value}")`);
  return Math.round(ms);
}

/** `8M`, `64K`, `1G`, `4096` → bytes. */
export function parseSize(field: string, value: string | number): number {
  const match = /^(\d+)\s*([bkmg])?(?:ib)?$/i.exec(String(value).trim());
  const bytes = match ? Number(match[1]) * (SIZE_UNITS[(match[2] ?? '').toLowerCase()] ?? Number.NaN) : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes < MIN_CHUNK_SIZE)
    throw usageError(`${field} must be a size of at least 4K, such as 64K or 8M (got "${value}")`);
  return bytes;
}

export function parseWorkers(value: string | number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS)
    throw usageError(`--workers must be an integer from 1 to ${MAX_WORKERS} (got "${value}")`);
  return n;
}

export function parseMaxDelete(value: string | number): number {
  const n = Number(value);
  if (String(value).trim() === '' || !Number.isSafeInteger(n) || n < 0)
    throw usageError(`--max-delete must be a whole number of entries, 0 or more (got "${value}")`);
  return n;
}

/** A whole number of at least 1: `--backup-keep 10`. */
export function parseCount(field: string, value: string | number): number {
  const n = Number(value);
  if (String(value).trim() === '' || !Number.isSafeInteger(n) || n < 1) {
    throw usageError(`${field} must be a whole number, 1 or more (got "${value}")`);
  }
  return n;
}
