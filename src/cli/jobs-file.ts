import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describeCause, usageError } from '../errors.js';
import type { UserOptions } from './args.js';
import { type JobSettings, namesIn, OPTIONS, type OptionName, type OptionSpec } from './flags.js';
import { expandHome } from './home.js';
import { duplicateKey } from './json.js';

/** One folder pair of a jobs file, with its own overrides. */
export interface JobEntry extends JobSettings {
  name?: string;
  source: string;
  replica: string;
}

export interface Config {
  /** Top-level settings: defaults for every job, plus the run-wide ones (log file, report, workers…). */
  readonly defaults: UserOptions;
  readonly jobs: JobEntry[];
}

type FieldType = 'string' | 'boolean' | 'scalar' | 'patterns';

/** A field's type in a jobs file, from the option table: a value may be a number where the CLI takes a string. */
const fieldType = (name: OptionName): FieldType => {
  const spec: OptionSpec = OPTIONS[name];
  return spec.type === 'boolean' ? 'boolean' : spec.type === 'strings' ? 'patterns' : spec.path ? 'string' : 'scalar';
};
const fieldsOf = (names: OptionName[]): Record<string, FieldType> =>
  Object.fromEntries(names.map((name) => [name, fieldType(name)]));

const JOB_FIELDS = fieldsOf(namesIn('job'));
const TOP_FIELDS = fieldsOf(namesIn('job', 'run'));
const ENTRY_FIELDS: Record<string, FieldType> = { ...JOB_FIELDS, name: 'string', source: 'string', replica: 'string' };
const PATH_FIELDS = new Set([...namesIn('job', 'run').filter((name) => 'path' in OPTIONS[name]), 'source', 'replica']);

/** The field names a jobs file accepts, at the top level and in a job (the schema in schema/ lists the same). */
export const configFields = (): { top: string[]; job: string[] } => ({
  top: [...Object.keys(TOP_FIELDS), 'jobs', '$schema'],
  job: Object.keys(ENTRY_FIELDS),
});

export const jobLabel = (index: number, name: string | undefined): string =>
  name === undefined ? `jobs[${index}]` : `jobs[${index}] "${name}"`;

function fits(type: FieldType, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string' && value !== '';
    case 'boolean':
      return typeof value === 'boolean';
    case 'scalar':
      return typeof value === 'string' || typeof value === 'number';
    case 'patterns':
      return Array.isArray(value) && value.every((p) => typeof p === 'string');
  }
}

const EXPECTED: Record<FieldType, string> = {
  string: 'a non-empty string',
  boolean: 'true or false',
  scalar: 'a number or a string',
  patterns: 'an array of strings',
};

/** Checks an object's fields against a table; relative paths are taken from the file's directory. */
function readFields(
  where: string,
  raw: unknown,
  fields: Record<string, FieldType>,
  base: string,
): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw usageError(`${where} must be an object`);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const type = fields[key];
    if (type === undefined) throw usageError(`${where}: unknown field "${key}"`);
    if (!fits(type, value)) throw usageError(`${where}: ${key} must be ${EXPECTED[type]}`);
    out[key] = PATH_FIELDS.has(key) ? resolve(base, expandHome(value as string)) : value;
  }
  return out;
}

/** Reads and checks the shape of a jobs file (the values themselves are checked by resolveOptions). */
export function loadConfig(path: string): Config {
  let raw: unknown;
  let text: string;
  try {
    // A byte-order mark (as some editors on Windows write) is not part of the JSON.
    text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
    raw = JSON.parse(text);
  } catch (error) {
    throw usageError(
      `jobs file ${path}: ${error instanceof SyntaxError ? `not valid JSON (${error.message})` : describeCause(error)}`,
    );
  }
  const twice = duplicateKey(text);
  if (twice) throw usageError(`jobs file ${path}: "${twice.key}" is given twice in ${twice.where}`);
  const base = dirname(path);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw usageError(`jobs file ${path} must hold a JSON object`);
  // `$schema` lets an editor check the file against schema/jobs.schema.json; it means nothing to the run.
  const { jobs, $schema: _schema, ...top } = raw as Record<string, unknown>;
  const defaults = readFields(`jobs file ${path}`, top, TOP_FIELDS, base) as UserOptions;
  if (!Array.isArray(jobs) || jobs.length === 0) throw usageError(`jobs file ${path}: jobs must be a non-empty array`);
  const entries = jobs.map((job: unknown, i) => {
    const name =
      typeof job === 'object' && job !== null && 'name' in job && typeof job.name === 'string' ? job.name : undefined;
    const entry = readFields(jobLabel(i, name), job, ENTRY_FIELDS, base);
    for (const required of ['source', 'replica'])
      if (entry[required] === undefined) throw usageError(`${jobLabel(i, name)}: ${required} is missing`);
    return entry as unknown as JobEntry;
  });
  return { defaults, jobs: entries };
}
