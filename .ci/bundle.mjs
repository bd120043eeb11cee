// Bundles what `bin` runs into dist/bin/ (after tsc has compiled dist/src and dist/workers), all
// CommonJS: Node starts a CommonJS entry faster than an ES module one, require() of one file
// costs less than resolving and linking a graph of chunks, and a pool thread that loads a
// CommonJS task module never starts an ES module loader of its own.
// piscina is bundled too (its files then share main.cjs's code cache), its worker file beside it
// as dist/bin/worker.js, where the bundled pool looks for it (`resolve(__dirname, 'worker.js')`);
// @parcel/watcher's native binaries and piscina's optional @napi-rs/nice stay external.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const out = new URL('../dist/bin/', import.meta.url);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
// The bin keeps its name (`replisync.js`, which npm links and npx caches) and is CommonJS.
writeFileSync(new URL('package.json', out), '{ "type": "commonjs" }\n');

// import.meta.url, as CommonJS knows it.
const metaUrl = new URL('import-meta-url.js', out);
writeFileSync(metaUrl, "export const importMetaUrl = require('node:url').pathToFileURL(__filename).href;\n");
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['@parcel/watcher-*', '@napi-rs/nice'],
  inject: [metaUrl.pathname],
  define: { __BUNDLED__: 'true', 'import.meta.url': 'importMetaUrl' },
  logLevel: 'warning',
};

// The bin is a few lines that answer `--version` alone, then run main.cjs (its import of
// main.js is the unbundled build's way there).
const runIsBeside = {
  name: 'run-is-beside',
  setup(build) {
    build.onResolve({ filter: /^\.\/main\.js$/ }, () => ({ path: './main.cjs', external: true }));
  },
};
await build({
  ...common,
  entryPoints: ['dist/src/cli/bin.js'],
  outfile: 'dist/bin/replisync.js',
  plugins: [runIsBeside],
});
chmodSync(new URL('replisync.js', out), 0o755);
await build({
  ...common,
  entryPoints: ['dist/src/cli/main.js', 'dist/workers/scan.js', 'dist/workers/hash.js', 'dist/workers/copy.js'],
  outdir: 'dist/bin',
  entryNames: '[name]',
  outExtension: { '.js': '.cjs' },
});
await build({
  ...common,
  entryPoints: [new URL('../node_modules/piscina/dist/worker.js', import.meta.url).pathname],
  outfile: 'dist/bin/worker.js',
});
rmSync(metaUrl);

// V8's code cache for the run, made by this Node from a run (see train-cache.mjs). Its log (a
// first cycle's warning about deletes) is shown only if it fails.
const trained = spawnSync(process.execPath, [fileURLToPath(new URL('train-cache.mjs', import.meta.url))], {
  encoding: 'utf8',
  // A run of a few hundred files: one that hangs fails the build instead of stalling it.
  timeout: 60_000,
});
if (trained.status !== 0) {
  process.stderr.write(trained.stdout + trained.stderr);
  throw new Error(`bundle: the code cache's training run failed (${trained.status ?? trained.signal})`);
}
