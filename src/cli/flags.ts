/**
 * The one table of options. The command-line parser, `--help`, the jobs-file fields and their
 * checks, the merge of flags over a jobs file and the JSON schema are all derived from it, so
 * a new option is one entry here.
 *
 * - `scope`: `job` may differ per folder pair (flag, top of a jobs file, or a job);
 *   `run` applies to the whole run (flag or top of a jobs file); `cli` is a flag only.
 * - `type`: `boolean` is a switch that takes no value; `string` takes one value, kept as typed
 *   (a jobs file may give a number instead); `strings` may be repeated, each value kept.
 * - `path`: relative values in a jobs file are taken from the file's directory.
 */
export interface OptionSpec {
  readonly type: 'boolean' | 'string' | 'strings';
  readonly scope: 'job' | 'run' | 'cli';
  /** The value's name in `--help` (`--interval <time>`). */
  readonly value?: string;
  /** A one-letter form, as rsync spells it (`-n` for `--dry-run`). */
  readonly short?: string;
  readonly path?: boolean;
  /** A filter option: its values go, in the order given, into one list of rules (`exclude`), as rsync's. */
  readonly filter?: '+' | '-';
  readonly help: string;
  /** The schema's description, where it says more than the help line. */
  readonly schema?: string;
}

export const DEFAULT_INTERVAL = '60s';
export const DEFAULT_CHUNK_SIZE = '8M';
export const DEFAULT_WATCH_DELAY = '200ms';

export const OPTIONS = {
  logFile: {
    type: 'string',
    scope: 'run',
    value: 'path',
    path: true,
    help: 'Append every operation to this file (same as the third argument)',
    schema: 'Append every operation of every job to this file.',
  },
  interval: {
    type: 'string',
    scope: 'job',
    value: 'time',
    help: `Time between cycle starts: 10, 10s, 5m, 1h (default: ${DEFAULT_INTERVAL})`,
    schema: `Time between cycle starts: 10 (seconds), 10s, 5m, 1h or 500ms; default ${DEFAULT_INTERVAL}.`,
  },
  once: { type: 'boolean', scope: 'cli', help: 'Run one cycle, then exit' },
  workers: {
    type: 'string',
    scope: 'run',
    value: 'n',
    help: 'Worker threads in the pool (default: available cores)',
    schema: 'Worker threads in the one pool all jobs share; default: available cores.',
  },
  checksum: {
    type: 'boolean',
    scope: 'job',
    short: 'c',
    help: 'Compare the content of every same-size pair, not only when mtimes differ',
    schema: 'Compare the content of every same-size pair by hash; default false.',
  },
  chunkSize: {
    type: 'string',
    scope: 'job',
    value: 'bytes',
    help: `Hash large files in ranges of this size: 64K, 8M… (default: ${DEFAULT_CHUNK_SIZE})`,
    schema: `Hash files larger than this in ranges of this size: 64K, 8M; default ${DEFAULT_CHUNK_SIZE}, at least 4K.`,
  },
  oneFileSystem: {
    type: 'boolean',
    scope: 'job',
    short: 'x',
    help: "Do not cross into other filesystems (rsync's -x): a mount point is an empty directory, in both trees",
    schema:
      "Do not cross into other filesystems (rsync's -x): a mount point in the source is copied as an empty directory, and none in the replica is entered.",
  },
  sizeOnly: {
    type: 'boolean',
    scope: 'job',
    help: "Files of the same size are the same (rsync's --size-only): only their metadata is fixed",
    schema:
      "Files of the same size count as the same, whatever their mtimes (rsync's --size-only); only their metadata is fixed.",
  },
  dryRun: { type: 'boolean', scope: 'cli', short: 'n', help: 'Print what would change; change nothing' },
  allowEmptySource: {
    type: 'boolean',
    scope: 'job',
    help: 'Let an empty source empty the replica (refused by default)',
    schema: 'Let an empty source empty the replica; default false.',
  },
  maxDelete: {
    type: 'string',
    scope: 'job',
    value: 'n',
    help: 'Delete nothing in a cycle that would delete more than n entries',
    schema: 'Delete nothing in a cycle that would delete more than this many entries.',
  },
  exclude: {
    type: 'strings',
    scope: 'job',
    value: 'glob',
    filter: '-',
    help: 'Neither copy nor delete paths matching this glob (repeatable): *.tmp, **/node_modules, cache/',
    schema: 'Globs of paths neither copied nor deleted: *.tmp, **/node_modules, cache/, /top.',
  },
  include: {
    type: 'strings',
    scope: 'job',
    value: 'glob',
    filter: '+',
    help: "Copy paths matching this glob after all (repeatable); with --exclude, rsync's order: the first rule that matches decides",
    schema:
      "Globs of paths kept although an exclude matches them. The first matching rule decides, as in rsync: a job's include rules come before its exclude rules, and the command line's rules before both.",
  },
  excludeFrom: {
    type: 'strings',
    scope: 'cli',
    value: 'file',
    path: true,
    filter: '-',
    help: 'Read exclude globs from a file, one per line (blank lines and lines starting with # or ; are skipped)',
  },
  includeFrom: {
    type: 'strings',
    scope: 'cli',
    value: 'file',
    path: true,
    filter: '+',
    help: 'Read include globs from a file, one per line',
  },
  deleteExcluded: {
    type: 'boolean',
    scope: 'job',
    help: 'Delete excluded paths from the replica',
    schema: 'Delete excluded paths from the replica; default false.',
  },
  noOwner: {
    type: 'boolean',
    scope: 'job',
    help: 'Leave owner and group alone (as root they are kept by default; setuid/setgid bits then go)',
    schema:
      'Leave owner and group alone; as root they are kept by default. Where they are not kept, setuid/setgid bits are cleared on copies.',
  },
  noHardLinks: {
    type: 'boolean',
    scope: 'job',
    help: 'Copy each name of a hard-linked file as a file of its own',
    schema: 'Copy each name of a hard-linked file as a file of its own; by default hard links are kept.',
  },
  backupDir: {
    type: 'string',
    scope: 'job',
    value: 'dir',
    path: true,
    help: 'Move what a cycle deletes or overwrites in the replica to <dir>/<cycle start>/ instead',
    schema:
      'A folder outside source and replica: what a cycle deletes or overwrites in the replica goes to <dir>/<cycle start, e.g. 2026-12-01T10-00-00Z>/<path> instead.',
  },
  backupKeep: {
    type: 'string',
    scope: 'job',
    value: 'n',
    help: 'With --backup-dir: keep the newest n cycle folders, remove older ones',
    schema: 'With backupDir: keep the newest n cycle folders, remove older ones.',
  },
  watch: {
    type: 'boolean',
    scope: 'job',
    help: 'After the first cycle, sync what filesystem events mark changed within --watch-delay; the interval stays as a full rescan',
    schema:
      'After the first cycle, filesystem events on the source (both sides with twoWay) start a cycle over what changed, within watchDelay; a full cycle still runs every interval.',
  },
  watchDelay: {
    type: 'string',
    scope: 'job',
    value: 'time',
    help: `With --watch: the quiet time after an event before its cycle (default: ${DEFAULT_WATCH_DELAY})`,
    schema: `With watch: the quiet time after an event before the cycle that syncs it; default ${DEFAULT_WATCH_DELAY}.`,
  },
  twoWay: {
    type: 'boolean',
    scope: 'job',
    help: 'Two-way sync: changes on either side reach the other; conflicts detected (see README)',
    schema: 'Two-way sync: changes on either side reach the other, conflicts are detected; default false.',
  },
  conflict: {
    type: 'string',
    scope: 'job',
    value: 'rule',
    help: 'Two-way: who wins a conflict: keep-both (default), source, replica, newer',
    schema:
      "Two-way: who wins when both sides changed a file differently: keep-both (the default: the replica's version is kept as <stem>.sync-conflict-<date>-replica<ext>), source, replica or newer.",
  },
  stateDir: {
    type: 'string',
    scope: 'job',
    value: 'dir',
    path: true,
    help: 'Two-way: where the pair state lives (default: $XDG_STATE_HOME/replisync or ~/.local/state/replisync)',
    schema: 'Two-way: the folder, outside both sides, that keeps one state file per pair.',
  },
  resync: {
    type: 'boolean',
    scope: 'cli',
    help: 'Two-way: rebuild a lost or damaged state: the first-run rules again (union, nothing deleted)',
  },
  config: {
    type: 'string',
    scope: 'cli',
    value: 'file',
    path: true,
    help: 'Run the folder pairs of a jobs file (JSON) instead of one <source> <replica>',
  },
  report: {
    type: 'string',
    scope: 'run',
    value: 'file',
    path: true,
    help: 'Append one JSON object per cycle to this file (JSON Lines)',
    schema: 'Append one JSON object per cycle (JSON Lines).',
  },
  statsInterval: {
    type: 'string',
    scope: 'run',
    value: 'time',
    help: 'Log statistics per job this often, and on shutdown',
  },
  stats: {
    type: 'boolean',
    scope: 'cli',
    help: "Log each job's totals when the run ends (as --stats-interval does on shutdown)",
  },
  progress: {
    type: 'boolean',
    scope: 'cli',
    help: 'Show the live progress line even when not on a terminal, or with --quiet',
  },
  noProgress: { type: 'boolean', scope: 'cli', help: 'Never show the live progress line' },
  logFormat: {
    type: 'string',
    scope: 'run',
    value: 'format',
    help: 'text (the default) or json: one JSON object per line (time, level, job, msg, op, kind, path, change), console and log file',
    schema:
      'text (the default) or json: one JSON object per log line (time, level, job, msg, and op, kind, path, change for operations).',
  },
  itemizeChanges: {
    type: 'boolean',
    scope: 'cli',
    short: 'i',
    help: "Log each operation as rsync's change string (>f.st...... path) instead of a sentence",
  },
  quiet: {
    type: 'boolean',
    scope: 'cli',
    short: 'q',
    help: 'Console shows warnings and errors only (the log file keeps everything)',
  },
  verbose: { type: 'boolean', scope: 'cli', short: 'v', help: 'Console shows debug detail too' },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;

type ValueOf<S extends OptionSpec> = S['type'] extends 'boolean'
  ? boolean
  : S['type'] extends 'strings'
    ? string[]
    : S extends { readonly path: true }
      ? string
      : string | number;

/** Every option as a user gives it: all optional; a jobs file may give numbers where the CLI gives strings. */
export type Flags = { -readonly [K in OptionName]?: ValueOf<(typeof OPTIONS)[K]> };

type ScopedNames<Scope> = { [K in OptionName]: (typeof OPTIONS)[K]['scope'] extends Scope ? K : never }[OptionName];

/** What may differ from one folder pair to the next. */
export type JobSettings = Pick<Flags, ScopedNames<'job'>>;

export const optionNames = (): OptionName[] => Object.keys(OPTIONS) as OptionName[];

export const namesIn = (...scopes: OptionSpec['scope'][]): OptionName[] =>
  optionNames().filter((name) => (scopes as string[]).includes(OPTIONS[name].scope));

/** `chunkSize` → `chunk-size`. */
export const flagOf = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
