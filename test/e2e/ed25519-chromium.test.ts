/**
 * The app's WebCrypto verifier (shared/format/webcrypto-ed25519.ts, what the window's segment
 * workers use) run inside Debian's Chromium, whose Ed25519 is BoringSSL, not Node's OpenSSL:
 * every Wycheproof vector, public keys that are not canonical encodings, and the eight points
 * of small order must get the strict reference's answer. For the keys, the signature is one
 * the bare native equation accepts (R = identity, S = 0 over a message found for it), so only
 * the strict checks in front of it stand between a forger and "valid".
 */
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import * as ed from '@noble/ed25519';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { nobleStrictVerifier } from '../../shared/format/ed25519.ts';
import { fromHex } from '../../shared/format/bytes.ts';
import { SMALL_ORDER_POINTS } from '../support/small-order.ts';
import { readVectorJson } from '../support/vectors.ts';
import { loadModuleInPage, openWorkbench, type Workbench } from './browser.ts';

interface WycheproofFile {
  numberOfTests: number;
  testGroups: { publicKey: { pk: string }; tests: { tcId: number; msg: string; sig: string; result: string }[] }[];
}
interface Case {
  readonly name: string;
  readonly pk: string;
  readonly msg: string;
  readonly sig: string;
  readonly valid: boolean;
}

const wycheproof = readVectorJson<WycheproofFile>('wycheproof/ed25519_test.json');
const wycheproofCases: Case[] = wycheproof.testGroups.flatMap((g) =>
  g.tests.map((t) => {
    if (t.result !== 'valid' && t.result !== 'invalid') throw new Error(`unknown result ${t.result} (tcId ${t.tcId})`);
    return {
      name: `Wycheproof tcId ${t.tcId}`,
      pk: g.publicKey.pk,
      msg: t.msg,
      sig: t.sig,
      valid: t.result === 'valid',
    };
  }),
);

/** The canonical encodings of the eight points of order dividing 8 (checked below with noble). */
const SMALL_ORDER = SMALL_ORDER_POINTS;
/** Encodings that are not canonical (y ≥ p, or x = 0 with the sign bit set); all of small order. */
const NON_CANONICAL = [
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = p + 1: the identity
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', // y = p + 1, sign bit set
  '0100000000000000000000000000000000000000000000000000000000000080', // y = 1, sign bit set
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', // y = p - 1, sign bit set
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', // y = p, sign bit set
];
const IDENTITY_R_ZERO_S = '01' + '00'.repeat(63);

/**
 * A message for which OpenSSL's bare Ed25519 (node:crypto, nothing in front) accepts R =
 * identity, S = 0 under `pk`: the case then shows what the strict checks stop.
 */
function forgeableMessage(pk: string): string {
  const key = createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(pk, 'hex')]),
    format: 'der',
    type: 'spki',
  });
  for (let n = 0; n < 512; n++) {
    const msg = Buffer.from(`receipt ${n}`).toString('hex');
    if (nodeVerify(null, Buffer.from(msg, 'hex'), key, Buffer.from(IDENTITY_R_ZERO_S, 'hex'))) return msg;
  }
  throw new Error(`OpenSSL accepts no R = identity, S = 0 signature under ${pk}: the case would prove nothing`);
}

const keyCases: Case[] = [
  ...SMALL_ORDER.map((pk) => ({
    name: `small-order key ${pk}`,
    pk,
    msg: forgeableMessage(pk),
    sig: IDENTITY_R_ZERO_S,
    valid: false,
  })),
  ...NON_CANONICAL.map((pk) => ({
    name: `non-canonical key ${pk}`,
    pk,
    msg: forgeableMessage(pk),
    sig: IDENTITY_R_ZERO_S,
    valid: false,
  })),
];

interface PageAnswer {
  readonly name: string;
  /** The app's verifier (strict checks, then BoringSSL). */
  readonly strict: boolean;
  /** BoringSSL alone, for the record (null: it refused the key). */
  readonly bare: boolean | null;
}

describe("Ed25519 in Chromium through the app's WebCrypto verifier", () => {
  let wb: Workbench;
  let answers: Map<string, PageAnswer>;
  let verifierName: string | null;

  beforeAll(async () => {
    wb = await openWorkbench(inject('baseUrl'));
    await loadModuleInPage(wb.page, 'shared/format/webcrypto-ed25519.ts', '__tickmarkWebCrypto');
    const result = await wb.page.evaluate(
      async (cases: Case[]) => {
        const hex = (h: string) =>
          Uint8Array.from({ length: h.length / 2 }, (_, i) => parseInt(h.slice(2 * i, 2 * i + 2), 16));
        const module = (
          window as unknown as { __tickmarkWebCrypto: typeof import('../../shared/format/webcrypto-ed25519.ts') }
        ).__tickmarkWebCrypto;
        const verifier = await module.webCryptoVerifier();
        if (!verifier) return { name: null, answers: [] };
        const answers: PageAnswer[] = [];
        for (const c of cases) {
          const strict = await verifier.verifyAsync(hex(c.sig), hex(c.msg), hex(c.pk));
          let bare: boolean | null;
          try {
            const key = await crypto.subtle.importKey('raw', hex(c.pk), { name: 'Ed25519' }, false, ['verify']);
            bare = await crypto.subtle.verify({ name: 'Ed25519' }, key, hex(c.sig), hex(c.msg));
          } catch {
            bare = null;
          }
          answers.push({ name: c.name, strict, bare });
        }
        return { name: verifier.name, answers };
      },
      [...wycheproofCases, ...keyCases],
    );
    verifierName = result.name;
    answers = new Map(result.answers.map((a) => [a.name, a]));
    const bareAccepted = result.answers.filter((a) => a.bare === true && keyCases.some((c) => c.name === a.name));
    console.log(
      `ed25519-chromium: ${result.answers.length} cases through "${result.name}"; BoringSSL alone accepts the forged signature under ${bareAccepted.length} of ${keyCases.length} small-order or non-canonical keys`,
    );
  });
  afterAll(async () => {
    await wb?.close();
  });

  it('Chromium has WebCrypto Ed25519, and the app uses it (behind the strict checks)', () => {
    expect(verifierName).toBe('WebCrypto Ed25519 + strict RFC 8032 encoding checks');
    expect(answers.size).toBe(wycheproofCases.length + keyCases.length);
  });

  it('the vector files are whole: every Wycheproof test, eight distinct small-order points (checked with noble)', () => {
    expect(wycheproofCases).toHaveLength(wycheproof.numberOfTests);
    expect(new Set(SMALL_ORDER).size).toBe(8);
    for (const pk of SMALL_ORDER) {
      const point = ed.Point.fromHex(pk);
      expect(point.isSmallOrder(), pk).toBe(true);
      expect(point.toHex(), `${pk} is the canonical encoding`).toBe(pk);
    }
    for (const pk of NON_CANONICAL) {
      const point = ed.Point.fromBytes(fromHex(pk), true); // ZIP-215 decoding accepts these encodings
      expect(point.isSmallOrder(), pk).toBe(true);
      expect(point.toHex(), `${pk} is not canonical`).not.toBe(pk);
      expect(SMALL_ORDER).toContain(point.toHex());
    }
  });

  it.each(wycheproofCases)('$name: $valid', (c) => {
    expect(answers.get(c.name)?.strict).toBe(c.valid);
    expect(nobleStrictVerifier.verify(fromHex(c.sig), fromHex(c.msg), fromHex(c.pk))).toBe(c.valid);
  });

  it.each(keyCases)('$name: rejected, as by the strict reference', (c) => {
    expect(nobleStrictVerifier.verify(fromHex(c.sig), fromHex(c.msg), fromHex(c.pk))).toBe(false);
    expect(answers.get(c.name)?.strict).toBe(false);
  });
});
