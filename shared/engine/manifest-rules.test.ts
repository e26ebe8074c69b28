/**
 * The manifest's rules one at a time (shared/engine/manifest.ts, FORMAT.md §2), each with its
 * code, exact message and location: the format, the schema, the archive key and signature
 * (checkManifest), and the file list against the archive's entries (compareFiles).
 */
import { describe, expect, it, vi } from 'vitest';
import * as canonical from '../format/canonical.ts';
import { canonicalize } from '../format/canonical.ts';
import { utf8 } from '../format/bytes.ts';
import { readStoredLine } from './record.ts';
import { fromHex } from '../format/bytes.ts';
import { nobleStrictVerifier } from '../format/ed25519.ts';
import type { FileDigest } from '../format/hash.ts';
import { FORMAT_ID } from '../format/layout.ts';
import type { Manifest } from '../format/schema.ts';
import { keyFromSeed, signCanonical } from '../producer/keys.ts';
import { FileDigests } from './file-digests.ts';
import { checkManifest, compareFiles, ListedFiles } from './manifest.ts';
import type { KeyUse, Keyring } from './types.ts';

const archiveKey = keyFromSeed('manifest-rules/archive');
const h = (c: string) => `sha256:${c.repeat(64)}`;

const body = {
  archive_id: 'a-1',
  created_at: '2026-03-01T00:00:00Z',
  files: [{ path: 'keys.json', bytes: 10, sha256: h('a') }],
  format: FORMAT_ID,
  kid: archiveKey.kid,
  organization: 'Example',
  period: { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' },
  producer: { name: 'test', version: '1' },
};
const signed = <T extends Record<string, unknown>>(value: T) => ({ ...value, sig: signCanonical(value, archiveKey) });

/** A keyring that answers `use` and records what it was asked. */
function keyringAnswering(use: KeyUse): { keyring: Keyring; asked: unknown[][] } {
  const asked: unknown[][] = [];
  return {
    asked,
    keyring: {
      check(...args) {
        asked.push(args);
        return use;
      },
    },
  };
}
const usable = (anchored: boolean): KeyUse => ({ ok: true, publicKey: fromHex(archiveKey.publicKey), anchored });
const at = { path: 'manifest.json' };

describe('checkManifest', () => {
  it('a signed manifest of this format: no finding, anchored as the key is, asked for the archive role at created_at', () => {
    const value = signed(body);
    for (const anchored of [true, false]) {
      const { keyring, asked } = keyringAnswering(usable(anchored));
      const r = checkManifest(value, keyring, nobleStrictVerifier);
      expect(r).toEqual({ manifest: value, anchored, findings: [] });
      expect(asked).toEqual([[archiveKey.kid, 'archive', body.created_at]]);
    }
  });

  it('another format: FORMAT_UNSUPPORTED naming it; the manifest is still checked', () => {
    const value = signed({ ...body, format: 'tickmark.evidence.v2' });
    const r = checkManifest(value, keyringAnswering(usable(true)).keyring, nobleStrictVerifier);
    expect(r).toEqual({
      manifest: value,
      anchored: true,
      findings: [
        {
          code: 'FORMAT_UNSUPPORTED',
          severity: 'high',
          message: `The manifest declares format "tickmark.evidence.v2"; this verifier reads ${FORMAT_ID} only, so its results may not apply.`,
          ...at,
        },
      ],
    });
  });

  it('no format, or not an object: FORMAT_UNSUPPORTED naming null, then RECORD_MALFORMED', () => {
    const { format: _f, ...noFormat } = signed(body);
    for (const value of [noFormat, null]) {
      const { keyring, asked } = keyringAnswering(usable(true));
      const r = checkManifest(value, keyring, nobleStrictVerifier);
      expect(r.manifest).toBeNull();
      expect(r.anchored).toBe(false);
      expect(r.findings[0]).toEqual({
        code: 'FORMAT_UNSUPPORTED',
        severity: 'high',
        message: `The manifest declares format null; this verifier reads ${FORMAT_ID} only, so its results may not apply.`,
        ...at,
      });
      expect(r.findings.map((f) => f.code)).toEqual(['FORMAT_UNSUPPORTED', 'RECORD_MALFORMED']);
      expect(asked).toEqual([]);
    }
  });

  it('not a valid manifest: RECORD_MALFORMED naming the field, no manifest, not anchored', () => {
    const value = { ...signed(body), created_at: 'March' };
    const { keyring, asked } = keyringAnswering(usable(true));
    expect(checkManifest(value, keyring, nobleStrictVerifier)).toEqual({
      manifest: null,
      anchored: false,
      findings: [
        {
          code: 'RECORD_MALFORMED',
          severity: 'critical',
          message:
            'manifest.json is not a valid manifest: field "created_at": must be an RFC 3339 UTC time ending in Z.',
          ...at,
        },
      ],
    });
    expect(asked).toEqual([]);
  });

  it("a key the keyring refuses: the keyring's code and message, not anchored", () => {
    const value = signed(body);
    const refused: KeyUse = { ok: false, code: 'KEY_REVOKED', message: 'key k was revoked' };
    expect(checkManifest(value, keyringAnswering(refused).keyring, nobleStrictVerifier)).toEqual({
      manifest: value,
      anchored: false,
      findings: [
        { code: 'KEY_REVOKED', severity: 'critical', message: 'Manifest signature: key k was revoked.', ...at },
      ],
    });
  });

  it('a signature that does not verify: MANIFEST_SIGNATURE_INVALID, not anchored', () => {
    const value = { ...signed(body), organization: 'Someone else' };
    expect(checkManifest(value, keyringAnswering(usable(true)).keyring, nobleStrictVerifier)).toEqual({
      manifest: value,
      anchored: false,
      findings: [
        {
          code: 'MANIFEST_SIGNATURE_INVALID',
          severity: 'critical',
          message: `The manifest's signature does not verify with archive key ${archiveKey.kid}: the manifest was changed after signing.`,
          ...at,
        },
      ],
    });
  });
});

describe('checkManifest with the stored form read from its line (readStoredLine)', () => {
  const read = (value: unknown) =>
    readStoredLine('manifest.json', { kind: 'line', line: 1, bytes: utf8(canonicalize(value)) });
  it('a canonical line: the signed bytes are cut from it (the value is not serialized again), the same answer', () => {
    const value = signed({ ...body, organization: 'Exämple 東京' });
    const stored = read(value);
    expect(stored.withoutSigBytes).toBeDefined();
    const serialized = vi.spyOn(canonical, 'signedText');
    const r = checkManifest(stored.value, keyringAnswering(usable(true)).keyring, nobleStrictVerifier, stored);
    expect(serialized).not.toHaveBeenCalled();
    serialized.mockRestore();
    expect(r).toEqual({ manifest: value, anchored: true, findings: [] });
  });
  it('a line changed after signing, through its stored form: MANIFEST_SIGNATURE_INVALID', () => {
    const value = { ...signed(body), organization: 'Someone else' };
    const stored = read(value);
    const r = checkManifest(stored.value, keyringAnswering(usable(true)).keyring, nobleStrictVerifier, stored);
    expect(r.findings.map((f) => f.code)).toEqual(['MANIFEST_SIGNATURE_INVALID']);
  });
});

describe('compareFiles', () => {
  const manifestOf = (files: { path: string; bytes: number; sha256: string }[]) => ({ ...body, files }) as Manifest;
  const digest = (bytes: number, sha256: string): FileDigest => ({ bytes, sha256 }) as FileDigest;
  /**
   * compareFiles on the manifest's list and a Map, and on the same kept in columns as a run keeps
   * them (ListedFiles, FileDigests): the same findings in the same order.
   */
  const compare = (m: Manifest, actual: Map<string, FileDigest | null>) => {
    const plain = compareFiles(m, actual);
    const digests = new FileDigests();
    for (const [path, got] of actual) digests.set(path, got);
    expect(compareFiles({ files: new ListedFiles(m.files) }, digests)).toEqual(plain);
    return plain;
  };

  it('every listed file present with its size and hash, nothing else: no finding', () => {
    const m = manifestOf([
      { path: 'keys.json', bytes: 10, sha256: h('a') },
      { path: 'ledgers/x/000001.jsonl', bytes: 0, sha256: h('b') },
    ]);
    const actual = new Map([
      ['keys.json', digest(10, h('a'))],
      ['ledgers/x/000001.jsonl', digest(0, h('b'))],
    ]);
    expect(compare(m, actual)).toEqual([]);
  });

  it('a path listed twice is RECORD_MALFORMED on the manifest, once; the first listing is compared', () => {
    const m = manifestOf([
      { path: 'keys.json', bytes: 10, sha256: h('a') },
      { path: 'keys.json', bytes: 11, sha256: h('c') },
      { path: 'keys.json', bytes: 12, sha256: h('d') },
    ]);
    expect(compare(m, new Map([['keys.json', digest(10, h('a'))]]))).toEqual([
      {
        code: 'RECORD_MALFORMED',
        severity: 'critical',
        message: 'The manifest lists keys.json more than once.',
        path: 'manifest.json',
      },
      {
        code: 'RECORD_MALFORMED',
        severity: 'critical',
        message: 'The manifest lists keys.json more than once.',
        path: 'manifest.json',
      },
    ]);
  });

  it('listing manifest.json itself is RECORD_MALFORMED, never FILE_MISSING', () => {
    const m = manifestOf([{ path: 'manifest.json', bytes: 1, sha256: h('a') }]);
    expect(compare(m, new Map())).toEqual([
      {
        code: 'RECORD_MALFORMED',
        severity: 'critical',
        message:
          'The manifest lists manifest.json itself; its files list must name every other entry, and no file can hold its own hash.',
        path: 'manifest.json',
      },
    ]);
  });

  it('a listed file the archive lacks is FILE_MISSING on that path', () => {
    const m = manifestOf([{ path: 'policies/p.json', bytes: 1, sha256: h('a') }]);
    expect(compare(m, new Map())).toEqual([
      {
        code: 'FILE_MISSING',
        severity: 'critical',
        message: 'The manifest lists policies/p.json, but the archive has no such file.',
        path: 'policies/p.json',
      },
    ]);
  });

  it('a file that could not be read in full (null) is neither missing nor changed', () => {
    const m = manifestOf([{ path: 'keys.json', bytes: 10, sha256: h('a') }]);
    expect(compare(m, new Map([['keys.json', null]]))).toEqual([]);
  });

  it('another size is FILE_HASH_MISMATCH naming both sizes, even when the hash differs too', () => {
    const m = manifestOf([{ path: 'keys.json', bytes: 10, sha256: h('a') }]);
    const mismatch = (what: string) => [
      {
        code: 'FILE_HASH_MISMATCH',
        severity: 'critical',
        message: `keys.json has ${what}: the file was changed after the manifest was signed.`,
        path: 'keys.json',
      },
    ];
    expect(compare(m, new Map([['keys.json', digest(11, h('a'))]]))).toEqual(
      mismatch('11 bytes where the manifest says 10'),
    );
    expect(compare(m, new Map([['keys.json', digest(9, h('b'))]]))).toEqual(
      mismatch('9 bytes where the manifest says 10'),
    );
    expect(compare(m, new Map([['keys.json', digest(10, h('b'))]]))).toEqual(
      mismatch(`hash ${h('b')} where the manifest says ${h('a')}`),
    );
  });

  it('a file not listed is FILE_UNLISTED on its path, after the listed files, in the order read', () => {
    const m = manifestOf([{ path: 'keys.json', bytes: 10, sha256: h('a') }]);
    const actual = new Map([
      ['zz.txt', digest(1, h('c'))],
      ['keys.json', digest(10, h('b'))],
      ['attachments/x', null],
    ]);
    expect(compare(m, actual)).toEqual([
      {
        code: 'FILE_HASH_MISMATCH',
        severity: 'critical',
        message: `keys.json has hash ${h('b')} where the manifest says ${h('a')}: the file was changed after the manifest was signed.`,
        path: 'keys.json',
      },
      {
        code: 'FILE_UNLISTED',
        severity: 'critical',
        message: 'zz.txt is in the archive but not in the manifest: it was added after the manifest was signed.',
        path: 'zz.txt',
      },
      {
        code: 'FILE_UNLISTED',
        severity: 'critical',
        message: 'attachments/x is in the archive but not in the manifest: it was added after the manifest was signed.',
        path: 'attachments/x',
      },
    ]);
  });
});

describe('ListedFiles', () => {
  it('gives the files back in the manifest order, twice-listed ones too, with the path strings asked for', () => {
    const files = [
      { path: 'keys.json', bytes: 10, sha256: h('a'), note: 'let go' },
      { path: 'ledgers/東京/000001.jsonl', bytes: Number.MAX_SAFE_INTEGER, sha256: h('0') },
      { path: 'keys.json', bytes: 0, sha256: h('f') },
    ];
    const own = new Map(files.map((f) => [f.path, `${f.path}`]));
    const listed = new ListedFiles(files, (path) => own.get(path) ?? path);
    expect(listed.length).toBe(3);
    expect([...listed]).toStrictEqual(files.map(({ path, bytes, sha256 }) => ({ path, bytes, sha256 })));
    expect([...listed].map((f) => f.path)).toEqual(files.map((f) => f.path));
    // Those whose path passes a test, in the same order, as the whole list gives them.
    expect([...listed.where((path) => path === 'keys.json')]).toStrictEqual(
      [...listed].filter((f) => f.path === 'keys.json'),
    );
    expect([...listed.where(() => false)]).toEqual([]);
  });
  it('refuses a hash it could not give back as it was given', () => {
    expect(() => new ListedFiles([{ path: 'a', bytes: 1, sha256: `sha256:${'A'.repeat(64)}` }])).toThrow(TypeError);
  });
});
