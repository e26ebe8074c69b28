/** SHA-256 through node:crypto for the command line and its workers (see useSha256). */
import { createHash, hash } from 'node:crypto';
import { useSha256, type Sha256 } from '../shared/format/hash.ts';

export const nodeSha256: Sha256 = {
  // One-shot (node:crypto's hash(), Node 20.12+): no Hash object for a short message.
  digest: (data) => hash('sha256', data, 'buffer'),
  create: () => {
    const h = createHash('sha256');
    return { update: (chunk) => void h.update(chunk), digest: () => h.digest() };
  },
  // One-shot hex (node:crypto's hash(), Node 20.12+): about half the cost of a Hash object
  // for a line or a memo key, which is most of the hashing a verification does.
  hex: (data) => hash('sha256', data, 'hex'),
};

/** Makes every hash in this thread native. Call once per thread, before verifying. */
export function useNativeSha256(): void {
  useSha256(nodeSha256);
}
