/**
 * Edge cases of the format helpers that mutation testing (npm run mutate, docs/TESTING.md)
 * showed no test pinned: hex and UTF-8 decoding, hash strings, the SHA-256 swap-in, the
 * signed-bytes fast path, the number and canonical-form rules, and the strict Ed25519
 * encoding checks at their boundaries.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bytesEqual,
  concatBytes,
  copyOf,
  decodeUtf8Strict,
  fromBase64,
  fromHex,
  isLowerHex,
  toBase64,
  toHex,
  utf8,
  utf8Transient,
} from './bytes.ts';
import { parseCanonical, signedText, signedTextOfCanonicalLine, canonicalize } from './canonical.ts';
import { randomSecretKey, publicKeyOf, nobleStrictVerifier, signBytes } from './ed25519.ts';
import {
  isCanonicalPointEncoding,
  isScalarCanonical,
  isSmallOrderEncoding,
  passesStrictEncodingChecks,
  strictBefore,
} from './ed25519-strict.ts';
import { instantOf, isTime, parseTime } from './time.ts';
import {
  HASH_PATTERN,
  HEX64,
  createHasher,
  hashOf,
  hashingChunks,
  incrementalSha256,
  isHashString,
  sha256Bytes,
  SHA256_ABC_HEX,
  SHA256_EMPTY_HEX,
  useFileHasher,
  useSha256,
  type Sha256,
} from './hash.ts';

const ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
const P = 2n ** 255n - 19n;
const le = (n: bigint): Uint8Array => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
const withSign = (y: bigint, sign: number) => {
  const b = le(y);
  b[31] = (b[31] as number) | (sign << 7);
  return b;
};

describe('bytes', () => {
  it('copyOf copies a Node Buffer into a plain Uint8Array (Buffer() is deprecated), its own bytes', () => {
    const buffer = Buffer.from('abcdef');
    const copy = copyOf(buffer, 1, 4);
    expect(copy.constructor).toBe(Uint8Array);
    expect([...copy]).toEqual([...Buffer.from('bcd')]);
    copy[0] = 0;
    expect(buffer.toString()).toBe('abcdef');
  });

  it('copyOf gives what slice gives, in a buffer of its own, for every kind of typed array', () => {
    const kinds = [Uint8Array, Int8Array, Uint16Array, Int32Array, Uint32Array, Float64Array] as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...kinds),
        fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 40 }),
        fc.integer({ min: 0, max: 5 }),
        fc.option(fc.integer({ min: -50, max: 50 }), { nil: undefined }),
        fc.option(fc.integer({ min: -50, max: 50 }), { nil: undefined }),
        (Kind, values, offset, from, to) => {
          // A view into the middle of a larger buffer, as the engine's are.
          const whole = new Kind(values.length + offset + 3);
          const view = whole.subarray(offset, offset + values.length);
          view.set(values as never);
          const copy = copyOf(view, from, to);
          expect(copy).toBeInstanceOf(Kind);
          expect([...copy]).toEqual([...view.slice(from, to)]);
          expect(copy.byteOffset).toBe(0);
          expect(copy.buffer.byteLength).toBe(copy.byteLength);
          // Its own: writing to it leaves the source as it was.
          const before = [...view];
          copy.fill(7 as never);
          expect([...view]).toEqual(before);
        },
      ),
    );
  });

  it('utf8Transient gives utf8() for any text, call after call, growing its buffer when needed', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string(),
            fc.string({ unit: 'grapheme' }),
            fc.string({ unit: 'binary' }), // lone surrogates: U+FFFD, as encode() gives
            fc.string({ minLength: 4000, maxLength: 6000 }),
          ),
          { minLength: 1, maxLength: 5 },
        ),
        (texts) => {
          for (const t of texts) expect(utf8Transient(t)).toEqual(utf8(t));
        },
      ),
      { numRuns: 300 },
    );
    // The edges of ASCII, and texts of more bytes than characters, larger than any before.
    for (const t of [
      '\u007f',
      '\u0080',
      'a\u0080b',
      'é'.repeat(3000),
      'a'.repeat(100) + '😀',
      '',
      '€'.repeat(30_000),
      '€'.repeat(40_000),
      // Past the kept buffer's bound: an array of its own, then the kept buffer again.
      'é'.repeat(1_100_000),
      'x',
    ])
      expect(utf8Transient(t)).toEqual(utf8(t));
  });

  it('fromHex takes whole pairs of hex digits only, either case', () => {
    expect([...fromHex('00ffA0')]).toEqual([0, 255, 160]);
    expect([...fromHex('')]).toEqual([]);
    for (const bad of ['0', 'abc', '0g', 'g0', 'zz00', '00zz', ' 00', '00 ', '0x00'])
      expect(() => fromHex(bad), bad).toThrow(TypeError);
    expect(() => fromHex('0g')).toThrow(/even-length hex/);
  });

  it('isLowerHex: a string of exactly that length in lowercase hex', () => {
    expect(isLowerHex('0a1f', 4)).toBe(true);
    expect(isLowerHex('', 0)).toBe(true);
    expect(isLowerHex('0A1f', 4)).toBe(false);
    expect(isLowerHex('0a1', 4)).toBe(false);
    expect(isLowerHex('0a1f0', 4)).toBe(false);
    expect(isLowerHex('0a1g', 4)).toBe(false);
    expect(isLowerHex('x0a1', 4)).toBe(false);
    expect(isLowerHex(1234, 4)).toBe(false);
    expect(isLowerHex(null, 0)).toBe(false);
  });

  it('utf8 and decodeUtf8Strict: invalid UTF-8 is null, a byte-order mark is kept', () => {
    expect([...utf8('é')]).toEqual([0xc3, 0xa9]);
    expect(decodeUtf8Strict(Uint8Array.from([0xc3, 0xa9]))).toBe('é');
    expect(decodeUtf8Strict(Uint8Array.from([0xc3]))).toBeNull();
    expect(decodeUtf8Strict(Uint8Array.from([0xff, 0x41]))).toBeNull();
    expect(decodeUtf8Strict(Uint8Array.from([0xef, 0xbb, 0xbf, 0x41]))).toBe('\ufeffA');
  });

  it('concatBytes and bytesEqual', () => {
    const joined = concatBytes([Uint8Array.from([1, 2]), new Uint8Array(0), Uint8Array.from([3])]);
    expect([...joined]).toEqual([1, 2, 3]);
    expect(concatBytes([])).toHaveLength(0);
    expect(bytesEqual(joined, Uint8Array.from([1, 2, 3]))).toBe(true);
    expect(bytesEqual(joined, Uint8Array.from([1, 2, 4]))).toBe(false);
    expect(bytesEqual(joined, Uint8Array.from([0, 2, 3]))).toBe(false);
    expect(bytesEqual(joined, Uint8Array.from([1, 2]))).toBe(false);
    expect(bytesEqual(Uint8Array.from([1, 2]), joined)).toBe(false);
    expect(bytesEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });

  it('toBase64 is standard padded base64, also past one 32 KiB chunk; fromBase64 takes it back, strictly', () => {
    for (const length of [0, 1, 2, 3, 4, 0x7fff, 0x8000, 0x8001, 0x10000 + 5]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 131 + 7) & 0xff);
      const text = toBase64(bytes);
      expect(text, String(length)).toBe(Buffer.from(bytes).toString('base64'));
      expect(bytesEqual(fromBase64(text) as Uint8Array, bytes), String(length)).toBe(true);
    }
    for (const bad of ['A', 'AA', 'AAA', 'AA=', 'AA==AA==', 'AA AA', 'AA-_', 'AAAA\n'])
      expect(fromBase64(bad), bad).toBeNull();
  });
});

describe('hash strings', () => {
  it('HEX64, HASH_PATTERN and isHashString accept exactly "sha256:" and 64 lowercase hex digits', () => {
    const hex = 'a'.repeat(64);
    expect(HEX64.test(hex)).toBe(true);
    for (const bad of ['a'.repeat(63), 'a'.repeat(65), 'A'.repeat(64), `x${hex}`, `${hex}x`, 'g'.repeat(64)])
      expect(HEX64.test(bad), bad).toBe(false);
    expect(isHashString(`sha256:${hex}`)).toBe(true);
    expect(HASH_PATTERN.test(`sha256:${hex}`)).toBe(true);
    for (const bad of [
      hex,
      `sha256:${hex}0`,
      `sha256:${'a'.repeat(63)}`,
      `xsha256:${hex}`,
      `sha256:${hex.toUpperCase()}`,
      `sha512:${hex}`,
    ])
      expect(isHashString(bad), bad).toBe(false);
    expect(isHashString(42)).toBe(false);
  });

  it('hashOf hashes a string as its UTF-8 bytes; sha256Bytes is the raw digest', () => {
    expect(hashOf('abc')).toBe(`sha256:${ABC}`);
    expect(hashOf(utf8('abc'))).toBe(`sha256:${ABC}`);
    expect(toHex(sha256Bytes(utf8('abc')))).toBe(ABC);
    expect(hashOf('é')).toBe(`sha256:${createHash('sha256').update('é', 'utf8').digest('hex')}`);
  });

  it('useSha256 refuses a replacement that is not SHA-256 (whole or incremental) and keeps the old one', () => {
    const node: Sha256 = {
      digest: (data) => new Uint8Array(createHash('sha256').update(data).digest()),
      create: () => {
        const h = createHash('sha256');
        return { update: (chunk: Uint8Array) => void h.update(chunk), digest: () => new Uint8Array(h.digest()) };
      },
    };
    const wrongWhole: Sha256 = { ...node, digest: () => new Uint8Array(32) };
    const wrongIncremental: Sha256 = {
      ...node,
      create: () => ({ update: () => undefined, digest: () => new Uint8Array(32) }),
    };
    const wrongHex: Sha256 = { ...node, hex: () => '0'.repeat(64) };
    expect(() => useSha256(wrongWhole)).toThrow(/not SHA-256/);
    expect(() => useSha256(wrongIncremental)).toThrow(/not SHA-256/);
    expect(() => useSha256(wrongHex)).toThrow(/not SHA-256/);
    expect(hashOf('abc')).toBe(`sha256:${ABC}`);
    useSha256(node);
    expect(hashOf('abc')).toBe(`sha256:${ABC}`);
  });

  it('useSha256 checks a one-shot hex on both a string and its bytes, and hashOf then uses it', () => {
    const nodeHex = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');
    const node: Sha256 = {
      digest: (data) => new Uint8Array(createHash('sha256').update(data).digest()),
      create: () => {
        const h = createHash('sha256');
        return { update: (chunk: Uint8Array) => void h.update(chunk), digest: () => new Uint8Array(h.digest()) };
      },
    };
    const wrongOnText: Sha256 = { ...node, hex: (d) => (typeof d === 'string' ? '0'.repeat(64) : nodeHex(d)) };
    const wrongOnBytes: Sha256 = { ...node, hex: (d) => (typeof d === 'string' ? nodeHex(d) : '0'.repeat(64)) };
    expect(() => useSha256(wrongOnText)).toThrow('useSha256: "replacement" is not SHA-256');
    expect(() => useSha256(wrongOnBytes)).toThrow('useSha256: "replacement" is not SHA-256');
    let hexed = 0;
    useSha256({ ...node, hex: (d) => (hexed++, nodeHex(d)) });
    hexed = 0;
    expect(hashOf('é')).toBe(`sha256:${nodeHex('é')}`);
    expect(hashOf(utf8('abc'))).toBe(`sha256:${ABC}`);
    expect(hexed).toBe(2);
    useSha256(node);
  });

  it('the FIPS 180-2 vectors named in hash.ts are the digests of "abc" and of nothing', () => {
    expect(SHA256_ABC_HEX).toBe(createHash('sha256').update('abc').digest('hex'));
    expect(SHA256_EMPTY_HEX).toBe(createHash('sha256').update('').digest('hex'));
  });

  it('incrementalSha256 hashes chunk by chunk with the implementation in use', () => {
    const h = incrementalSha256();
    h.update(utf8('ab'));
    h.update(utf8('c'));
    expect(toHex(h.digest())).toBe(ABC);
  });

  it('useFileHasher refuses a hasher that is wrong on either vector alone', async () => {
    const right = () => {
      const h = createHash('sha256');
      return { update: (chunk: Uint8Array) => void h.update(chunk), digest: () => new Uint8Array(h.digest()) };
    };
    // Right on "abc" (3 bytes), wrong on 1,000,000 "a"s: what comes after the third byte is dropped.
    const wrongOnMillion = () => {
      const h = right();
      let n = 0;
      return { update: (chunk: Uint8Array) => ((n += chunk.length), n <= 3 && h.update(chunk)), digest: h.digest };
    };
    // Right on the million, wrong on "abc".
    const wrongOnAbc = () => {
      const h = right();
      let n = 0;
      return {
        update: (chunk: Uint8Array) => ((n += chunk.length), h.update(chunk)),
        digest: () => (n === 3 ? new Uint8Array(32) : h.digest()),
      };
    };
    await expect(useFileHasher(wrongOnMillion)).rejects.toThrow('useFileHasher: "make" does not make SHA-256');
    await expect(useFileHasher(wrongOnAbc)).rejects.toThrow('useFileHasher: "make" does not make SHA-256');
  });

  it('isHashString refuses a value that is not a string, even one whose text is a hash', () => {
    expect(isHashString([`sha256:${ABC}`])).toBe(false);
    expect(isHashString(`sha256:${ABC}`)).toBe(true);
  });

  it('hashingChunks passes every chunk through and reports the size and hash at the end', async () => {
    async function* chunks() {
      yield utf8('a');
      yield utf8('bc');
    }
    let digest: { bytes: number; sha256: string } | null = null;
    const seen: string[] = [];
    for await (const chunk of hashingChunks(chunks(), (d) => (digest = d))) seen.push(new TextDecoder().decode(chunk));
    expect(seen).toEqual(['a', 'bc']);
    expect(digest).toEqual({ bytes: 3, sha256: `sha256:${ABC}` });
    const h = createHasher();
    h.update(utf8('ab'));
    h.update(utf8('c'));
    expect(h.digest()).toBe(`sha256:${ABC}`);
  });
});

describe('canonical form', () => {
  it('canonicalize refuses what JSON cannot represent', () => {
    expect(() => canonicalize(undefined)).toThrow(TypeError);
    expect(() => canonicalize(() => 1)).toThrow(/not representable/);
  });

  it.each([
    ['{"a":1.5}', 'a'],
    ['{"a":[1,-1]}', 'a[1]'],
    ['{"a":{"b":[{"c":9007199254740992}]}}', 'a.b[0].c'],
    ['-2', '(the value)'],
    ['[0,[1,[2,0.5]]]', '[1][1][1]'],
  ])('a forbidden number: %s at %s', (line, path) => {
    const parsed = parseCanonical(line);
    expect(parsed).toMatchObject({ ok: false, reason: 'number' });
    expect(parsed.ok === false && parsed.message).toContain(` at ${path}:`);
  });

  it.each(['7', '0', '{"a":9007199254740991}', '[0,{"b":[1,2]}]', '"x"', 'null', '{"a":null,"b":[null,true]}'])(
    'allowed: %s',
    (line) => {
      expect(parseCanonical(line)).toEqual({ ok: true, value: JSON.parse(line) });
    },
  );

  it('a non-canonical line names the first differing character, with both excerpts', () => {
    const parsed = parseCanonical('{"b":1, "a":2}');
    expect(parsed).toMatchObject({ ok: false, reason: 'noncanonical' });
    expect(parsed.ok === false && parsed.message).toBe(
      'not in RFC 8785 canonical form: first difference at character 3 (found "{\\"b\\":1, \\"a\\":2}", canonical form has "{\\"a\\":2,\\"b\\":1}")',
    );
    const late = parseCanonical('{"aaaaaaaaaaaaaaaa":1,"b":2 }');
    expect(late.ok === false && late.message).toBe(
      'not in RFC 8785 canonical form: first difference at character 28 (found "a\\":1,\\"b\\":2 }", canonical form has "a\\":1,\\"b\\":2}")',
    );
  });

  it('invalid JSON is reason "json", naming the parser error', () => {
    expect(parseCanonical('{"a":')).toMatchObject({
      ok: false,
      reason: 'json',
      message: expect.stringMatching(/^not valid JSON \(/),
    });
  });

  it('signedTextOfCanonicalLine gives signedText for canonical lines, and null for anything else', () => {
    const objects = [
      { sig: 'ab' },
      { a: 1, sig: 'ab' },
      { sig: 'ab', z: [1, { y: 'q' }] },
      { a: 'x', b: { c: 2 }, sig: 'cd', t: 'u', v: null },
    ];
    for (const object of objects) {
      const line = canonicalize(object);
      expect(signedTextOfCanonicalLine(line, object), line).toBe(signedText(object));
      // A line that is not this object's: null, so the caller serializes instead.
      expect(signedTextOfCanonicalLine(line.replace('"sig":"', '"sig":"0'), object), line).toBeNull();
      expect(signedTextOfCanonicalLine(`${line} `, object), line).toBeNull();
    }
    expect(signedTextOfCanonicalLine('{"a":1}', { a: 1 })).toBeNull();
    expect(signedTextOfCanonicalLine('{"a":1,"sig":5}', { a: 1, sig: 5 })).toBeNull();
    expect(signedTextOfCanonicalLine('{"sig":"ab","z":2}', { sig: 'ab', z: 1 })).toBeNull();
  });
});

describe('strict Ed25519 encoding checks at their edges', () => {
  const secret = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
  const publicKey = publicKeyOf(secret);
  const message = utf8('edges');
  const signature = signBytes(message, secret);

  it('wrong lengths never pass, and never reach the native verifier', () => {
    expect(passesStrictEncodingChecks(signature, publicKey)).toBe(true);
    let reached = 0;
    const native = strictBefore({
      name: 'counting',
      verify: () => {
        reached++;
        return true;
      },
    });
    for (const [sig, pk] of [
      [signature.subarray(0, 63), publicKey],
      [concatBytes([signature, new Uint8Array(1)]), publicKey],
      [signature, publicKey.subarray(0, 31)],
      [signature, concatBytes([publicKey, new Uint8Array(1)])],
    ] as const) {
      expect(passesStrictEncodingChecks(sig, pk)).toBe(false);
      expect(native.verify(sig, message, pk)).toBe(false);
    }
    expect(reached).toBe(0);
    expect(native.verify(signature, message, publicKey)).toBe(true);
    expect(reached).toBe(1);
    expect(native.name).toBe('counting + strict RFC 8032 encoding checks');
  });

  it('y = p - 2 with the sign bit set is canonical (only y = ±1 have x = 0)', () => {
    expect(isCanonicalPointEncoding(withSign(P - 2n, 1))).toBe(true);
    expect(isCanonicalPointEncoding(withSign(P - 1n - 256n, 1))).toBe(true);
    expect(isCanonicalPointEncoding(withSign(1n + 256n, 1))).toBe(true);
    expect(isCanonicalPointEncoding(withSign(P - 1n, 1))).toBe(false);
  });

  it('the checks read at the given offset', () => {
    const padded = concatBytes([new Uint8Array(5), withSign(1n, 1)]);
    expect(isCanonicalPointEncoding(padded, 5)).toBe(false);
    expect(isCanonicalPointEncoding(padded, 0)).toBe(true);
    const identity = concatBytes([new Uint8Array(3), withSign(1n, 0)]);
    expect(isSmallOrderEncoding(identity, 3)).toBe(true);
    expect(isSmallOrderEncoding(identity, 0)).toBe(false);
    expect(isSmallOrderEncoding(publicKey)).toBe(false);
    expect(isScalarCanonical(signature)).toBe(true);
  });

  it('the reference verifier: its name, fresh random keys that sign and verify', () => {
    expect(nobleStrictVerifier.name).toBe('@noble/ed25519 (strict RFC 8032)');
    const a = randomSecretKey();
    const b = randomSecretKey();
    expect(a).toHaveLength(32);
    expect(bytesEqual(a, b)).toBe(false);
    expect(nobleStrictVerifier.verify(signBytes(message, a), message, publicKeyOf(a))).toBe(true);
    // A point that does not decode: false, not an exception.
    expect(nobleStrictVerifier.verify(signature, message, fromHex('02' + '00'.repeat(31)))).toBe(false);
  });
});

describe('RFC 3339 fields, one bound at a time', () => {
  it.each([
    '2026-00-10T00:00:00Z',
    '2026-13-10T00:00:00Z',
    '2026-01-00T00:00:00Z',
    '2026-01-32T00:00:00Z',
    '2026-01-10T24:00:00Z',
    '2026-01-10T00:60:00Z',
    '2026-01-10T00:00:61Z',
    '2025-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    ' 2026-01-10T00:00:00Z',
    '2026-01-10T00:00:00Zx',
    'x2026-01-10T00:00:00Z',
    '2026-01-10T00:00:00.Z',
  ])('%s is not a time', (text) => {
    expect(instantOf(text)).toBeNull();
    expect(isTime(text)).toBe(false);
    expect(parseTime(text)).toBeNull();
  });

  it.each([
    ['2026-01-10T23:59:59Z', Date.UTC(2026, 0, 10, 23, 59, 59)],
    ['2024-02-29T12:00:00.250Z', Date.UTC(2024, 1, 29, 12, 0, 0, 250)],
    ['2026-12-31T00:00:00Z', Date.UTC(2026, 11, 31)],
    ['2026-01-01T00:00:00.000001Z', Date.UTC(2026, 0, 1)],
  ])('%s is a time', (text, ms) => {
    expect(instantOf(text)).not.toBeNull();
    expect(isTime(text)).toBe(true);
    expect(parseTime(text)).toBe(ms);
  });

  it('a leap second (:60) is a time as RFC 3339 allows', () => {
    expect(isTime('2016-12-31T23:59:60Z')).toBe(true);
  });
});
