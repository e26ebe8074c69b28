/**
 * The root keys an archive lists in keys.json, taken after verification so the window can
 * offer an explicit trust-on-first-use for a root that is not pinned. Entries are shape-
 * checked only; whether they are sound is the verifier's job, already done. Only roots: the
 * window asks for no other key (keys.json is kept whole among the archive's files), and an
 * archive of 2,000 ledgers lists 4,000 gateway keys, 0.3 s to store as rows.
 */
import type { RandomAccessBytes } from '../../shared/archive/source.ts';
import type { KeptFile } from '../../shared/engine/types.ts';
import { openZip } from '../../shared/archive/zip.ts';
import { concatBytes, decodeUtf8Strict, isLowerHex } from '../../shared/format/bytes.ts';
import { HEX64 } from '../../shared/format/hash.ts';
import { KEYS_PATH } from '../../shared/format/layout.ts';
import type { ArchiveKey } from './verify-protocol.ts';

const MAX_KEYS_BYTES = 16 * 1024 * 1024;

/**
 * The archive's root keys: from the keys.json the verification read and handed over whole
 * (`onFile`), else read from the archive again. Reading it again opens the archive's directory
 * anew, about 0.1 s at the end of an import of 100,000 receipts, where nothing else runs beside
 * it (docs/PERFORMANCE.md, forty-first session).
 */
export async function archiveKeys(
  files: readonly KeptFile[],
  bytes: RandomAccessBytes,
  name: string,
): Promise<ArchiveKey[]> {
  const read = files.filter((f) => f.kind === 'keys' && f.path === KEYS_PATH);
  const whole = read.length === 1 ? read[0]?.bytes : null;
  const keys = whole ? keysOfBytes(whole) : await readArchiveKeys(bytes, name).catch(() => []);
  return keys.filter((key) => key.roles.includes('root'));
}

export async function readArchiveKeys(bytes: RandomAccessBytes, name: string): Promise<ArchiveKey[]> {
  const source = await openZip(bytes, name, { maxEntryBytes: MAX_KEYS_BYTES });
  try {
    const entry = (await source.entries()).find((e) => e.name === KEYS_PATH && !e.isDirectory);
    if (!entry) return [];
    const parts: Uint8Array[] = [];
    for await (const part of source.read(entry)) parts.push(part);
    return keysOfBytes(concatBytes(parts));
  } finally {
    await source.close();
  }
}

/** The well-formed key entries of keys.json's bytes; none when they are not UTF-8 JSON. */
export function keysOfBytes(bytes: Uint8Array): ArchiveKey[] {
  const text = decodeUtf8Strict(bytes);
  if (text === null) return [];
  try {
    return keysOf(JSON.parse(text));
  } catch {
    return [];
  }
}

/** The well-formed key entries of a parsed keys.json. */
export function keysOf(value: unknown): ArchiveKey[] {
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) return [];
  const out: ArchiveKey[] = [];
  for (const k of keys) {
    if (typeof k !== 'object' || k === null) continue;
    const entry = k as Record<string, unknown>;
    if (!isLowerHex(entry.kid, 32)) continue;
    if (typeof entry.public_key !== 'string' || !HEX64.test(entry.public_key)) continue;
    const roles = Array.isArray(entry.roles) ? entry.roles.filter((r): r is string => typeof r === 'string') : [];
    out.push({ kid: entry.kid, publicKey: entry.public_key, roles });
  }
  return out;
}
