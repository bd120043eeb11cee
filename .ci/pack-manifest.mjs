#!/usr/bin/env node
// `npm pack` ships package.json as it is on disk when packing. Its `prepare` builds a clone on
// `npm ci`; a tarball ships dist/ and never runs it, yet npm 11 lists it as an install script
// on every install. prepack (`strip`) packs a package.json without it; postpack (`restore`)
// puts the clone's own back, byte for byte. An interrupted pack is restored on the next one.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

const manifest = new URL('../package.json', import.meta.url);
const kept = new URL('../.package.json.unpacked', import.meta.url);
const step = process.argv[2];
if (step === 'strip') {
  if (existsSync(kept)) renameSync(kept, manifest);
  const text = readFileSync(manifest, 'utf8');
  const json = JSON.parse(text);
  delete json.scripts.prepare;
  writeFileSync(kept, text);
  writeFileSync(manifest, `${JSON.stringify(json, null, 2)}\n`);
} else if (step === 'restore') {
  if (existsSync(kept)) renameSync(kept, manifest);
} else {
  process.stderr.write('usage: pack-manifest.mjs strip|restore\n');
  process.exit(2);
}
