import type { Stats } from 'node:fs';
import { failureOf } from '../../errors.js';
import { sameMtime } from '../mtime.js';
import { type Expect, kindOf, type OpResult } from '../tree.js';

/** The entry being copied is not what the scan saw (see `OpResult` `changed`). */
export class SourceChanged extends Error {}

/** The path being written is not what the plan saw (see `Expect`). */
export class TargetChanged extends Error {}

/** Throws `TargetChanged` unless `there` (an lstat, undefined when absent) is what `expect` says. */
export function checkExpected(there: Stats | undefined, expect: Expect | undefined): void {
  if (expect === undefined) return;
  if (expect === 'absent') {
    if (there !== undefined) throw new TargetChanged('appeared since the scan');
    return;
  }
  if (there === undefined) throw new TargetChanged('vanished since the scan');
  if (kindOf(there) !== expect.kind) throw new TargetChanged(`is no longer a ${expect.kind}`);
  if (expect.kind !== 'dir' && (there.size !== expect.size || !sameMtime(there.mtimeMs, expect.mtimeMs))) {
    throw new TargetChanged('changed since the scan');
  }
}

/** An op's result from what it threw. */
export function resultOf(path: string, error: unknown): OpResult {
  if (error instanceof SourceChanged) return { ok: 'changed', reason: error.message };
  if (error instanceof TargetChanged) return { ok: 'changed', reason: error.message, here: true };
  return { ok: false, failure: failureOf(path, error) };
}
