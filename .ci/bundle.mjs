// Bundles what `bin` runs into dist/bin/ (after tsc has compiled dist/src and dist/workers), all
// CommonJS: Node starts a CommonJS entry faster than an ES module one, require() of one file
// costs less than resolving and linking a graph of chunks, and a pool thread that loads a
// CommonJS task module never starts an ES module loader of its own.
// piscina (which finds its own worker file) and @parcel/watcher's native binaries stay external.
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const out = new URL('../dist/bin/', import.meta.url);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// import.meta.url, as CommonJS knows it.
const metaUrl = new URL('import-meta-url.js', out);
writeFileSync(metaUrl, "export const importMetaUrl = require('node:url').pathToFileURL(__filename).href;\n");
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['piscina', '@parcel/watcher-*'],
  inject: [metaUrl.pathname],
  define: { __BUNDLED__: 'true', 'import.meta.url': 'importMetaUrl' },
  logLevel: 'warning',
};

// The bin is a few lines that answer `--version` alone, then require the run (main.cjs).
const runIsBeside = {
  name: 'run-is-beside',
  setup(build) {
    build.onResolve({ filter: /^\.\/main\.js$/ }, () => ({ path: './main.cjs', external: true }));
  },
};
await build({
  ...common,
  entryPoints: ['dist/src/cli/bin.js'],
  outfile: 'dist/bin/replisync.cjs',
  plugins: [runIsBeside],
  // require(), not import(): loading the run then needs no ES module loader.
  supported: { 'dynamic-import': false },
});
chmodSync(new URL('replisync.cjs', out), 0o755);
await build({
  ...common,
  entryPoints: ['dist/src/cli/main.js', 'dist/workers/scan.js', 'dist/workers/hash.js', 'dist/workers/copy.js'],
  outdir: 'dist/bin',
  entryNames: '[name]',
  outExtension: { '.js': '.cjs' },
});
rmSync(metaUrl);
