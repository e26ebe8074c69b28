/**
 * The pool's worker as one pre-built JavaScript file, built on demand with esbuild and
 * cached until one of its sources changes.
 *
 * Why: a worker that runs TypeScript through tsx registers tsx's loader in its own thread
 * (a loader thread per worker) and compiles every module at start. Measured here, an idle
 * worker costs about 55 MiB that way and 35 MiB from the bundle, and the peak memory of
 * `tickmark verify` is what bounds the archives it can check.
 *
 * Nothing needs an extra step: the first pool builds the bundle (about 0.1 s) into
 * node_modules/.cache/tickmark/ (or a private folder in the temp dir when that cannot be
 * written), later pools reuse it while the content of every file that went into it is
 * unchanged. When esbuild is missing or the build fails, the pool falls back to tsx in
 * each worker (worker-bootstrap.mjs): slower to start and heavier, but the same code.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as Esbuild from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ENTRY = 'cli/pool/verify-worker.ts';
/** Part of the cache key: change it when the build options below change. */
const RECIPE = 'tickmark verify-worker bundle 1';
/** Cedar's Node build reads its .wasm file from beside itself, so it cannot be bundled. */
const LOADED_IN_PLACE = /^@cedar-policy\/cedar-wasm(\/|$)/;
const MANIFEST = 'verify-worker.json';
/** Older bundles are removed after this long (a running pool may still be starting one). */
const STALE_AFTER_MS = 60 * 60 * 1000;

/** Where a pool worker's code comes from. */
export type WorkerScript =
  { readonly kind: 'bundle'; readonly file: string } | { readonly kind: 'tsx'; readonly reason: string };

export interface WorkerBundleOptions {
  /** Folders to try in order; the first one that works holds the bundle. */
  readonly cacheDirs?: readonly string[];
  /** Loads esbuild (tests inject a failing or counting one). */
  readonly loadEsbuild?: () => Promise<EsbuildApi>;
}

type EsbuildApi = Pick<typeof Esbuild, 'build' | 'version' | 'stop'>;

interface Manifest {
  readonly recipe: string;
  readonly esbuild: string;
  /** Paths relative to the project root, as esbuild reported its inputs. */
  readonly inputs: readonly string[];
  readonly digest: string;
  readonly file: string;
}

/** The default cache folders: in the project's node_modules, then a private temp folder. */
export function defaultCacheDirs(): string[] {
  // One level under the temp folder, whose sticky bit keeps others from renaming it away.
  return [
    join(ROOT, 'node_modules', '.cache', 'tickmark'),
    join(tmpdir(), `tickmark-cache-${process.getuid?.() ?? 'user'}`),
  ];
}

let shared: Promise<WorkerScript> | null = null;

/** The worker script for this process's pools: built (or found) once, then reused. */
export function poolWorkerScript(): Promise<WorkerScript> {
  shared ??= workerScript();
  return shared;
}

/** Finds or builds the bundle; never throws: a failure gives `{ kind: 'tsx', reason }`. */
export async function workerScript(options: WorkerBundleOptions = {}): Promise<WorkerScript> {
  let esbuild: EsbuildApi;
  try {
    esbuild = await (options.loadEsbuild ?? (() => import('esbuild')))();
  } catch (error) {
    return { kind: 'tsx', reason: `esbuild could not be loaded: ${(error as Error).message}` };
  }
  const reasons: string[] = [];
  for (const dir of options.cacheDirs ?? defaultCacheDirs()) {
    try {
      return { kind: 'bundle', file: await cachedBundle(esbuild, dir) };
    } catch (error) {
      reasons.push(`${dir}: ${(error as Error).message}`);
    }
  }
  return { kind: 'tsx', reason: `the worker bundle could not be built (${reasons.join('; ')})` };
}

/**
 * The bundle in `dir`, built there first unless the one there is current. The check (a folder,
 * the manifest, a few hundred small sources, the bundle) reads synchronously, about 5 ms: a
 * run looks while its own thread reads the archive, and each read through the event loop
 * waited its turn behind that work (90–120 ms in all, the pool's threads starting that much later).
 */
async function cachedBundle(esbuild: EsbuildApi, dir: string): Promise<string> {
  privateFolder(dir);
  const manifestPath = join(dir, MANIFEST);
  const previous = readManifest(manifestPath);
  if (previous && previous.recipe === RECIPE && previous.esbuild === esbuild.version) {
    const file = join(dir, previous.file);
    let digest: string | null = null;
    try {
      digest = digestOf(previous.inputs, esbuild.version);
    } catch {
      // A source gone: built again.
    }
    if (digest === previous.digest && exists(file)) return file;
  }

  let built: Esbuild.BuildResult<{ write: false; metafile: true }>;
  try {
    built = await esbuild.build(buildOptions(dir));
  } finally {
    // esbuild's service is a child process that would otherwise live as long as this one.
    await esbuild.stop();
  }
  const output = built.outputFiles?.[0];
  if (!output || !built.metafile) throw new Error('esbuild returned no output');
  // Hashed after the build: a source saved during those 0.1 s would go unnoticed until it
  // changes again (the same window `make` has).
  const inputs = Object.keys(built.metafile.inputs).sort();
  const digest = digestOf(inputs, esbuild.version);
  const name = `verify-worker-${digest.slice(0, 16)}.mjs`;
  await writeAtomically(join(dir, name), output.contents);
  await writeAtomically(
    manifestPath,
    JSON.stringify({ recipe: RECIPE, esbuild: esbuild.version, inputs, digest, file: name } satisfies Manifest),
  );
  await removeStale(dir, name);
  return join(dir, name);
}

function buildOptions(dir: string) {
  return {
    absWorkingDir: ROOT,
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: `node${process.versions.node.split('.')[0]}`,
    write: false,
    outfile: join(dir, 'verify-worker.mjs'),
    metafile: true,
    logLevel: 'silent',
    legalComments: 'none',
    // Bundled CommonJS modules may call require() for Node's own modules.
    banner: {
      js: "import { createRequire as __tickmarkCreateRequire } from 'node:module'; const require = __tickmarkCreateRequire(import.meta.url);",
    },
    plugins: [loadInPlace()],
  } as const satisfies Esbuild.BuildOptions;
}

/** Keeps Cedar's Node build external, imported from where it is installed (an absolute URL). */
function loadInPlace(): Esbuild.Plugin {
  const require = createRequire(join(ROOT, ENTRY));
  return {
    name: 'load-in-place',
    setup(build) {
      build.onResolve({ filter: LOADED_IN_PLACE }, (args) => ({
        path: pathToFileURL(require.resolve(args.path)).href,
        external: true,
      }));
    },
  };
}

/** SHA-256 over the recipe, esbuild's version and every input's path and content. */
function digestOf(inputs: readonly string[], esbuildVersion: string): string {
  const hash = createHash('sha256').update(`${RECIPE}\0${esbuildVersion}\0`);
  for (const input of inputs) {
    const content = readFileSync(resolve(ROOT, input));
    hash.update(`${input}\0${content.length}\0`).update(content);
  }
  return hash.digest('hex');
}

function readManifest(path: string): Manifest | null {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<Manifest>;
    const ok =
      typeof value.recipe === 'string' &&
      typeof value.esbuild === 'string' &&
      typeof value.digest === 'string' &&
      typeof value.file === 'string' &&
      /^verify-worker-[0-9a-f]{16}\.mjs$/.test(value.file) &&
      Array.isArray(value.inputs) &&
      value.inputs.every((i) => typeof i === 'string');
    return ok ? (value as Manifest) : null;
  } catch {
    return null;
  }
}

/**
 * Creates `dir` if needed and refuses one that another user could have written to: the
 * bundle is code this process runs, and the temp folder is shared.
 */
function privateFolder(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const info = lstatSync(dir);
  if (!info.isDirectory()) throw new Error('not a directory');
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) throw new Error('owned by another user');
  if (process.platform !== 'win32' && (info.mode & 0o022) !== 0) throw new Error('writable by other users');
}

/** Writes to a temporary name, then renames: a concurrent reader sees all of it or nothing. */
async function writeAtomically(path: string, content: string | Uint8Array): Promise<void> {
  const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(temporary, content, { mode: 0o600 });
  await rename(temporary, path);
}

async function removeStale(dir: string, keep: string): Promise<void> {
  const now = Date.now();
  for (const name of await readdir(dir)) {
    if (name === keep || !/^verify-worker-[0-9a-f]{16}\.mjs$/.test(name)) continue;
    const file = join(dir, name);
    const info = await stat(file).catch(() => null);
    if (info && now - info.mtimeMs > STALE_AFTER_MS) await rm(file, { force: true });
  }
}

function exists(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}
