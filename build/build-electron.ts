/**
 * Bundles Electron's main process and preload to dist/electron/ with esbuild:
 *
 *   electron/main/main.ts        → dist/electron/main.cjs
 *   electron/preload/preload.ts  → dist/electron/preload.cjs
 *
 * Both CommonJS: a sandboxed preload cannot be an ES module, and one format for both
 * keeps `__dirname` meaning the same thing in each. `electron` stays external (the
 * runtime provides it); everything else (zod, our modules) is bundled, so the packaged
 * app needs no node_modules.
 *
 * Also {@link findElectronBinary}: where Electron's binary is, without fetching it.
 *
 * Run: `tsx build/build-electron.ts` (part of `npm run dist`; build/start.mjs and the
 * smoke test call {@link buildElectron} before launching Electron).
 */
import { build, type BuildOptions } from 'esbuild';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ELECTRON_OUT_DIR = path.join(ROOT, 'dist', 'electron');

/** Electron 45 runs Chromium 140 and Node 22. */
const COMMON: BuildOptions = {
  bundle: true,
  format: 'cjs',
  external: ['electron'],
  sourcemap: 'linked',
  logLevel: 'warning',
  legalComments: 'none',
};

/** Builds both bundles; returns the paths written. */
export async function buildElectron(outDir: string = ELECTRON_OUT_DIR): Promise<{ main: string; preload: string }> {
  const main = path.join(outDir, 'main.cjs');
  const preload = path.join(outDir, 'preload.cjs');
  await Promise.all([
    build({
      ...COMMON,
      entryPoints: [path.join(ROOT, 'electron/main/main.ts')],
      outfile: main,
      platform: 'node',
      target: 'node22',
    }),
    // The preload runs in a sandboxed renderer: a browser-like context with a limited `require`.
    build({
      ...COMMON,
      entryPoints: [path.join(ROOT, 'electron/preload/preload.ts')],
      outfile: preload,
      platform: 'browser',
      target: 'chrome140',
    }),
  ]);
  return { main, preload };
}

/** Where Electron's binary is, or why it cannot be used. */
export type ElectronBinary = { readonly path: string } | { readonly reason: string };

/**
 * Finds Electron's binary without fetching it (build/start.mjs and the smoke test).
 *
 * Deliberately not `require('electron')`: in Electron 45 that call *downloads* the
 * binary when it is missing. We read the package's path.txt (written by its install
 * script once the binary is in place; `ELECTRON_OVERRIDE_DIST_PATH` is honoured as
 * the package honours it) and check the file ourselves.
 */
export function findElectronBinary(): ElectronBinary {
  const require = createRequire(import.meta.url);
  let packageDir: string;
  try {
    packageDir = path.dirname(require.resolve('electron/package.json'));
  } catch {
    return { reason: 'the electron package is not installed' };
  }
  const pathFile = path.join(packageDir, 'path.txt');
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  let relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  if (!override && relative === '') {
    return {
      reason:
        "the electron package's install script never fetched it: the binary downloads from outside the npm registry, " +
        `and Electron 45's installer needs Node 22.12 or later (this is Node ${process.versions.node})`,
    };
  }
  if (relative === '')
    relative =
      process.platform === 'win32'
        ? 'electron.exe'
        : process.platform === 'darwin'
          ? 'Electron.app/Contents/MacOS/Electron'
          : 'electron';
  const binary = override ? path.join(override, relative) : path.join(packageDir, 'dist', relative);
  if (!existsSync(binary)) return { reason: `no file at ${binary}` };
  try {
    accessSync(binary, constants.X_OK);
  } catch {
    return { reason: `${binary} is not executable` };
  }
  return { path: binary };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const written = await buildElectron();
  console.log(`Built ${path.relative(ROOT, written.main)} and ${path.relative(ROOT, written.preload)}`);
}
