/**
 * The keys an archive lists in keys.json, read after verification so the window can
 * offer an explicit trust-on-first-use for a root that is not pinned. Entries are shape-
 * checked only; whether they are sound is the verifier's job, already done.
 */
import type { RandomAccessBytes } from '../../shared/archive/source.ts';
import { openZip } from '../../shared/archive/zip.ts';
import { concatBytes, decodeUtf8Strict } from '../../shared/format/bytes.ts';
import type { ArchiveKey } from './verify-protocol.ts';

const MAX_KEYS_BYTES = 16 * 1024 * 1024;
const HEX64 = /^[0-9a-f]{64}$/;
const HEX32 = /^[0-9a-f]{32}$/;

export async function readArchiveKeys(bytes: RandomAccessBytes, name: string): Promise<ArchiveKey[]> {
  const source = await openZip(bytes, name, { maxEntryBytes: MAX_KEYS_BYTES });
  try {
    const entry = (await source.entries()).find((e) => e.name === 'keys.json' && !e.isDirectory);
    if (!entry) return [];
    const parts: Uint8Array[] = [];
    for await (const part of source.read(entry)) parts.push(part);
    const text = decodeUtf8Strict(concatBytes(parts));
    if (text === null) return [];
    return keysOf(JSON.parse(text));
  } finally {
    await source.close();
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
    if (typeof entry.kid !== 'string' || !HEX32.test(entry.kid)) continue;
    if (typeof entry.public_key !== 'string' || !HEX64.test(entry.public_key)) continue;
    const roles = Array.isArray(entry.roles) ? entry.roles.filter((r): r is string => typeof r === 'string') : [];
    out.push({ kid: entry.kid, publicKey: entry.public_key, roles });
  }
  return out;
}
