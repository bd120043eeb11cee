import { closeSync, existsSync, mkdirSync, openSync, rmSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Deterministic pseudo-random numbers (mulberry32), so every run builds the same tree. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box–Muller). */
function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

export type TreeName = 'one-file' | 'many-small' | 'large' | 'mixed' | 'million';

interface Shape {
  files: number;
  perDir: number;
  size: (random: () => number) => number;
}

const KiB = 1024;
const MiB = 1024 * KiB;

export const SHAPES: Record<TreeName, Shape> = {
  // One file of 4 KiB: what start-up and exit cost.
  'one-file': { files: 1, perDir: 1, size: () => 4 * KiB },
  // 100,000 files of 1–16 KiB, about 100 per directory.
  'many-small': { files: 100_000, perDir: 100, size: (r) => KiB + Math.floor(r() * 15 * KiB) },
  // 8 files of 256 MiB.
  large: { files: 8, perDir: 8, size: () => 256 * MiB },
  // 1,000,000 empty files, 1,000 per directory: what a walk costs, with nothing to copy.
  million: { files: 1_000_000, perDir: 1000, size: () => 0 },
  // 20,000 files, sizes log-normally distributed around 10 KiB, clipped to 1 B–64 MiB: about
  // 2 GiB in all. (Log-uniform over that range would average 3.7 MiB a file, 74 GiB in all.)
  mixed: {
    files: 20_000,
    perDir: 100,
    size: (r) => Math.min(64 * MiB, Math.max(1, Math.round(Math.exp(Math.log(10_000) + 2.15 * normal(r))))),
  },
};

/** Writes file contents from one seeded 1 MiB block, offset per file, so content differs between files. */
export function generateTree(root: string, name: TreeName, seed = 42): { files: number; bytes: number } {
  const shape = SHAPES[name];
  const random = rng(seed);
  const block = Buffer.alloc(2 * MiB);
  for (let i = 0; i < block.length; i += 4) block.writeUInt32LE(Math.floor(random() * 2 ** 32), i);
  let bytes = 0;
  for (let i = 0; i < shape.files; i++) {
    const dir = join(root, `d${Math.floor(i / shape.perDir / 100)}`, `d${Math.floor(i / shape.perDir)}`);
    if (i % shape.perDir === 0) mkdirSync(dir, { recursive: true });
    const size = shape.size(random);
    const path = join(dir, `f${i}.bin`);
    const fd = openSync(path, 'w');
    let offset = Math.floor(random() * MiB);
    for (let left = size; left > 0; ) {
      const n = Math.min(left, MiB);
      writeSync(fd, block, offset, n);
      left -= n;
      offset = (offset + 7919) % MiB;
    }
    closeSync(fd);
    // Fixed mtimes: the same tree every time, down to its metadata.
    utimesSync(path, 1_700_000_000 + i, 1_700_000_000 + i);
    bytes += size;
  }
  return { files: shape.files, bytes };
}

/**
 * Rewrites the first bytes of `share` of the files (every n-th, from the `offset`-th), with a
 * new mtime: a 1% change. Two sides of a two-way pair take different offsets.
 */
export function touchShare(root: string, name: TreeName, share: number, round: number, offset = 0): number {
  const shape = SHAPES[name];
  const every = Math.max(1, Math.round(1 / share));
  let changed = 0;
  for (let i = offset % every; i < shape.files; i += every) {
    const path = join(root, `d${Math.floor(i / shape.perDir / 100)}`, `d${Math.floor(i / shape.perDir)}`, `f${i}.bin`);
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.from(`changed ${round}`), 0, undefined, 0);
    closeSync(fd);
    utimesSync(path, 1_800_000_000 + round, 1_800_000_000 + round);
    changed++;
  }
  return changed;
}

/** The source of benchmark tree `name` under `base`, generated on first use and kept (a marker says it is complete). */
export function ensureTree(base: string, name: TreeName): string {
  const src = join(base, name, 'src');
  if (!existsSync(join(base, name, '.generated'))) {
    rmSync(join(base, name), { recursive: true, force: true });
    const { files, bytes } = generateTree(src, name);
    writeFileSync(join(base, name, '.generated'), `${files} ${bytes}\n`);
  }
  return src;
}
