/**
 * DSSE (Dead Simple Signing Envelope, secure-systems-lab/dsse v1.0): the signature is over
 * the pre-authentication encoding PAE(type, body) =
 * "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, with LEN in ASCII decimal bytes, so a
 * verifier needs no JSON canonicalization to rebuild the signed bytes (OpenSSL can verify
 * them: docs/WORKPAPER.md). Signatures here are pure Ed25519 (RFC 8032).
 */
import { bytesEqual, concatBytes, fromBase64, fromHex, toBase64, toHex, utf8 } from '../format/bytes.ts';
import type { SignatureVerifier } from '../format/ed25519.ts';

/** The envelope's base64, kept importable from here for its callers. */
export { fromBase64, toBase64 } from '../format/bytes.ts';

export interface DsseSignature {
  /** Hex of the signer's Ed25519 public key (the key id convention of this tool). */
  readonly keyid: string;
  /** Base64 of the 64-byte signature. */
  readonly sig: string;
}

export interface DsseEnvelope {
  readonly payloadType: string;
  /** Base64 of the payload bytes. */
  readonly payload: string;
  readonly signatures: readonly DsseSignature[];
}

/** Signs bytes with one Ed25519 key; asynchronous (a key may live in another process or a browser's key store). */
export interface EnvelopeSigner {
  /** 64 lowercase hex digits. */
  readonly publicKey: string;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

export function pae(payloadType: string, body: Uint8Array): Uint8Array {
  const type = utf8(payloadType);
  return concatBytes([utf8(`DSSEv1 ${type.length} `), type, utf8(` ${body.length} `), body]);
}

export async function signEnvelope(
  payloadType: string,
  payload: Uint8Array,
  signers: readonly EnvelopeSigner[],
): Promise<DsseEnvelope> {
  const message = pae(payloadType, payload);
  const signatures: DsseSignature[] = [];
  for (const signer of signers) signatures.push({ keyid: signer.publicKey, sig: toBase64(await signer.sign(message)) });
  return { payloadType, payload: toBase64(payload), signatures };
}

export type EnvelopeCheck =
  | {
      readonly ok: true;
      readonly payload: Uint8Array;
      /** Public keys (hex) of the signatures that verify. */
      readonly validSigners: readonly string[];
      /** Signatures that do not verify, or whose key was not named, each with why. */
      readonly problems: readonly string[];
    }
  | { readonly ok: false; readonly problems: readonly string[] };

/**
 * Checks an envelope's shape and every signature against its `keyid` public key. Which
 * keys are acceptable is the caller's decision (compare `validSigners` with the signers it
 * trusts). Never throws for a bad envelope.
 */
export function checkEnvelope(value: unknown, expectedType: string, verifier: SignatureVerifier): EnvelopeCheck {
  const e = value as Partial<DsseEnvelope> | null;
  if (typeof e !== 'object' || e === null) return { ok: false, problems: ['the envelope is not a JSON object'] };
  if (e.payloadType !== expectedType)
    return { ok: false, problems: [`payloadType is ${JSON.stringify(e.payloadType)}, expected ${expectedType}`] };
  const payload = typeof e.payload === 'string' ? fromBase64(e.payload) : null;
  if (!payload) return { ok: false, problems: ['payload is not standard base64'] };
  if (!Array.isArray(e.signatures) || e.signatures.length === 0)
    return { ok: false, problems: ['the envelope carries no signature'] };
  const message = pae(expectedType, payload);
  const validSigners: string[] = [];
  const problems: string[] = [];
  e.signatures.forEach((s: Partial<DsseSignature>, i) => {
    const keyid = typeof s?.keyid === 'string' ? s.keyid : '';
    const sig = typeof s?.sig === 'string' ? fromBase64(s.sig) : null;
    if (!/^[0-9a-f]{64}$/.test(keyid)) problems.push(`signature ${i + 1}: keyid is not a 64-hex Ed25519 public key`);
    else if (!sig || sig.length !== 64) problems.push(`signature ${i + 1} (${keyid}): not a base64 Ed25519 signature`);
    else if (!verifier.verify(sig, message, fromHex(keyid)))
      problems.push(`signature ${i + 1} (${keyid}): does not verify over the payload`);
    else validSigners.push(keyid);
  });
  return { ok: true, payload, validSigners, problems };
}

/** Whether two envelopes carry the same payload bytes. */
export function samePayload(a: DsseEnvelope, b: DsseEnvelope): boolean {
  const x = fromBase64(a.payload);
  const y = fromBase64(b.payload);
  return x !== null && y !== null && bytesEqual(x, y);
}

export { toHex };
