/**
 * What the engine's rule tests (segment-rules, ledger-rules) share: times by seq, key ids,
 * signatures and a stub keyring that answers by key id, so each rule is seen against the
 * same made-up keys.
 */
import { instantOf, type Instant } from '../format/time.ts';
import type { KeyUse, Keyring } from './types.ts';

export const two = (n: number) => String(n).padStart(2, '0');
/** The time of seq `n`: `n` seconds past 2026-01-01T00:00:00Z. */
export const ts = (n: number) =>
  `2026-01-01T${two(Math.floor(n / 3600))}:${two(Math.floor(n / 60) % 60)}:${two(n % 60)}Z`;
export const at = (t: string) => instantOf(t) as Instant;

export const KID = 'a1'.repeat(16);
export const KID_UNANCHORED = 'b2'.repeat(16);
export const KID_REVOKED = 'c3'.repeat(16);
export const SIG = 'ab'.repeat(64);
/** The stub verifiers answer false for this signature only (its first byte is 0xcd). */
export const BAD_SIG = 'cd'.repeat(64);
export const PUBLIC_KEY = new Uint8Array(32).fill(7);

/**
 * A keyring that knows KID (anchored), KID_UNANCHORED and KID_REVOKED, and records each
 * question in `calls`. With `onlyRole`, a key asked for another role is refused first, as
 * the real keyring does.
 */
export function stubKeyring(calls: unknown[] = [], onlyRole?: string): Keyring {
  return {
    check(kid, role, when): KeyUse {
      calls.push([kid, role, when]);
      if (onlyRole !== undefined && role !== onlyRole)
        return { ok: false, code: 'KEY_ROLE_MISMATCH', message: `not a ${role} key` };
      if (kid === KID) return { ok: true, publicKey: PUBLIC_KEY, anchored: true };
      if (kid === KID_UNANCHORED) return { ok: true, publicKey: PUBLIC_KEY, anchored: false };
      if (kid === KID_REVOKED) return { ok: false, code: 'KEY_REVOKED', message: 'key was revoked at 2026-01-01' };
      return { ok: false, code: 'KEY_UNKNOWN', message: `no key ${kid}` };
    },
  };
}
