/**
 * Policy bundles as sides of a comparison: from an archive (resolved as verification
 * resolves them) or from a file given by the auditor (a proposed change, "what-if"), whose
 * signatures are checked and shown, never required.
 */
import { checkBundleFile } from '../engine/policies.ts';
import type { Keyring } from '../engine/types.ts';
import { fromHex, utf8 } from '../format/bytes.ts';
import { canonicalize } from '../format/canonical.ts';
import type { SignatureVerifier } from '../format/ed25519.ts';
import { hashOf } from '../format/hash.ts';
import { PolicyFileSchema, validate } from '../format/schema.ts';
import type { BundleSide } from './diff.ts';

export interface BundleSigner {
  readonly kid: string;
  /** Null when the key cannot sign policies at the bundle's effective_from (`problem` says why). */
  readonly valid: boolean | null;
  readonly anchored: boolean;
  readonly problem: string | null;
}

/** Each signature of a bundle, judged as verification judges it (policy key at effective_from, over C(bundle)). */
export function bundleSigners(
  effectiveFrom: string,
  signatures: unknown,
  canonicalBundle: string,
  keyring: Keyring,
  verifier: SignatureVerifier,
): BundleSigner[] {
  if (!Array.isArray(signatures)) return [];
  const message = utf8(canonicalBundle);
  return signatures.map((raw): BundleSigner => {
    const s = raw as { kid?: unknown; sig?: unknown };
    const kid = typeof s.kid === 'string' ? s.kid : '';
    const use = keyring.check(kid, 'policy', effectiveFrom);
    if (!use.ok) return { kid, valid: null, anchored: false, problem: use.message };
    let valid = false;
    try {
      valid = typeof s.sig === 'string' && verifier.verify(fromHex(s.sig), message, use.publicKey);
    } catch {
      valid = false;
    }
    return { kid, valid, anchored: use.anchored, problem: valid ? null : 'the signature does not verify' };
  });
}

/**
 * A bundle file's content as a side: its identity `H(C(bundle))`, body and signers.
 * @returns the side, or why the value is not a policy bundle
 */
export function bundleSide(
  path: string,
  value: unknown,
  keyring: Keyring,
  verifier: SignatureVerifier,
  inArchive: boolean,
): BundleSide | { readonly error: string } {
  const checked = validate(PolicyFileSchema, value);
  if (!checked.ok) return { error: `${path} is not a policy bundle: ${checked.message}` };
  if (inArchive) {
    // The engine's own reading, so identity and signature status are those verification reports.
    const bundle = checkBundleFile(path, value, keyring, verifier, undefined).bundle;
    if (!bundle) return { error: `${path} is not a policy bundle` };
  }
  const text = canonicalize((value as { bundle: unknown }).bundle);
  const signers = bundleSigners(checked.value.bundle.effective_from, checked.value.signatures, text, keyring, verifier);
  return {
    hash: hashOf(text),
    body: checked.value.bundle,
    path,
    inArchive,
    // As verification says it: at least one valid signature by a key anchored in a pinned root.
    signatureValid: signers.some((s) => s.valid === true && s.anchored),
    signers,
  };
}
