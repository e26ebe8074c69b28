import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import { workerScript } from './worker-bundle.ts';

const made: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tickmark-bundle-'));
  made.push(dir);
  return join(dir, 'cache');
}
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The real esbuild, counting builds. */
function countingEsbuild() {
  const counter = { builds: 0 };
  const api = {
    version: esbuild.version,
    stop: esbuild.stop,
    build: ((options: esbuild.BuildOptions) => {
      counter.builds++;
      return esbuild.build(options);
    }) as typeof esbuild.build,
  };
  return { counter, load: async () => api };
}

describe('the pool worker bundle', () => {
  it('is built once, then reused while its sources are unchanged', async () => {
    const dir = freshDir();
    const { counter, load } = countingEsbuild();
    const first = await workerScript({ cacheDirs: [dir], loadEsbuild: load });
    expect(first.kind).toBe('bundle');
    if (first.kind !== 'bundle') return;
    expect(first.file.startsWith(dir)).toBe(true);
    const code = readFileSync(first.file, 'utf8');
    expect(code).toContain('verify-worker must run as a worker thread');
    // Cedar's Node build stays where it is installed (it reads its .wasm beside itself).
    expect(code).toMatch(/from "file:\/\/[^"]+\/@cedar-policy\/cedar-wasm\/nodejs\/cedar_wasm\.js"/);
    expect(await workerScript({ cacheDirs: [dir], loadEsbuild: load })).toEqual(first);
    expect(counter.builds).toBe(1);
  });

  it('is rebuilt when what went into it no longer matches, or the file is gone', async () => {
    const dir = freshDir();
    const { counter, load } = countingEsbuild();
    const first = await workerScript({ cacheDirs: [dir], loadEsbuild: load });
    const manifestPath = join(dir, 'verify-worker.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { inputs: string[] };
    // A source that changed since: another input than the recorded digest covers.
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, inputs: [...manifest.inputs, 'package.json'] }));
    expect(await workerScript({ cacheDirs: [dir], loadEsbuild: load })).toEqual(first);
    expect(counter.builds).toBe(2);
    if (first.kind === 'bundle') rmSync(first.file);
    expect(await workerScript({ cacheDirs: [dir], loadEsbuild: load })).toEqual(first);
    expect(counter.builds).toBe(3);
  });

  it('falls back to tsx, saying why, when esbuild is missing or the build fails', async () => {
    const missing = await workerScript({
      cacheDirs: [freshDir()],
      loadEsbuild: () => Promise.reject(new Error('Cannot find package esbuild')),
    });
    expect(missing).toEqual({ kind: 'tsx', reason: 'esbuild could not be loaded: Cannot find package esbuild' });
    const dir = freshDir();
    const failing = await workerScript({
      cacheDirs: [dir],
      loadEsbuild: async () => ({
        version: esbuild.version,
        stop: async () => undefined,
        build: (() => Promise.reject(new Error('syntax error'))) as typeof esbuild.build,
      }),
    });
    expect(failing).toEqual({ kind: 'tsx', reason: `the worker bundle could not be built (${dir}: syntax error)` });
  });

  it('refuses a cache folder other users can write to, and uses the next one', async () => {
    const shared = freshDir();
    const own = freshDir();
    await workerScript({ cacheDirs: [shared] });
    chmodSync(shared, 0o777);
    const script = await workerScript({ cacheDirs: [shared, own] });
    expect(script.kind === 'bundle' && script.file.startsWith(own)).toBe(true);
  });
});
