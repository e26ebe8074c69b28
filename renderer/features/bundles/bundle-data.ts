/**
 * An archive's policy bundles as the bundles screens need them: each bundle file kept at
 * import, read as a side of a comparison (`bundleSide`: identity, body, signers judged
 * against the archive's keys and the roots pinned when it was verified), and the versions
 * the verification report lists, for archives whose texts were not kept.
 */
import type { Keyring } from '../../../shared/engine/types.ts';
import { buildKeyringAhead } from '../../../shared/engine/keys.ts';
import { nobleStrictVerifier } from '../../../shared/format/ed25519.ts';
import { RememberingVerifier } from '../../../shared/format/remembering-verifier.ts';
import { runtimeWebCryptoVerifier } from '../../../shared/format/webcrypto-ed25519.ts';
import { KEYS_PATH, POLICIES_DIR } from '../../../shared/format/layout.ts';
import type { BundleSide } from '../../../shared/policy/diff.ts';
import { bundleSide } from '../../../shared/policy/sides.ts';
import { parseDocument } from '../../../shared/explain/materials-text.ts';
import type { LoadedArchive } from '../../store/archives.ts';
import { db } from '../../store/db.ts';
import type { VersionInput } from './lineage.ts';

export interface ArchiveBundles {
  /** The import kept the archive's files (false: imported before the workbench kept them). */
  readonly filesKept: boolean;
  /** Bundles whose text the store holds, read as sides. */
  readonly sides: readonly BundleSide[];
  /** Bundle files that could not be read as a side, with why. */
  readonly problems: readonly { readonly path: string; readonly message: string }[];
  /** The archive's keys anchored in its pinned roots: a proposed file's signatures are judged with it. */
  readonly keyring: Keyring;
  /** Why signers could not be judged (keys.json not kept), or null. */
  readonly keysNote: string | null;
  /** Every version for the timeline: from the texts where kept, else from the report. */
  readonly versions: readonly VersionInput[];
}

/** Reads the archive's kept bundle files and keys. Never throws for a file it cannot read: it says why. */
export async function loadArchiveBundles(loaded: LoadedArchive): Promise<ArchiveBundles> {
  const { archive } = loaded;
  const archiveId = archive.id;
  const [bundleRows, keysRow, anyFile] = await Promise.all([
    db.archiveFiles
      .where('[archiveId+path]')
      .between([archiveId, POLICIES_DIR], [archiveId, POLICIES_DIR + '\uffff'])
      .toArray(),
    db.archiveFiles.get([archiveId, KEYS_PATH]),
    db.archiveFiles.where('archiveId').equals(archiveId).limit(1).primaryKeys(),
  ]);
  const filesKept = anyFile.length > 0;
  const keysValue = parseDocument(keysRow?.text);
  // keys.json's signatures verified with WebCrypto, off the window's thread: an archive may
  // certify a key or two for each of hundreds of ledgers, and the reference verifier (pure
  // JavaScript) held the window a second for 500.
  const keyring = (
    await buildKeyringAhead(
      keysValue,
      archive.trustedRoots,
      new RememberingVerifier(nobleStrictVerifier, { maxEntries: Infinity }),
      await runtimeWebCryptoVerifier(),
    )
  ).keyring;
  const keysNote =
    !filesKept || keysValue !== undefined
      ? null
      : keysRow
        ? 'keys.json was kept but could not be read as JSON, so no signer could be judged.'
        : 'keys.json was not kept at import, so no signer could be judged.';
  const sides: BundleSide[] = [];
  const problems: { path: string; message: string }[] = [];
  for (const file of bundleRows.filter((f) => f.kind === 'bundle').sort((a, b) => (a.path < b.path ? -1 : 1))) {
    if (file.text === undefined) {
      problems.push({ path: file.path, message: 'its text was not kept at import (larger than the store keeps)' });
      continue;
    }
    const value = parseDocument(file.text);
    if (value === undefined) {
      problems.push({ path: file.path, message: 'it is not JSON' });
      continue;
    }
    const side = bundleSide(file.path, value, keyring, nobleStrictVerifier, true);
    if ('error' in side) problems.push({ path: file.path, message: side.error });
    else sides.push(side);
  }
  const byHash = new Map(sides.map((s) => [s.hash, s]));
  const versions: VersionInput[] = sides.map(versionOfSide);
  // What the report lists and no kept text gives: from the report, with what it does not say left unknown.
  for (const b of archive.report.bundles)
    if (!byHash.has(b.hash))
      versions.push({
        hash: b.hash,
        id: b.id,
        version: b.version,
        path: b.path,
        effectiveFrom: b.effectiveFrom,
        effectiveUntil: b.effectiveUntil,
        supersedes: undefined,
        signatureValid: b.signatureValid,
        signers: null,
        policyIds: b.policyIds,
      });
  return { filesKept, sides, problems, keyring, keysNote, versions };
}

export function versionOfSide(side: BundleSide): VersionInput {
  return {
    hash: side.hash,
    id: side.body.id,
    version: side.body.version,
    path: side.path,
    effectiveFrom: side.body.effective_from,
    effectiveUntil: side.body.effective_until ?? null,
    supersedes: side.body.supersedes,
    signatureValid: side.signatureValid === true,
    signers: side.signers,
    policyIds: Object.keys(side.body.cedar.policies).sort(),
  };
}

/** A proposed ("what-if") bundle file's text read as a side, its signatures judged with the archive's keys. */
export function proposedSide(
  fileName: string,
  text: string,
  keyring: Keyring,
): { readonly side: BundleSide } | { readonly error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    return { error: `${fileName} is not JSON: ${(error as Error).message}` };
  }
  const side = bundleSide(fileName, value, keyring, nobleStrictVerifier, false);
  return 'error' in side ? side : { side };
}

/** How a side is named on screen: `agents-prod v2` and, for a proposed file, its name. */
export function sideName(side: BundleSide): string {
  return `${side.body.id} v${side.body.version}${side.inArchive ? '' : ` (proposed: ${side.path})`}`;
}

export const shortHash = (hash: string) => `${hash.slice(0, 19)}…`;
