/**
 * Proposed bundle files ("what-if"), held in this window's memory only, by archive and
 * bundle hash: a file the auditor opened is not part of the evidence, so it is neither
 * stored nor put in an address. After a reload it is gone and the screens say so.
 */
import type { BundleSide } from '../../../shared/policy/diff.ts';

const proposed = new Map<string, BundleSide>();
const key = (archiveId: string, hash: string) => `${archiveId}\n${hash}`;

export function rememberProposed(archiveId: string, side: BundleSide): void {
  proposed.set(key(archiveId, side.hash), side);
}

export function proposedFor(archiveId: string, hash: string): BundleSide | undefined {
  return proposed.get(key(archiveId, hash));
}

/** The proposed files opened for this archive in this window, in the order opened. */
export function proposedList(archiveId: string): BundleSide[] {
  const prefix = `${archiveId}\n`;
  return [...proposed].filter(([k]) => k.startsWith(prefix)).map(([, side]) => side);
}
