/**
 * Browser-mode signing keys (browser-signing.ts) on Node's WebCrypto, which is the same
 * Web Crypto API as the browser's: Ed25519 keys made non-extractable, signatures that the
 * strict reference verifier accepts, a workpaper and its review that the check accepts. The
 * IndexedDB half (structured clone of a CryptoKey) runs in Chromium: test/e2e/workpaper.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { nobleStrictVerifier } from '../../shared/format/ed25519.ts';
import { fromHex, utf8 } from '../../shared/format/bytes.ts';
import { checkWorkpaper, signReview, signWorkpaper, workpaperFile } from '../../shared/workpaper/workpaper.ts';
import {
  browserSigningKeys,
  ed25519Unavailable,
  keyLabelProblem,
  makeEd25519Key,
  type KeyStore,
  type StoredKey,
} from './browser-signing.ts';

/** A key store in memory with the same contract as the Dexie table. */
function memoryStore(): KeyStore & { rows: Map<string, StoredKey> } {
  const rows = new Map<string, StoredKey>();
  return {
    rows,
    all: async () => [...rows.values()],
    get: async (k) => rows.get(k),
    add: async (key) => {
      if (rows.has(key.publicKey)) throw new Error('exists');
      rows.set(key.publicKey, key);
    },
  };
}

const subtle = globalThis.crypto.subtle;

describe('browser signing keys', () => {
  it('makes a non-extractable Ed25519 key whose raw public key is exported', async () => {
    const key = await makeEd25519Key(subtle);
    expect(key.publicKey).toMatch(/^[0-9a-f]{64}$/);
    expect(key.privateKey.extractable).toBe(false);
    expect(key.privateKey.usages).toEqual(['sign']);
    await expect(subtle.exportKey('pkcs8', key.privateKey)).rejects.toThrow();
    await expect(subtle.exportKey('jwk', key.privateKey)).rejects.toThrow();
  });

  it('lists, signs with the stored key, and the signature verifies under the strict reference', async () => {
    const store = memoryStore();
    const keys = browserSigningKeys(store, subtle);
    const made = await keys.create('  A. Auditor  ');
    expect(made.label).toBe('A. Auditor');
    const list = await keys.list();
    expect(list.unavailable).toBeNull();
    expect(list.keys).toEqual([made]);
    expect(list.protection).toMatch(/non-extractable/);
    const message = utf8('DSSEv1 28 application/vnd.in-toto+json 2 {}');
    const signature = await keys.signer(made.publicKey).sign(message);
    expect(signature).toHaveLength(64);
    expect(nobleStrictVerifier.verify(signature, message, fromHex(made.publicKey))).toBe(true);
    // Pure Ed25519 is deterministic (RFC 8032): the same message gives the same signature.
    expect(await keys.signer(made.publicKey).sign(message)).toEqual(signature);
  });

  it('signs a workpaper as preparer and a review as reviewer with two keys; the check accepts them', async () => {
    const keys = browserSigningKeys(memoryStore(), subtle);
    const preparer = await keys.create('Preparer');
    const reviewer = await keys.create('Reviewer');
    const envelope = await signWorkpaper({ format: 'tickmark.workpaper.v1' }, [], keys.signer(preparer.publicKey));
    const review = await signReview(
      envelope,
      { reviewer: 'Reviewer', reviewedAt: '2026-01-01T00:00:00Z', decision: 'approved', note: 'ok' },
      keys.signer(reviewer.publicKey),
    );
    const check = checkWorkpaper(workpaperFile([envelope, review]), {
      signers: [preparer.publicKey, reviewer.publicKey],
      verifier: nobleStrictVerifier,
    });
    expect(check.problems).toEqual([]);
    expect(check.ok).toBe(true);
  });

  it('refuses to sign with a key it does not keep', async () => {
    const keys = browserSigningKeys(memoryStore(), subtle);
    await expect(keys.signer('ab'.repeat(32)).sign(new Uint8Array(1))).rejects.toThrow(
      `The signing key ${'ab'.repeat(32)} is not kept in this browser.`,
    );
  });

  it('refuses a key without a name, or with too long a one', async () => {
    const keys = browserSigningKeys(memoryStore(), subtle);
    await expect(keys.create('   ')).rejects.toThrow('Give the key a name');
    expect(keyLabelProblem('x'.repeat(121))).toBe('A key’s name is at most 120 characters: this one has 121.');
    expect(keyLabelProblem('R. Reviewer')).toBeNull();
  });

  it('says so where WebCrypto cannot make Ed25519 keys', async () => {
    expect(await ed25519Unavailable(undefined)).toMatch(/no WebCrypto/);
    const noEd25519 = {
      generateKey: async () => {
        throw new Error('Unrecognized name');
      },
    } as unknown as SubtleCrypto;
    expect(await ed25519Unavailable(noEd25519)).toMatch(
      /cannot make Ed25519 keys through WebCrypto \(Unrecognized name\)/,
    );
    const keys = browserSigningKeys(memoryStore(), noEd25519);
    await expect(keys.create('A')).rejects.toThrow(/cannot make Ed25519 keys/);
    expect((await keys.list()).unavailable).toMatch(/cannot make Ed25519 keys/);
  });
});
