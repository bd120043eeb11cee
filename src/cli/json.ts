/**
 * The first key that appears twice in one object of a valid JSON text, with where it is:
 * `JSON.parse` silently keeps the last, so a jobs file's second `"jobs"` would hide the first.
 * A single scan that tracks strings and nesting; the text is known to parse.
 */
export function duplicateKey(text: string): { key: string; where: string } | undefined {
  const objects: { keys: Set<string>; path: string }[] = [];
  const containers: ('{' | '[')[] = [];
  let lastKey = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const value = JSON.parse(text.slice(i, end + 1)) as string;
      let next = end + 1;
      while (/\s/.test(text[next] ?? '')) next++;
      if (text[next] === ':' && containers[containers.length - 1] === '{') {
        const object = objects[objects.length - 1];
        if (object?.keys.has(value)) return { key: value, where: object.path };
        object?.keys.add(value);
        lastKey = value;
      }
      i = end;
    } else if (c === '{') {
      const parent = objects[objects.length - 1];
      objects.push({ keys: new Set(), path: parent === undefined ? 'the top level' : `"${lastKey}"` });
      containers.push('{');
    } else if (c === '[') containers.push('[');
    else if (c === '}' || c === ']') {
      if (containers.pop() === '{') objects.pop();
    }
  }
  return undefined;
}
