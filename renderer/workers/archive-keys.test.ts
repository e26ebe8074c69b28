import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { memoryBytes } from '../../shared/archive/blob.ts';
import type { RandomAccessBytes } from '../../shared/archive/source.ts';
import type { KeptFile } from '../../shared/engine/types.ts';
import { archiveKeys, keysOf, keysOfBytes } from './archive-keys.ts';

const good = { kid: 'a'.repeat(32), public_key: 'b'.repeat(64), roles: ['root'] };
const other = { kid: 'c'.repeat(32), public_key: 'd'.repeat(64), roles: ['gateway', 'root'] };
const gateway = { kid: 'e'.repeat(32), public_key: 'f'.repeat(64), roles: ['gateway'] };
const utf8 = (text: string) => new TextEncoder().encode(text);
const keysJson = (...keys: object[]) => utf8(JSON.stringify({ keys }));

/** keys.json as the verification hands it over (`onFile`). */
const kept = (bytes: Uint8Array | null, path = 'keys.json'): KeptFile => ({
  path,
  kind: 'keys',
  size: bytes?.length ?? 0,
  sha256: 'sha256:' + '0'.repeat(64),
  bytes,
});

/** Archive bytes whose every read is counted. */
function counted(zip: Uint8Array): { bytes: RandomAccessBytes; reads: () => number } {
  const inner = memoryBytes(zip);
  let reads = 0;
  return {
    bytes: new Proxy(inner, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          reads++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }),
    reads: () => reads,
  };
}

describe('keysOf', () => {
  it('keeps well-formed entries with their roles and skips the rest', () => {
    expect(
      keysOf({
        keys: [good, { kid: 'short', public_key: 'b'.repeat(64) }, { kid: 'c'.repeat(32), public_key: 'XYZ' }, null],
      }),
    ).toEqual([{ kid: good.kid, publicKey: good.public_key, roles: ['root'] }]);
  });
  it('anything that is not a key set gives no key', () => {
    expect(keysOf(null)).toEqual([]);
    expect(keysOf({ keys: 'no' })).toEqual([]);
  });
  it('bytes that are not UTF-8 JSON give no key', () => {
    expect(keysOfBytes(new Uint8Array([0x7b, 0xff, 0x7d]))).toEqual([]);
    expect(keysOfBytes(utf8('{"keys": ['))).toEqual([]);
    expect(keysOfBytes(keysJson(good))).toEqual([{ kid: good.kid, publicKey: good.public_key, roles: ['root'] }]);
  });
});

describe('archiveKeys', () => {
  // The archive says `other`; the kept keys.json says `good`: which one was used shows which was read.
  // Each keys.json also lists a gateway key, which is never given: only roots are.
  const archive = zipSync({ 'keys.json': keysJson(gateway, other), 'manifest.json': utf8('{}') });
  const fromArchive = [{ kid: other.kid, publicKey: other.public_key, roles: ['gateway', 'root'] }];

  it('takes the keys.json the verification read, without reading the archive again', async () => {
    const { bytes, reads } = counted(archive);
    expect(await archiveKeys([kept(keysJson(good, gateway))], bytes, 'a.zip')).toEqual([
      { kid: good.kid, publicKey: good.public_key, roles: ['root'] },
    ]);
    expect(reads()).toBe(0);
  });

  it('gives the root keys alone, none where keys.json lists none', async () => {
    const { bytes } = counted(archive);
    expect(await archiveKeys([kept(keysJson(gateway))], bytes, 'a.zip')).toEqual([]);
    expect(keysOfBytes(keysJson(gateway, good)).map((k) => k.kid)).toEqual([gateway.kid, good.kid]);
  });

  it('reads the archive when keys.json was not handed over whole, or not at all', async () => {
    for (const files of [[], [kept(null)], [kept(keysJson(good), 'other/keys.json')]]) {
      const { bytes, reads } = counted(archive);
      expect(await archiveKeys(files, bytes, 'a.zip')).toEqual(fromArchive);
      expect(reads()).toBeGreaterThan(0);
    }
  });

  it('reads the archive when keys.json was handed over more than once', async () => {
    const { bytes } = counted(archive);
    expect(await archiveKeys([kept(keysJson(good)), kept(keysJson(good))], bytes, 'a.zip')).toEqual(fromArchive);
  });

  it('a kept keys.json that is no key set gives no key, as reading it from the archive would', async () => {
    const { bytes, reads } = counted(archive);
    expect(await archiveKeys([kept(utf8('not json'))], bytes, 'a.zip')).toEqual([]);
    expect(reads()).toBe(0);
  });

  it('an archive that cannot be read gives no key', async () => {
    expect(await archiveKeys([], memoryBytes(utf8('not a zip')), 'a.zip')).toEqual([]);
    expect(await archiveKeys([], memoryBytes(zipSync({ 'manifest.json': utf8('{}') })), 'a.zip')).toEqual([]);
  });
});
