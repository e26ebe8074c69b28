/**
 * Assembles an archive (FORMAT.md §2): every file goes through {@link ArchiveBuilder.add},
 * which records its size and hash, and {@link ArchiveBuilder.finish} signs a manifest
 * listing them all. Files flow on to a {@link FileSink} (a ZIP stream, a folder) as they
 * are added, so the builder itself holds only the listing, never the content.
 */
import { canonicalize } from '../format/canonical.ts';
import { toHex, utf8 } from '../format/bytes.ts';
import { HASH_PREFIX, hashOf, sha256Bytes, type FileDigest } from '../format/hash.ts';
import type { Manifest } from '../format/schema.ts';
import { isTime } from '../format/time.ts';
import { attachmentPath, FORMAT_ID, MANIFEST_PATH } from '../format/layout.ts';
import { unsafePathReason as entryPathProblem } from '../archive/paths.ts';
import { nobleSigner, signCanonical, type ProducerKey, type Signer } from './keys.ts';

/** Receives each file once, in the order added; may be async to apply back-pressure. */
export type FileSink = (path: string, bytes: Uint8Array) => void | Promise<void>;

/** The manifest members the caller chooses (the rest are computed). */
export interface ManifestInfo {
  readonly archive_id: string;
  readonly organization: string;
  readonly created_at: string;
  readonly period: { readonly from: string; readonly to: string };
  readonly producer: { readonly name: string; readonly version: string };
}

/** A line of the manifest's `files`: a path, its size and SHA-256. */
export interface ManifestEntry extends FileDigest {
  readonly path: string;
}

export { MANIFEST_PATH };

/**
 * Why a path is refused, or null when it is a safe archive path: the verifier's
 * `ENTRY_UNSAFE_PATH` rules (a producer never writes what a reader must refuse), and a
 * file path may not name a directory.
 */
export function unsafePathReason(path: string): string | null {
  if (typeof path !== 'string') return 'is not a string';
  if (path.endsWith('/')) return 'names a directory';
  return entryPathProblem(path);
}

/** A sink that keeps every file in `files` (for tests and small archives). */
export function collectingSink(files: Map<string, Uint8Array>): FileSink {
  return (path, bytes) => void files.set(path, bytes);
}

export class ArchiveBuilder {
  /** Every file added, when the builder was made without a sink; otherwise empty. */
  readonly files = new Map<string, Uint8Array>();
  private readonly sink: FileSink;
  private readonly listing = new Map<string, ManifestEntry>();
  private finished = false;

  /**
   * @param sink where each file goes; without one, files are kept in {@link files}.
   * @example const builder = new ArchiveBuilder(); … await builder.finish(archiveKey, info); zipFiles(builder.files)
   */
  constructor(sink?: FileSink) {
    if (sink !== undefined && typeof sink !== 'function')
      throw new TypeError('ArchiveBuilder: "sink" must be a function');
    this.sink = sink ?? collectingSink(this.files);
  }

  /** Paths added so far, with size and hash. */
  get entries(): readonly ManifestEntry[] {
    return [...this.listing.values()];
  }

  has(path: string): boolean {
    return this.listing.has(path);
  }

  /**
   * Adds one file (a string is stored as UTF-8).
   * @throws TypeError for an unsafe or duplicate path, or `manifest.json` (written by {@link finish}).
   */
  async add(path: string, content: Uint8Array | string): Promise<void> {
    if (this.finished) throw new Error('ArchiveBuilder.add: the archive is finished');
    const unsafe = unsafePathReason(path);
    if (unsafe) throw new TypeError(`ArchiveBuilder.add: "path" ${JSON.stringify(path)} ${unsafe}`);
    if (path === MANIFEST_PATH) throw new TypeError('ArchiveBuilder.add: manifest.json is written by finish()');
    if (this.listing.has(path)) throw new TypeError(`ArchiveBuilder.add: "path" ${path} was already added`);
    const bytes = typeof content === 'string' ? utf8(content) : content;
    this.listing.set(path, { path, bytes: bytes.length, sha256: hashOf(bytes) });
    await this.sink(path, bytes);
  }

  /**
   * Adds `attachments/<sha256 hex>` for `content` and returns its hash (`sha256:…`), the
   * value an `io` member names. Adding the same content twice stores it once.
   */
  async addAttachment(content: Uint8Array | string): Promise<string> {
    const bytes = typeof content === 'string' ? utf8(content) : content;
    const hex = toHex(sha256Bytes(bytes));
    const path = attachmentPath(hex);
    if (!this.listing.has(path)) await this.add(path, bytes);
    return HASH_PREFIX + hex;
  }

  /**
   * Signs and adds manifest.json over every file added, sorted by path. The archive key
   * must hold the `archive` role, valid at `info.created_at`.
   * @throws TypeError when a time in `info` is not RFC 3339 UTC or `archive_id` is empty.
   */
  async finish(
    archiveKey: ProducerKey,
    info: ManifestInfo,
    sign: Signer = nobleSigner,
  ): Promise<{ manifest: Manifest; text: string }> {
    if (this.finished) throw new Error('ArchiveBuilder.finish: already finished');
    if (typeof info.archive_id !== 'string' || info.archive_id.length === 0)
      throw new TypeError('ArchiveBuilder.finish: "info.archive_id" must not be empty');
    for (const [name, value] of [
      ['created_at', info.created_at],
      ['period.from', info.period?.from],
      ['period.to', info.period?.to],
    ] as const) {
      if (!isTime(value)) throw new TypeError(`ArchiveBuilder.finish: "info.${name}" must be an RFC 3339 UTC time`);
    }
    const files = [...this.listing.values()]
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
      .map((e) => ({ ...e }));
    const unsigned = {
      archive_id: info.archive_id,
      created_at: info.created_at,
      files,
      format: FORMAT_ID,
      kid: archiveKey.kid,
      organization: info.organization,
      period: { from: info.period.from, to: info.period.to },
      producer: { name: info.producer.name, version: info.producer.version },
    };
    const manifest: Manifest = { ...unsigned, sig: signCanonical(unsigned, archiveKey, sign) };
    const text = canonicalize(manifest);
    this.finished = true;
    await this.sink(MANIFEST_PATH, utf8(text));
    return { manifest, text };
  }
}
