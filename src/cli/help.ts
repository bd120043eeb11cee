import { cac } from 'cac';
import { flagOf, OPTIONS, type OptionSpec, optionNames } from './flags.js';

const USAGE = '<source> <replica> [log-file] [interval] [options]';

const MORE = [
  {
    title: 'Jobs file',
    body: '  replisync --config jobs.json: several folder pairs, each with its own settings (see schema/jobs.schema.json)',
  },
  {
    title: 'Exit codes',
    body: [
      '  0   done (or the loop was stopped by SIGINT, SIGTERM or SIGHUP)',
      '  1   --once: some entries failed (each is logged)',
      '  2   bad usage, a refused cycle, or a replica that takes no writes',
      '  20  --once: stopped by a signal before the work was done',
    ].join('\n'),
  },
  {
    title: 'Environment',
    body: [
      '  XDG_RUNTIME_DIR, XDG_STATE_HOME   where locks live (else ~/.local/state/replisync/locks)',
      '  XDG_STATE_HOME                    where two-way state lives (else ~/.local/state/replisync)',
      '  REPLISYNC_PROGRESS_DELAY          ms before the progress line shows on a terminal (default 1000)',
    ].join('\n'),
  },
];

/** cac lays out `--help` and `--version` from the option table; the parsing is ours (see args.ts). */
function describeCli(version: string): ReturnType<typeof cac> {
  const cli = cac('replisync');
  const command = cli.command('<source> <replica> [log-file] [interval]', '').usage(USAGE);
  for (const name of optionNames()) {
    const spec: OptionSpec = OPTIONS[name];
    const short = spec.short === undefined ? '' : `-${spec.short}, `;
    command.option(`${short}--${flagOf(name)}${spec.value === undefined ? '' : ` <${spec.value}>`}`, spec.help);
  }
  command.example('  $ replisync ./src ./replica ./sync.log 10');
  cli.help((sections) =>
    [
      {
        body: `replisync ${version}: keep <replica> an exact copy of <source>, syncing every [interval] (default 60s)`,
      },
      ...sections.filter((s) => s.title === 'Usage' || s.title === 'Options' || s.title === 'Examples'),
      ...MORE,
    ].map((s) => ({
      ...s,
      // cac reads `--no-owner` as the negation of an `--owner` that defaults to true; here it is a switch of its own.
      body: s.body.replaceAll(' (default: true)', '').replace(/ +$/gm, ''),
    })),
  );
  cli.version(version, '--version');
  return cli;
}

/** Prints `--help` as cac does for the default command. */
export const printHelp = (version: string): void =>
  void describeCli(version).parse(['node', 'replisync', '--help'], { run: false });
