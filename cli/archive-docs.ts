/**
 * The small documents of an archive and its segments, as the commands that do not verify
 * the whole archive need them (`explain`, `policy-diff`): entries by name (first copy of a
 * name; directories, unreadable names and unsupported entries left out), each ledger's
 * segments in name order, and manifest, keys and bundles parsed, with their sizes and hashes;
 * and the one way they read segments: two at a time ({@link forEachSegment}).
 */
import type { ArchiveSource, RawEntry } from '../shared/archive/source.ts';
import type { LineAt } from '../shared/explain/explain.ts';
import { concatBytes, decodeUtf8Strict } from '../shared/format/bytes.ts';
import { hashOf, type FileDigest } from '../shared/format/hash.ts';
import { KEYS_PATH, MANIFEST_PATH, SEGMENT_PATH } from '../shared/format/layout.ts';

/** The largest JSON document read whole (as verification allows). */
const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;

export interface Segment {
  readonly ledger: string;
  readonly path: string;
  readonly entry: RawEntry;
}

export interface ArchiveDocs {
  readonly entries: ReadonlyMap<string, RawEntry>;
  /** Each ledger's segments, in name order. */
  readonly segments: ReadonlyMap<string, readonly Segment[]>;
  /** Parsed JSON, undefined when absent or unreadable. */
  readonly manifest: unknown;
  readonly keys: unknown;
  readonly bundles: readonly { readonly path: string; readonly value: unknown }[];
  /** Size and hash of keys.json and each bundle, as read. */
  readonly digests: Map<string, FileDigest>;
}

export async function readArchiveDocs(source: ArchiveSource): Promise<ArchiveDocs> {
  const entries = new Map<string, RawEntry>();
  for (const entry of await source.entries()) {
    if (entry.isDirectory || entry.invalidName || entry.unsupported) continue;
    if (!entries.has(entry.name)) entries.set(entry.name, entry);
  }
  const segments = new Map<string, Segment[]>();
  for (const [path, entry] of entries) {
    const m = SEGMENT_PATH.exec(path);
    if (!m) continue;
    const ledger = m[1] as string;
    const list = segments.get(ledger) ?? [];
    list.push({ ledger, path, entry });
    segments.set(ledger, list);
  }
  for (const list of segments.values()) list.sort((a, b) => (a.path < b.path ? -1 : 1));
  const digests = new Map<string, FileDigest>();
  const doc = async (path: string): Promise<unknown> => {
    const entry = entries.get(path);
    if (!entry) return undefined;
    const bytes = await readWhole(source, entry, MAX_DOCUMENT_BYTES);
    if (!bytes) return undefined;
    digests.set(path, { bytes: bytes.length, sha256: hashOf(bytes) });
    const text = decodeUtf8Strict(bytes);
    if (text === null) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  };
  const manifest = await doc(MANIFEST_PATH);
  digests.delete(MANIFEST_PATH);
  const keys = await doc(KEYS_PATH);
  const bundles: { path: string; value: unknown }[] = [];
  for (const path of [...entries.keys()].filter((p) => /^policies\/[^/]+\.json$/.test(p)).sort()) {
    const value = await doc(path);
    if (value !== undefined) bundles.push({ path, value });
  }
  return { entries, segments, manifest, keys, bundles, digests };
}

/** How many segments are read at once: inflating runs on libuv's threads, so two keep both cores busy. */
export const SEGMENT_CONCURRENCY = 2;

/**
 * Calls `read` on each of `segments` with its index, {@link SEGMENT_CONCURRENCY} at a time,
 * taking them in order (each is started after every one before it; they may finish in any
 * order). `more(index)`, when given, is asked before a segment is taken: false stops taking
 * any further ones (those already started finish). Resolves when every started `read` has;
 * rejects as soon as one rejects.
 */
export async function forEachSegment<T>(
  segments: readonly T[],
  read: (segment: T, index: number) => Promise<void>,
  more: (index: number) => boolean = () => true,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (;;) {
      const index = next++;
      if (index >= segments.length || !more(index)) return;
      await read(segments[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: SEGMENT_CONCURRENCY }, worker));
}

/**
 * A segment's line kept as its bytes: the text (strict UTF-8, '' when not) and the hash are
 * worked out when first asked for, so a line that is only passed over costs neither
 * (explain's previous line, replaced on every line; a sample's candidates, most dropped).
 */
export function lineAtLazy(segment: Segment, line: number, bytes: Uint8Array): LineAt {
  let text: string | undefined;
  let hash: string | undefined;
  return {
    ledger: segment.ledger,
    path: segment.path,
    line,
    get text() {
      return (text ??= decodeUtf8Strict(bytes) ?? '');
    },
    get hash() {
      return (hash ??= hashOf(bytes));
    },
  };
}

/** An entry's bytes, or null when it is larger than `max` or cannot be read. */
export async function readWhole(source: ArchiveSource, entry: RawEntry, max: number): Promise<Uint8Array | null> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of source.read(entry)) {
      size += chunk.length;
      if (size > max) return null;
      chunks.push(chunk);
    }
  } catch {
    return null;
  }
  return concatBytes(chunks);
}
