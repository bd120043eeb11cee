/**
 * Our temporary files: `.<name>.<pid>-<thread>-<n>.replisync-tmp`, beside their final path.
 * The pattern is strict so that clean-up after a crash removes only files we made.
 */
const SUFFIX = '.replisync-tmp';
const PATTERN = /^\..*\.\d+-\d+-\d+\.replisync-tmp$/s;
/** Long names are cut so the temporary name stays within NAME_MAX (255 bytes). */
const MAX_BASE = 120;

export function tempName(base: string, pid: number, thread: number, n: number): string {
  return `.${base.slice(0, MAX_BASE)}.${pid}-${thread}-${n}${SUFFIX}`;
}

export function isTempName(name: string): boolean {
  return name.endsWith(SUFFIX) && PATTERN.test(name);
}
