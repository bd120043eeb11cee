import { namesIn, OPTIONS, type OptionName, type OptionSpec } from './flags.js';

type JsonSchema = Record<string, unknown>;

function fieldSchema(name: OptionName): JsonSchema {
  const spec: OptionSpec = OPTIONS[name];
  const type =
    spec.type === 'boolean'
      ? { type: 'boolean' }
      : spec.type === 'strings'
        ? { type: 'array', items: { type: 'string' } }
        : spec.path
          ? { type: 'string' }
          : { type: ['string', 'number'] };
  return { ...type, description: spec.schema ?? `${spec.help}.` };
}

const fields = (names: OptionName[]): Record<string, JsonSchema> =>
  Object.fromEntries(names.map((name) => [name, fieldSchema(name)]));

/** The JSON schema of a jobs file, derived from the option table; `schema/jobs.schema.json` is this, written out. */
export function jobsSchema(): JsonSchema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://replisync.dev/schema/jobs.schema.json',
    title: 'replisync jobs file',
    description:
      "Several folder pairs synced by one replisync process (replisync --config FILE). Relative paths are taken from the file's directory. Flags given on the command line override the top-level settings and apply to every job.",
    type: 'object',
    additionalProperties: false,
    required: ['jobs'],
    properties: {
      $schema: { type: 'string', description: 'This schema, for editors that check the file as it is typed.' },
      ...fields(namesIn('job', 'run')),
      jobs: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['source', 'replica'],
          properties: {
            name: { type: 'string', description: 'Shown in every log line of the job; default job1, job2…; unique.' },
            source: { type: 'string' },
            replica: { type: 'string', description: "May not overlap any job's source or another job's replica." },
            ...fields(namesIn('job')),
          },
        },
      },
    },
  };
}
