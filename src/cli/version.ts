import { readFileSync } from 'node:fs';

/** Set by the bundler: this code then runs from `dist/bin/`. */
declare const __BUNDLED__: boolean | undefined;
const PACKAGE = typeof __BUNDLED__ === 'boolean' ? '../../package.json' : '../../../package.json';

export const version = (): string =>
  (JSON.parse(readFileSync(new URL(PACKAGE, import.meta.url), 'utf8')) as { version: string }).version;

/** What `--version` prints (the form cac gives too). */
export const versionLine = (): string =>
  `replisync/${version()} ${process.platform}-${process.arch} node-${process.version}\n`;
