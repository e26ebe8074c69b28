/**
 * keys.json (FORMAT.md §3): root entries, entries certified by a root, revocations.
 *
 * A root entry carries no `cert`: trust in it comes from outside the archive (the
 * verifier's `--trust-root`). Every other entry is bound to a root by `cert.sig` over
 * `C(entry without cert)`, so a certificate covers the roles and validity, not only the key.
 */
import { canonicalize } from '../format/canonical.ts';
import type { KeyEntry, Revocation, Role } from '../format/schema.ts';
import { ROLES } from '../format/schema.ts';
import { isTime } from '../format/time.ts';
import { nobleSigner, signCanonical, type ProducerKey, type Signer } from './keys.ts';

/** When a key may sign: RFC 3339 UTC times, inclusive. */
export interface Validity {
  readonly notBefore: string;
  readonly notAfter: string;
}

function checkValidity(validity: Validity, where: string): void {
  if (!isTime(validity?.notBefore)) throw new TypeError(`${where}: "validity.notBefore" must be an RFC 3339 UTC time`);
  if (!isTime(validity.notAfter)) throw new TypeError(`${where}: "validity.notAfter" must be an RFC 3339 UTC time`);
}

function unsignedEntry(key: ProducerKey, roles: readonly Role[], validity: Validity): KeyEntry {
  return {
    alg: 'ed25519',
    kid: key.kid,
    not_after: validity.notAfter,
    not_before: validity.notBefore,
    public_key: key.publicKey,
    roles: [...roles],
  };
}

/**
 * A `root` entry (no `cert`).
 * @throws TypeError when a validity time is not RFC 3339 UTC.
 */
export function rootKeyEntry(root: ProducerKey, validity: Validity): KeyEntry {
  checkValidity(validity, 'rootKeyEntry');
  return unsignedEntry(root, ['root'], validity);
}

/**
 * An entry for `key` with `roles`, certified by `root`.
 * @throws TypeError for an unknown or `root` role (roots are not certified) or a bad time.
 * @example certifiedKeyEntry(gate, ['gate'], { notBefore, notAfter }, root)
 */
export function certifiedKeyEntry(
  key: ProducerKey,
  roles: readonly Role[],
  validity: Validity,
  root: ProducerKey,
  sign: Signer = nobleSigner,
): KeyEntry {
  checkValidity(validity, 'certifiedKeyEntry');
  if (!Array.isArray(roles) || roles.length === 0)
    throw new TypeError('certifiedKeyEntry: "roles" must name at least one role');
  for (const role of roles) {
    if (!(ROLES as readonly string[]).includes(role) || role === 'root') {
      throw new TypeError(
        `certifiedKeyEntry: "roles" may not contain ${JSON.stringify(role)} (root keys are not certified)`,
      );
    }
  }
  const entry = unsignedEntry(key, roles, validity);
  return { ...entry, cert: { kid: root.kid, sig: signCanonical(entry, root, sign) } };
}

/**
 * A revocation of `kid` by `root`: signatures by `kid` claimed at or after `revokedAt`
 * are `KEY_REVOKED`. The signature covers only `kid`, `reason` and `revoked_at`.
 * @throws TypeError when `revokedAt` is not RFC 3339 UTC.
 */
export function revocation(
  kid: string,
  reason: string,
  revokedAt: string,
  root: ProducerKey,
  sign: Signer = nobleSigner,
): Revocation {
  if (!isTime(revokedAt)) throw new TypeError('revocation: "revokedAt" must be an RFC 3339 UTC time');
  const signed = { kid, reason, revoked_at: revokedAt };
  return { ...signed, by: root.kid, sig: signCanonical(signed, root, sign) };
}

/** keys.json as a value and as its stored (canonical) text. */
export function keysJson(
  keys: readonly KeyEntry[],
  revocations: readonly Revocation[] = [],
): { value: { keys: KeyEntry[]; revocations: Revocation[] }; text: string } {
  const value = { keys: [...keys], revocations: [...revocations] };
  return { value, text: canonicalize(value) };
}
