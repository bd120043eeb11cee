/**
 * A cycle's backup folder name: its start to the millisecond, e.g. `2026-12-01T10-00-00.000Z`
 * (so two cycles never share one), which also sorts by time.
 */
export const backupStamp = (started: Date): string => started.toISOString().replaceAll(':', '-');

export const STAMP = /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z$/;
