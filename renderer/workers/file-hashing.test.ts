/**
 * Which SHA-256 a worker installs (file-hashing.ts): the WebAssembly one where it loads and is
 * right, else the JavaScript one with WebCrypto for whole files; never a wrong one.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';

const node = (data: string) => 'sha256:' + createHash('sha256').update(data).digest('hex');

async function fresh(wasm?: () => Promise<unknown>) {
  vi.resetModules();
  if (wasm) vi.doMock('../../shared/format/wasm-sha256.ts', () => ({ wasmSha256: wasm }));
  const hashing = await import('./file-hashing.ts');
  const hash = await import('../../shared/format/hash.ts');
  return { ...hashing, ...hash };
}

async function fileDigest(hashingChunks: typeof import('../../shared/format/hash.ts').hashingChunks, parts: string[]) {
  let digest = '';
  const chunks = (async function* () {
    for (const p of parts) yield new TextEncoder().encode(p);
  })();
  for await (const _ of hashingChunks(chunks, (file) => (digest = file.sha256)));
  return digest;
}

afterEach(() => {
  vi.doUnmock('../../shared/format/wasm-sha256.ts');
  vi.resetModules();
});

describe('installFastestSha256', () => {
  it('installs the WebAssembly SHA-256 where it loads, once, and hashes lines and files right with it', async () => {
    const { installFastestSha256, hashOf, hashingChunks } = await fresh();
    const first = installFastestSha256();
    expect(installFastestSha256()).toBe(first);
    expect(await first).toBe('webassembly');
    expect(hashOf('{"id":"rc_1"}')).toBe(node('{"id":"rc_1"}'));
    expect(await fileDigest(hashingChunks, ['ab', 'c'])).toBe(node('abc'));
  });

  it('without WebAssembly: the JavaScript SHA-256 stays and WebCrypto hashes whole files', async () => {
    const { installFastestSha256, hashOf, hashingChunks } = await fresh(async () => null);
    expect(await installFastestSha256()).toBe('webcrypto');
    expect(hashOf('x')).toBe(node('x'));
    expect(await fileDigest(hashingChunks, ['a'.repeat(70_000), 'b'])).toBe(node('a'.repeat(70_000) + 'b'));
  });

  it('a WebAssembly SHA-256 that gives wrong digests is not installed', async () => {
    const wrong = {
      digest: () => new Uint8Array(32),
      hex: () => '0'.repeat(64),
      create: () => ({ update: () => undefined, digest: () => new Uint8Array(32) }),
    };
    const { installFastestSha256, hashOf } = await fresh(async () => wrong);
    expect(await installFastestSha256()).toBe('webcrypto');
    expect(hashOf('abc')).toBe(node('abc'));
  });

  it('a WebAssembly SHA-256 that fails to load leaves the others', async () => {
    const { installFastestSha256, hashOf } = await fresh(async () => {
      throw new Error('CSP refused WebAssembly');
    });
    expect(await installFastestSha256()).toBe('webcrypto');
    expect(hashOf('abc')).toBe(node('abc'));
  });
});
