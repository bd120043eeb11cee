import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { describeCause, usageError } from '../errors.js';
import { excludeRule, includeRule } from '../tree/filter.js';
import { type Flags, flagOf, OPTIONS, type OptionName, type OptionSpec, optionNames } from './flags.js';
import { expandHome } from './home.js';

/** Options as a user gives them: all optional, every value the string typed. */
export interface UserOptions extends Flags {
  source?: string;
  replica?: string;
}

export type CommandLine =
  | { readonly kind: 'run'; readonly options: UserOptions }
  | { readonly kind: 'help' | 'version' };

const USAGE = 'usage is replisync <source> <replica> [log-file] [interval]';
const byFlag = new Map<string, OptionName>(optionNames().map((name) => [flagOf(name), name]));
const spellings = (flag: string, spec: OptionSpec): string[] => [
  `--${flag}`,
  ...(spec.short ? [`-${spec.short}`] : []),
];

/**
 * Argv → options, strictly: a switch takes no value (`--dry-run=true` is refused, and giving
 * it twice is harmless), a value is never taken from the next option (`--exclude --once`),
 * no option swallows a path, every value stays the string typed (`007` stays `007`), and an
 * unknown option is named as typed. Node's `parseArgs` tokenises; the table decides.
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  if (argv.length === 0) throw usageError(`missing <source> and <replica>: ${USAGE} (see --help)`);
  const options = Object.fromEntries(
    optionNames().map((name) => {
      const spec: OptionSpec = OPTIONS[name];
      const type = spec.type === 'boolean' ? 'boolean' : 'string';
      return [flagOf(name), spec.short === undefined ? { type } : { type, short: spec.short }];
    }),
  ) as Record<string, { type: 'boolean' | 'string'; short?: string }>;
  const { tokens } = parseArgs({
    args: [...argv],
    options: { ...options, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean' } },
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  const flags: Record<string, unknown> = {};
  const positionals: string[] = [];
  let wants: CommandLine['kind'] = 'run';
  for (const token of tokens) {
    if (token.kind === 'positional') positionals.push(token.value);
    if (token.kind !== 'option') continue;
    if (token.name === 'help' || token.name === 'version') {
      if (token.value !== undefined) throw usageError(`${token.rawName} takes no value`);
      if (wants === 'run') wants = token.name;
      continue;
    }
    const name = byFlag.get(token.name);
    const spec: OptionSpec | undefined = name === undefined ? undefined : OPTIONS[name];
    if (name === undefined || spec === undefined || !spellings(token.name, spec).includes(token.rawName)) {
      throw usageError(`Unknown option \`${token.rawName}\` (see --help)`);
    }
    if (spec.type === 'boolean') {
      if (token.value !== undefined)
        throw usageError(`${token.rawName} takes no value (got ${token.rawName}=${token.value})`);
      flags[name] = true;
      continue;
    }
    if (token.value === undefined) throw usageError(`${token.rawName} needs a value (see --help)`);
    if (!token.inlineValue && token.value.startsWith('-') && token.value !== '-') {
      throw usageError(
        `${token.rawName} needs a value, not the option ${token.value}; write ${token.rawName}=${token.value} to mean it`,
      );
    }
    const value = spec.path ? expandHome(token.value) : token.value;
    if (spec.filter !== undefined) {
      // Every filter option adds to one ordered list of rules, as rsync's do.
      const patterns = name === 'excludeFrom' || name === 'includeFrom' ? readPatterns(token.rawName, value) : [value];
      const rules = patterns.map(spec.filter === '+' ? includeRule : excludeRule);
      flags.exclude = [...((flags.exclude as string[] | undefined) ?? []), ...rules];
    } else if (spec.type === 'strings') flags[name] = [...((flags[name] as string[] | undefined) ?? []), value];
    else if (flags[name] !== undefined) throw usageError(`${token.rawName} was given more than once`);
    else flags[name] = value;
  }
  if (wants !== 'run') return { kind: wants };
  return { kind: 'run', options: withPositionals(flags as Flags, positionals) };
}

/** The patterns of an `--exclude-from` file: one per line; blank lines and those starting with `#` or `;` are skipped. */
function readPatterns(flag: string, file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw usageError(`${flag} ${file}: ${describeCause(error)}`);
  }
  return text.split(/\r?\n/).filter((line) => line.trim() !== '' && !line.startsWith('#') && !line.startsWith(';'));
}

function withPositionals(flags: Flags, positionals: readonly string[]): UserOptions {
  if (positionals.length > 4) throw usageError(`too many arguments (${positionals.slice(4).join(' ')}): ${USAGE}`);
  const [source, replica, logFile, interval] = positionals;
  if (interval === undefined && logFile !== undefined && /^\d+(\.\d+)?(ms|s|m|h)?$/i.test(logFile)) {
    throw usageError(`'${logFile}' looks like an interval: use --interval ${logFile}, or give a log file first`);
  }
  const both = <T>(name: 'logFile' | 'interval', positional: string | undefined, flag: T): string | T => {
    if (positional !== undefined && flag !== undefined) {
      throw usageError(`${flagOf(name)} given twice: as an argument and as --${flagOf(name)}`);
    }
    return positional ?? flag;
  };
  return {
    ...flags,
    source,
    replica,
    logFile: both('logFile', logFile, flags.logFile),
    interval: both('interval', interval, flags.interval),
  };
}
