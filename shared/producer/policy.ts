/**
 * Signed policy bundles (FORMAT.md §4). A bundle's identity is `H(C(bundle))`, the hash
 * receipts name in `decision.bundle` and the next version names in `supersedes`.
 */
import { canonicalize } from '../format/canonical.ts';
import { hashOf } from '../format/hash.ts';
import { BundleBodySchema, validate, type BundleBody, type PolicyFile } from '../format/schema.ts';
import { nobleSigner, signCanonical, type ProducerKey, type Signer } from './keys.ts';

export interface SignedBundle {
  /** The policy file: `{bundle, signatures}`. */
  readonly file: PolicyFile;
  /** The file's stored form, `C(file)`. */
  readonly text: string;
  /** `H(C(bundle))`: the bundle's identity. */
  readonly hash: string;
}

/**
 * Signs `body` with every key in `signers` (each must hold the `policy` role in keys.json).
 * To chain versions, pass the previous bundle's `hash` as `body.supersedes`.
 * @throws TypeError when `body` does not match the bundle schema or `signers` is empty:
 *   a producer must never emit a bundle a verifier rejects as malformed.
 * @example const v2 = signBundle({ ...v2Body, supersedes: v1.hash }, [policyKey]);
 */
export function signBundle(
  body: BundleBody,
  signers: readonly ProducerKey[],
  sign: Signer = nobleSigner,
): SignedBundle {
  const checked = validate(BundleBodySchema, body);
  if (!checked.ok) throw new TypeError(`signBundle: "body" is not a valid bundle (${checked.message})`);
  if (!Array.isArray(signers) || signers.length === 0)
    throw new TypeError('signBundle: "signers" must hold at least one policy key');
  const bundleText = canonicalize(body);
  const signatures = signers.map((key) => ({ kid: key.kid, sig: signCanonical(body, key, sign) }));
  const file: PolicyFile = { bundle: body, signatures };
  return { file, text: canonicalize(file), hash: hashOf(bundleText) };
}
