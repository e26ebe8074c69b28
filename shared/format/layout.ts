/**
 * The archive's layout and names (FORMAT.md §2-§3): what the producer writes and the
 * verifier reads, defined once for both. Pure rules; nothing here checks evidence.
 */
import { toHex } from './bytes.ts';
import { sha256Bytes } from './hash.ts';

/** The `format` member of every manifest this version writes and reads. */
export const FORMAT_ID = 'tickmark.evidence.v1';

export const MANIFEST_PATH = 'manifest.json';
export const KEYS_PATH = 'keys.json';
export const POLICIES_DIR = 'policies/';
export const LEDGERS_DIR = 'ledgers/';
export const ATTACHMENTS_DIR = 'attachments/';

/** `ledgers/<ledger>/<nnnnnn>.jsonl`: group 1 is the ledger, group 2 the segment number. */
export const SEGMENT_PATH = /^ledgers\/([^/]+)\/(\d{6})\.jsonl$/;
/** `ledgers/<ledger>/checkpoints.jsonl`: group 1 is the ledger. */
export const CHECKPOINTS_PATH = /^ledgers\/([^/]+)\/checkpoints\.jsonl$/;
/** `attachments/<name>`: group 1 is the name, the content's SHA-256 in hex when well formed. */
export const ATTACHMENT_PATH = /^attachments\/([^/]+)$/;

/** Segment `n` (from 1) of `ledger`. */
export function segmentPath(ledger: string, n: number): string {
  return `${LEDGERS_DIR}${ledger}/${String(n).padStart(6, '0')}.jsonl`;
}

export function checkpointsPath(ledger: string): string {
  return `${LEDGERS_DIR}${ledger}/checkpoints.jsonl`;
}

/** Where content with SHA-256 `hex` (64 lowercase hex digits) is stored. */
export function attachmentPath(hex: string): string {
  return ATTACHMENTS_DIR + hex;
}

/** `kid` of a raw public key: first 32 hex digits of its SHA-256 (FORMAT.md §1). */
export function kidOf(publicKey: Uint8Array): string {
  return toHex(sha256Bytes(publicKey)).slice(0, 32);
}
