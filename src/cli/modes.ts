import { resolve } from 'node:path';
import { usageError } from '../errors.js';
import type { ResolvedJob } from '../run/options.js';
import { defaultStateDir } from '../run/state-dir.js';
import type { ConflictRule } from '../sync/two-way/reconcile.js';
import { DEFAULT_WATCH_DELAY, type JobSettings } from './flags.js';
import { overlap } from './identity.js';
import { parseDuration } from './units.js';

export function watchDelayOf(settings: JobSettings): number | undefined {
  if (settings.watch !== true) {
    if (settings.watchDelay !== undefined) throw usageError('--watch-delay applies to watch mode: use it with --watch');
    return undefined;
  }
  return parseDuration('--watch-delay', settings.watchDelay ?? DEFAULT_WATCH_DELAY);
}

const RULES: readonly ConflictRule[] = ['keep-both', 'source', 'replica', 'newer'];

/** The two-way settings; given without --two-way they are refused, since they would do nothing. */
export function twoWaySettings(
  settings: JobSettings,
  source: string,
  replica: string,
  resync: boolean,
): Pick<ResolvedJob, 'twoWay' | 'conflict' | 'resync' | 'stateDir'> {
  const twoWay = settings.twoWay ?? false;
  const conflict = settings.conflict === undefined ? 'keep-both' : String(settings.conflict);
  if (!twoWay && (settings.conflict !== undefined || settings.stateDir !== undefined)) {
    throw usageError(
      `--${settings.conflict === undefined ? 'state-dir' : 'conflict'} applies to two-way sync: use it with --two-way`,
    );
  }
  if (twoWay && settings.deleteExcluded) {
    throw usageError('--delete-excluded does not apply to two-way sync: excluded paths are left alone on both sides');
  }
  if (!(RULES as readonly string[]).includes(conflict)) {
    throw usageError(`--conflict must be one of ${RULES.join(', ')}, not "${conflict}"`);
  }
  const stateDir = resolve(settings.stateDir ?? defaultStateDir());
  if (twoWay && (overlap(stateDir, source) !== undefined || overlap(stateDir, replica) !== undefined)) {
    throw usageError(`--state-dir ${stateDir} must lie outside both sides of the pair`);
  }
  return { twoWay, conflict: conflict as ConflictRule, resync: twoWay && resync, stateDir };
}
