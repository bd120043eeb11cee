import { cac } from 'cac';
import { flagOf, OPTIONS, optionNames } from './flags.js';

/** cac lays out `--help` and `--version` from the option table; the parsing is ours (see args.ts). */
function describeCli(version: string): ReturnType<typeof cac> {
  const cli = cac('replisync');
  const command = cli.command(
    '[source] [replica] [logFile] [interval]',
    'Keep <replica> an exact copy of <source>, syncing every [interval]',
  );
  for (const name of optionNames()) {
    const spec: { value?: string; help: string } = OPTIONS[name];
    command.option(`--${flagOf(name)}${spec.value === undefined ? '' : ` <${spec.value}>`}`, spec.help);
  }
  command.example('replisync ./src ./replica ./sync.log 10');
  cli.help();
  cli.version(version);
  return cli;
}

/** Prints `--help` or `--version` as cac does for the default command. */
export const printHelp = (version: string, flag: '--help' | '--version'): void =>
  void describeCli(version).parse(['node', 'replisync', flag], { run: false });
