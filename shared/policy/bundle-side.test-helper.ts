/**
 * A bundle version to replay under, for tests of the impact and the replay: signed and in the
 * archive as far as the code under test asks, with only its hash and policies chosen.
 */
import type { BundleBody } from '../format/schema.ts';
import type { BundleSide } from './diff.ts';

export const side = (hash: string, policies: Record<string, string>): BundleSide => ({
  hash,
  body: {
    id: 'b',
    version: 1,
    effective_from: '2026-01-01T00:00:00Z',
    supersedes: null,
    cedar: { policies },
  } as BundleBody,
  path: 'p',
  inArchive: true,
  signatureValid: true,
  signers: [],
});
