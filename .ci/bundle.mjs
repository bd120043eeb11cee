// Bundles what `bin` runs into dist/bin/ (after tsc has compiled dist/src and dist/workers).
// The CLI is CommonJS, the run one file: Node starts a CommonJS entry faster than an ES module one, and
// require() of one file costs less than resolving and linking a graph of chunks. Each task
// module is one ES module file, so a pool thread boots by loading a single file of ours.
// piscina (which finds its own worker file) and @parcel/watcher's native binaries stay external.
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const out = new URL('../dist/bin/', import.meta.url);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const shared = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  external: ['piscina', '@parcel/watcher-*'],
  define: { __BUNDLED__: 'true' },
  logLevel: 'warning',
};

// The CLI's import.meta.url, as CommonJS knows it.
const metaUrl = new URL('import-meta-url.js', out);
writeFileSync(metaUrl, "export const importMetaUrl = require('node:url').pathToFileURL(__filename).href;\n");
const cli = {
  ...shared,
  format: 'cjs',
  inject: [metaUrl.pathname],
  define: { ...shared.define, 'import.meta.url': 'importMetaUrl' },
};
// The bin is a few lines that answer `--version` alone, then require the run (main.cjs).
const runIsBeside = {
  name: 'run-is-beside',
  setup(build) {
    build.onResolve({ filter: /^\.\/main\.js$/ }, () => ({ path: './main.cjs', external: true }));
  },
};
await build({ ...cli, entryPoints: ['dist/src/cli/bin.js'], outfile: 'dist/bin/replisync.cjs',
  plugins: [runIsBeside],
  // require(), not import(): loading the run then needs no ES module loader.
  supported: { 'dynamic-import': false },
});
await build({ ...cli, entryPoints: ['dist/src/cli/main.js'], outfile: 'dist/bin/main.cjs' });
rmSync(metaUrl);
chmodSync(new URL('replisync.cjs', out), 0o755);

await build({
  ...shared,
  entryPoints: ['dist/workers/scan.js', 'dist/workers/hash.js', 'dist/workers/copy.js'],
  outdir: 'dist/bin',
  format: 'esm',
});
