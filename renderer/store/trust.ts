/**
 * The auditor's trust store: root keys pinned on purpose, each with how and when it was
 * pinned. Trust-on-first-use is recorded as such and never happens silently.
 */
import { db, type PinMethod, type TrustedRootRow } from './db.ts';
import { kidOf } from './trust-keys.ts';

export interface PinRequest {
  readonly publicKey: string;
  readonly label: string;
  readonly method: PinMethod;
  readonly note: string;
  readonly sourceArchive?: { id: string; name: string };
}

/** Pins a root (or re-records an existing pin with the new reason). */
export async function pinRoot(request: PinRequest): Promise<TrustedRootRow> {
  const row: TrustedRootRow = {
    publicKey: request.publicKey,
    kid: kidOf(request.publicKey),
    label: request.label.trim() || 'Unnamed root',
    method: request.method,
    pinnedAt: new Date().toISOString(),
    tofu: request.method === 'trust-on-first-use',
    note: request.note,
    ...(request.sourceArchive ? { sourceArchive: request.sourceArchive } : {}),
  };
  await db.trustedRoots.put(row);
  return row;
}

export async function unpinRoot(publicKey: string): Promise<void> {
  await db.trustedRoots.delete(publicKey);
}

export async function trustedRootKeys(): Promise<string[]> {
  return (await db.trustedRoots.toArray()).map((r) => r.publicKey);
}
