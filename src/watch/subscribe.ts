import { relative, sep } from 'node:path';
import { describeCause, errnoCode } from '../errors.js';
import { compileExcludes, parseRule } from '../tree/filter.js';
import { nameOf } from '../tree/order.js';
import { isTempName } from '../tree/temp.js';

/** A live subscription to one tree's events. */
export interface Watch {
  close(): Promise<void>;
}

/**
 * Excludes that @parcel/watcher may skip watching at all: only those that name a directory
 * outright (`node_modules`, `/build`, `cache/`), whose every path our own filter excludes too.
 * Every other pattern is applied to the events instead.
 */
export function ignoreGlobs(rules: readonly string[]): string[] {
  const parsed = rules.map(parseRule);
  // An include rule may keep what a later exclude names: then every event is filtered instead.
  if (parsed.some((rule) => rule.include)) return [];
  return parsed.flatMap(({ pattern }) => {
    const name = pattern.replace(/\/$/, '');
    if (/[*?[\\]/.test(name) || name === '' || name === '/') return [];
    if (name.startsWith('/')) return name.slice(1).includes('/') ? [] : [name.slice(1), `${name.slice(1)}/**`];
    return name.includes('/') ? [] : [`**/${name}`, `**/${name}/**`];
  });
}

/** Why watching cannot start, for a person. */
export function watchFailure(error: unknown): string {
  const text = describeCause(error);
  if (errnoCode(error) === 'ENOSPC' || /ENOSPC|inotify_add_watch|max_user_watches/i.test(text)) {
    return `the inotify watch limit is reached (${text}): raise it, e.g. sysctl fs.inotify.max_user_watches=1048576`;
  }
  return text;
}

/**
 * Subscribes to the events of the tree at `root` (inotify, one watch per directory) and hands
 * the relative paths they name to `onPaths`, leaving out our own temporary files and what the
 * excludes leave out. Events are hints: what they name is walked again, never trusted.
 */
export async function watchTree(
  root: string,
  exclude: readonly string[],
  onPaths: (paths: string[]) => void,
  onError: (message: string) => void,
): Promise<Watch> {
  // The package is CommonJS: its exports are the default export, bundled or not.
  const { subscribe } = (await import('@parcel/watcher')).default;
  const excluded = compileExcludes(exclude);
  const subscription = await subscribe(
    root,
    (error, events) => {
      if (error) {
        onError(watchFailure(error));
        return;
      }
      const paths: string[] = [];
      for (const event of events) {
        const path = relative(root, event.path).split(sep).join('/');
        // The root's own metadata is left to the full cycles.
        if (path === '' || path.startsWith('..') || isTempName(nameOf(path))) continue;
        if (excluded?.(path, false) && excluded(path, true)) continue;
        paths.push(path);
      }
      if (paths.length > 0) onPaths(paths);
    },
    { backend: 'inotify', ignore: ignoreGlobs(exclude) },
  );
  return { close: () => subscription.unsubscribe() };
}
