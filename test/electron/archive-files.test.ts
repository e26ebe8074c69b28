/**
 * Opened files behind tokens (electron/main/archive-files.ts): random-access reads of
 * exactly the bytes on disk, tokens bound to the window that opened them.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CHUNK_BYTES } from '../../electron/ipc-contract.ts';
import { OpenedFiles, UnknownTokenError } from '../../electron/main/archive-files.ts';

let dir: string;
let archive: string;
const content = randomBytes(100_000);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tickmark-files-'));
  archive = path.join(dir, 'evidence.zip');
  await writeFile(archive, content);
  await mkdir(path.join(dir, 'folder.zip'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('OpenedFiles', () => {
  it('issues an opaque token with the name and size, never the path', async () => {
    const files = new OpenedFiles();
    const opened = await files.open(1, archive);
    expect(opened).toEqual({
      token: expect.stringMatching(/^[0-9a-f]{32}$/),
      name: 'evidence.zip',
      size: content.length,
    });
    expect(JSON.stringify(opened)).not.toContain(dir);
    await files.closeAllFor(1);
  });

  it('reads any range, shorter at the end, empty past it', async () => {
    const files = new OpenedFiles();
    const { token } = await files.open(1, archive);
    expect(Buffer.from(await files.read(1, token, 0, 10))).toEqual(content.subarray(0, 10));
    expect(Buffer.from(await files.read(1, token, 54_321, 4096))).toEqual(content.subarray(54_321, 54_321 + 4096));
    expect(Buffer.from(await files.read(1, token, content.length - 5, 100))).toEqual(
      content.subarray(content.length - 5),
    );
    expect((await files.read(1, token, content.length, 100)).byteLength).toBe(0);
    expect((await files.read(1, token, content.length + 10, 100)).byteLength).toBe(0);
    await files.closeAllFor(1);
  });

  it('reassembles the whole file from chunks', async () => {
    const files = new OpenedFiles();
    const { token, size } = await files.open(1, archive);
    const parts: Uint8Array[] = [];
    for (let offset = 0; offset < size; offset += 7_777) parts.push(await files.read(1, token, offset, 7_777));
    expect(Buffer.concat(parts)).toEqual(content);
    await files.closeAllFor(1);
  });

  it('refuses a token of another window, a closed token and an invented one', async () => {
    const files = new OpenedFiles();
    const { token } = await files.open(1, archive);
    await expect(files.read(2, token, 0, 1)).rejects.toBeInstanceOf(UnknownTokenError);
    expect(() => files.describe(2, token)).toThrow(UnknownTokenError);
    await files.close(2, token); // not the owner: a no-op
    expect((await files.read(1, token, 0, 1)).byteLength).toBe(1);
    await files.close(1, token);
    await expect(files.read(1, token, 0, 1)).rejects.toBeInstanceOf(UnknownTokenError);
    await expect(files.read(1, 'f'.repeat(32), 0, 1)).rejects.toBeInstanceOf(UnknownTokenError);
  });

  it('refuses bad ranges even if a caller skipped the schema', async () => {
    const files = new OpenedFiles();
    const { token } = await files.open(1, archive);
    await expect(files.read(1, token, -1, 1)).rejects.toThrow(RangeError);
    await expect(files.read(1, token, 0, 0)).rejects.toThrow(RangeError);
    await expect(files.read(1, token, 0, MAX_CHUNK_BYTES + 1)).rejects.toThrow(RangeError);
    await files.closeAllFor(1);
  });

  it('refuses directories, missing files and relative paths', async () => {
    const files = new OpenedFiles();
    await expect(files.open(1, path.join(dir, 'folder.zip'))).rejects.toThrow(/not a regular file/);
    await expect(files.open(1, path.join(dir, 'missing.zip'))).rejects.toThrow(/ENOENT/);
    await expect(files.open(1, 'evidence.zip')).rejects.toThrow(/absolute/);
    expect(files.countFor(1)).toBe(0);
  });

  it('closes the least recently used file beyond the per-window limit', async () => {
    const files = new OpenedFiles(2);
    const first = await files.open(1, archive);
    const second = await files.open(1, archive);
    await files.read(1, first.token, 0, 1); // first is now the most recently used
    const third = await files.open(1, archive);
    expect(files.countFor(1)).toBe(2);
    await expect(files.read(1, second.token, 0, 1)).rejects.toBeInstanceOf(UnknownTokenError);
    expect((await files.read(1, first.token, 0, 1)).byteLength).toBe(1);
    expect((await files.read(1, third.token, 0, 1)).byteLength).toBe(1);
    await files.closeAllFor(1);
    expect(files.countFor(1)).toBe(0);
  });
});
