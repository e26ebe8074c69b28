/**
 * Differential test of the WebCrypto verifier (here Node's WebCrypto; in the app,
 * Chromium's) against the strict reference, on every vector and on random tampering.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from './bytes.ts';
import { nobleStrictVerifier, publicKeyOf, signBytes } from './ed25519.ts';
import { webCryptoVerifier, type AsyncSignatureVerifier, type Ed25519Subtle } from './webcrypto-ed25519.ts';
import { readVectorJson } from '../../test/support/vectors.ts';
import { expectReferenceAnswersOnBitFlips } from '../../test/support/bit-flips.ts';

interface WycheproofFile {
  testGroups: { publicKey: { pk: string }; tests: { tcId: number; msg: string; sig: string; result: string }[] }[];
}
const cases = readVectorJson<WycheproofFile>('wycheproof/ed25519_test.json').testGroups.flatMap((g) =>
  g.tests.map((t) => ({ ...t, pk: g.publicKey.pk })),
);

let verifier: AsyncSignatureVerifier;
beforeAll(async () => {
  const v = await webCryptoVerifier();
  if (!v) throw new Error('this Node has WebCrypto Ed25519; the verifier must be available');
  verifier = v;
});

describe('WebCrypto Ed25519 agrees with the strict reference', () => {
  it.each(cases)('Wycheproof tcId $tcId ($result)', async (t) => {
    if (t.result !== 'valid' && t.result !== 'invalid') throw new Error(`unknown result category ${t.result}`);
    expect(await verifier.verifyAsync(fromHex(t.sig), fromHex(t.msg), fromHex(t.pk))).toBe(t.result === 'valid');
  });

  it('on random single-bit tampering', async () => {
    await expectReferenceAnswersOnBitFlips((s, m, k) => verifier.verifyAsync(s, m, k), 200);
  });

  it('is refused when the WebCrypto at hand has no Ed25519', async () => {
    const none: Ed25519Subtle = {
      importKey: () => Promise.reject(new Error('NotSupportedError')),
      verify: () => Promise.reject(new Error('NotSupportedError')),
    };
    expect(await webCryptoVerifier(none)).toBeNull();
  });
});

/**
 * A WebCrypto stand-in: keys are imported as tokens holding their bytes, signatures are
 * answered by the strict reference, and each call is logged. `refuse` picks keys whose import
 * rejects, `failVerify` keys whose verify rejects.
 */
function loggingSubtle(refuse = new Set<string>(), failVerify = new Set<string>()) {
  const imports: unknown[][] = [];
  const subtle: Ed25519Subtle = {
    importKey(format, keyData, algorithm, extractable, usages) {
      const hex = toHex(keyData);
      imports.push([format, hex, algorithm, extractable, usages]);
      if (refuse.has(hex)) return Promise.reject(new Error('DataError'));
      return Promise.resolve({ publicKey: Uint8Array.from(keyData) });
    },
    verify(_algorithm, key, signature, data) {
      const publicKey = (key as { publicKey: Uint8Array }).publicKey;
      if (failVerify.has(toHex(publicKey))) return Promise.reject(new Error('OperationError'));
      return Promise.resolve(nobleStrictVerifier.verify(signature, data, publicKey));
    },
  };
  return { subtle, imports };
}

/** RFC 8032 §7.1 TEST 1's key, which the verifier checks itself on before it is used. */
const TEST1_KEY = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';

function signedBy(seed: number) {
  const secret = new Uint8Array(32).fill(seed);
  const message = new TextEncoder().encode(`message ${seed}`);
  return { publicKey: publicKeyOf(secret), message, signature: signBytes(message, secret) };
}

describe('WebCrypto Ed25519: what is asked of WebCrypto', () => {
  it('imports each key once, raw, not extractable, for verify only, and names itself', async () => {
    const { subtle, imports } = loggingSubtle();
    const web = await webCryptoVerifier(subtle);
    expect(web?.name).toBe('WebCrypto Ed25519 + strict RFC 8032 encoding checks');
    // The self-test verifies twice under TEST 1's key and imports it once.
    expect(imports).toEqual([['raw', TEST1_KEY, { name: 'Ed25519' }, false, ['verify']]]);
    const a = signedBy(7);
    expect(await web?.verifyAsync(a.signature, a.message, a.publicKey)).toBe(true);
    expect(await web?.verifyAsync(a.signature, new Uint8Array(0), a.publicKey)).toBe(false);
    expect(await web?.verifyAsync(a.signature, a.message, a.publicKey)).toBe(true);
    expect(imports.map((call) => call[1])).toEqual([TEST1_KEY, toHex(a.publicKey)]);
  });

  it('holds at most 10,001 imported keys: the next new key empties the cache', async () => {
    const { subtle: reference, imports } = loggingSubtle();
    // The reference answers for TEST 1's key only; the others are refused at once (no point arithmetic).
    const subtle: Ed25519Subtle = {
      importKey: reference.importKey,
      verify: (algorithm, key, signature, data) =>
        toHex((key as { publicKey: Uint8Array }).publicKey) === TEST1_KEY
          ? reference.verify(algorithm, key, signature, data)
          : Promise.resolve(false),
    };
    const web = (await webCryptoVerifier(subtle)) as AsyncSignatureVerifier;
    // Keys that pass the encoding checks (y = n + 2, little-endian, sign bit 0); R with y = 2, S = 0.
    const key = (n: number) =>
      Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? (n + 2) & 0xff : i === 1 ? (n + 2) >> 8 : 0));
    const signature = new Uint8Array(64);
    signature[0] = 2;
    for (let n = 1; n <= 10_000; n++) await web.verifyAsync(signature, new Uint8Array(0), key(n));
    expect(imports).toHaveLength(10_001); // TEST 1's key and 10,000 more, each once
    await web.verifyAsync(signature, new Uint8Array(0), fromHex(TEST1_KEY));
    expect(imports).toHaveLength(10_001); // still held: 10,001 keys
    await web.verifyAsync(signature, new Uint8Array(0), key(10_001)); // the cache is emptied first
    await web.verifyAsync(signature, new Uint8Array(0), key(1));
    expect(imports).toHaveLength(10_003);
    expect(imports.at(-1)?.[1]).toBe(toHex(key(1)));
  });

  it('answers false, not a rejection, when WebCrypto refuses a key or its verify rejects', async () => {
    const refused = signedBy(8);
    const failing = signedBy(9);
    const { subtle } = loggingSubtle(new Set([toHex(refused.publicKey)]), new Set([toHex(failing.publicKey)]));
    const web = (await webCryptoVerifier(subtle)) as AsyncSignatureVerifier;
    for (const s of [refused, failing]) {
      expect(nobleStrictVerifier.verify(s.signature, s.message, s.publicKey)).toBe(true);
      expect(await web.verifyAsync(s.signature, s.message, s.publicKey)).toBe(false);
    }
  });

  it('is null when importKey throws instead of rejecting (a WebCrypto without Ed25519 may)', async () => {
    const throwing: Ed25519Subtle = {
      importKey: () => {
        throw new Error('NotSupportedError');
      },
      verify: () => Promise.resolve(true),
    };
    expect(await webCryptoVerifier(throwing)).toBeNull();
  });
});
