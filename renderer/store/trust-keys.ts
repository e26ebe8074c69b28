/**
 * Pure helpers for the trust store: reading a root public key an auditor pastes or
 * imports, its key id (FORMAT.md §1: first 32 hex digits of SHA-256 of the raw key) and
 * the grouped spelling shown for comparison out loud or on paper.
 */
import { fromHex } from '../../shared/format/bytes.ts';
import { HEX64 } from '../../shared/format/hash.ts';
import { kidOf as kidOfBytes } from '../../shared/format/layout.ts';

export type ParsedKey =
  { readonly ok: true; readonly publicKey: string } | { readonly ok: false; readonly reason: string };

/** 64 hex digits in any case, as people paste them (stored in lowercase). */
const isKeyHex = (text: string): boolean => HEX64.test(text.toLowerCase());

/**
 * Reads one Ed25519 root public key from pasted text or a file's content: 64 hex digits
 * (spaces and line breaks between groups are ignored), or a JSON object with
 * `root_public_key` or `public_key`, or a keys.json whose single `root` entry it is.
 */
export function parsePublicKeyInput(input: string): ParsedKey {
  const text = input.trim();
  if (text === '') return { ok: false, reason: 'Enter a public key: 64 hexadecimal digits.' };
  if (text.startsWith('{')) return parseKeyJson(text);
  const compact = text.replace(/[\s:]+/g, '');
  if (isKeyHex(compact)) return { ok: true, publicKey: compact.toLowerCase() };
  if (/^[0-9a-fA-F]*$/.test(compact))
    return { ok: false, reason: `A public key is 64 hexadecimal digits; this has ${compact.length}.` };
  return { ok: false, reason: 'A public key is 64 hexadecimal digits (0-9, a-f); this contains other characters.' };
}

function parseKeyJson(text: string): ParsedKey {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'The file is neither 64 hexadecimal digits nor valid JSON.' };
  }
  const record = value as Record<string, unknown>;
  for (const member of ['root_public_key', 'public_key']) {
    const candidate = record[member];
    if (typeof candidate === 'string' && isKeyHex(candidate)) return { ok: true, publicKey: candidate.toLowerCase() };
  }
  if (Array.isArray(record.keys)) {
    const roots = record.keys.filter((k): k is { public_key: string } => {
      const entry = k as Record<string, unknown>;
      return (
        Array.isArray(entry.roles) &&
        entry.roles.includes('root') &&
        typeof entry.public_key === 'string' &&
        isKeyHex(entry.public_key)
      );
    });
    if (roots.length === 1)
      return { ok: true, publicKey: (roots[0] as { public_key: string }).public_key.toLowerCase() };
    if (roots.length > 1)
      return { ok: false, reason: `The key set lists ${roots.length} root keys; paste the one you mean to trust.` };
  }
  return {
    ok: false,
    reason: 'No root public key found in this JSON (expected "root_public_key", "public_key" or one root in "keys").',
  };
}

/** Key id of a 64-hex public key. */
export function kidOf(publicKey: string): string {
  return kidOfBytes(fromHex(publicKey));
}

/** `9a79 bc1f 19cc …`: groups of four digits, for reading out and comparing. */
export function groupedHex(hex: string, size = 4): string {
  const groups: string[] = [];
  for (let i = 0; i < hex.length; i += size) groups.push(hex.slice(i, i + size));
  return groups.join(' ');
}
