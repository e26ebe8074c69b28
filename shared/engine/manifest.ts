/**
 * The archive manifest (FORMAT.md §2): format, signature by an `archive`-role key, and
 * a file list that names every other entry exactly once with its size and SHA-256.
 */
import type { DigestLookup } from './file-digests.ts';
import { HashColumn } from './hash-column.ts';
import type { SignatureVerifier } from '../format/ed25519.ts';
import { ManifestSchema, validate, type Manifest } from '../format/schema.ts';
import { finding, type Finding } from './findings.ts';
import { verifySigned, type StoredForm } from './keys.ts';
import { FORMAT_ID, MANIFEST_PATH } from '../format/layout.ts';
import type { Keyring } from './types.ts';

export { MANIFEST_PATH };

export interface ManifestCheck {
  readonly manifest: Manifest | null;
  readonly anchored: boolean;
  readonly findings: Finding[];
}

/**
 * Schema, format and signature of a parsed manifest.json.
 * @param stored how its text was read (`readStoredLine`), for its signed bytes (`verifySigned`)
 */
export function checkManifest(
  value: unknown,
  keyring: Keyring,
  verifier: SignatureVerifier,
  stored?: StoredForm,
): ManifestCheck {
  const at = { path: MANIFEST_PATH };
  const findings: Finding[] = [];
  const format = (value as { format?: unknown } | null)?.format;
  if (format !== FORMAT_ID) {
    findings.push(
      finding(
        'FORMAT_UNSUPPORTED',
        `The manifest declares format ${JSON.stringify(format ?? null)}; this verifier reads ${FORMAT_ID} only, so its results may not apply.`,
        at,
      ),
    );
  }
  const checked = validate(ManifestSchema, value);
  if (!checked.ok) {
    findings.push(finding('RECORD_MALFORMED', `manifest.json is not a valid manifest: ${checked.message}.`, at));
    return { manifest: null, anchored: false, findings };
  }
  const manifest = checked.value;
  const use = keyring.check(manifest.kid, 'archive', manifest.created_at);
  let anchored = false;
  if (!use.ok) {
    findings.push(finding(use.code, `Manifest signature: ${use.message}.`, at));
  } else if (!verifySigned(value as Record<string, unknown>, use.publicKey, verifier, stored)) {
    findings.push(
      finding(
        'MANIFEST_SIGNATURE_INVALID',
        `The manifest's signature does not verify with archive key ${manifest.kid}: the manifest was changed after signing.`,
        at,
      ),
    );
  } else {
    anchored = use.anchored;
  }
  return { manifest, anchored, findings };
}

/** What the manifest says of one file. */
export interface ListedFile {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

/**
 * A checked manifest's file list kept for the run in columns (paths, sizes, hashes as 32 bytes),
 * each file made again as it is read: a list of 100,000 files held an object and a hash string
 * for each, about 150 bytes, for the whole run (docs/PERFORMANCE.md, fifty-third session). In
 * the manifest's order, files listed twice included; what else a file's object holds is let go
 * (nothing reads it).
 */
export class ListedFiles implements Iterable<ListedFile> {
  readonly #paths: string[] = [];
  readonly #bytes: Float64Array;
  readonly #hashes: HashColumn;

  /** @param pathOf the string to keep for a path (the archive's own, where it names an entry) */
  constructor(files: readonly ListedFile[], pathOf: (path: string) => string = (path) => path) {
    this.#bytes = new Float64Array(files.length);
    this.#hashes = new HashColumn(files.length);
    files.forEach((file, i) => {
      this.#paths.push(pathOf(file.path));
      this.#bytes[i] = file.bytes;
      this.#hashes.set(i, file.sha256);
    });
  }

  get length(): number {
    return this.#paths.length;
  }

  *[Symbol.iterator](): Iterator<ListedFile> {
    for (let i = 0; i < this.#paths.length; i++) yield this.#file(i);
  }

  /**
   * The files whose path passes `test`, only those made again (100,000 files each made, its
   * hash spelled out, to find a few bundles: 55–75 ms of a run's start).
   */
  *where(test: (path: string) => boolean): Generator<ListedFile> {
    for (let i = 0; i < this.#paths.length; i++) if (test(this.#paths[i] as string)) yield this.#file(i);
  }

  #file(i: number): ListedFile {
    return { path: this.#paths[i] as string, bytes: this.#bytes[i] as number, sha256: this.#hashes.get(i) };
  }
}

/**
 * Compares the manifest's file list with what the archive holds.
 * @param actual every entry except manifest.json, with its size and hash as read, or null when it
 *   could not be read in full or was refused (already reported where that happened: never "missing")
 */
export function compareFiles(manifest: { readonly files: Iterable<ListedFile> }, actual: DigestLookup): Finding[] {
  const findings: Finding[] = [];
  const listed = new Set<string>();
  for (const file of manifest.files) {
    if (listed.has(file.path)) {
      findings.push(
        finding('RECORD_MALFORMED', `The manifest lists ${file.path} more than once.`, { path: MANIFEST_PATH }),
      );
      continue;
    }
    listed.add(file.path);
    if (file.path === MANIFEST_PATH) {
      findings.push(
        finding(
          'RECORD_MALFORMED',
          'The manifest lists manifest.json itself; its files list must name every other entry, and no file can hold its own hash.',
          { path: MANIFEST_PATH },
        ),
      );
      continue;
    }
    if (!actual.has(file.path)) {
      findings.push(
        finding('FILE_MISSING', `The manifest lists ${file.path}, but the archive has no such file.`, {
          path: file.path,
        }),
      );
      continue;
    }
    const got = actual.get(file.path);
    if (got === null || got === undefined) continue; // could not be read in full: reported where it failed
    if (got.sha256 !== file.sha256 || got.bytes !== file.bytes) {
      const what =
        got.bytes !== file.bytes
          ? `${got.bytes} bytes where the manifest says ${file.bytes}`
          : `hash ${got.sha256} where the manifest says ${file.sha256}`;
      findings.push(
        finding('FILE_HASH_MISMATCH', `${file.path} has ${what}: the file was changed after the manifest was signed.`, {
          path: file.path,
        }),
      );
    }
  }
  for (const path of actual.keys()) {
    if (!listed.has(path))
      findings.push(
        finding(
          'FILE_UNLISTED',
          `${path} is in the archive but not in the manifest: it was added after the manifest was signed.`,
          { path },
        ),
      );
  }
  return findings;
}
