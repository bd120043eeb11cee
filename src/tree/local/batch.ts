/**
 * Splits items, in order, into groups of at most `maxItems` whose sizes add up to at most
 * `maxBytes` (an item bigger than that goes alone): many small files share one pool task,
 * big ones get their own, and no task waits long for the rest of its batch.
 */
export function batches<T>(items: Iterable<T>, sizeOf: (item: T) => number, maxBytes: number, maxItems: number): T[][] {
  const groups: T[][] = [];
  let group: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (group.length > 0 && (bytes + size > maxBytes || group.length >= maxItems)) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(item);
    bytes += size;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}
