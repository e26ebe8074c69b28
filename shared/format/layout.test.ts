/**
 * The archive's names (layout.ts) as FORMAT.md §2-§3 gives them: the producer writes and the
 * verifier reads these exact strings, so a change here is a change of format.
 */
import { describe, expect, it } from 'vitest';
import { fromHex } from './bytes.ts';
import {
  ATTACHMENT_PATH,
  ATTACHMENTS_DIR,
  attachmentPath,
  CHECKPOINTS_PATH,
  checkpointsPath,
  FORMAT_ID,
  KEYS_PATH,
  kidOf,
  LEDGERS_DIR,
  MANIFEST_PATH,
  POLICIES_DIR,
  SEGMENT_PATH,
  segmentPath,
} from './layout.ts';

describe('archive layout', () => {
  it('names the format and its fixed files and folders', () => {
    expect([FORMAT_ID, MANIFEST_PATH, KEYS_PATH, POLICIES_DIR, LEDGERS_DIR, ATTACHMENTS_DIR]).toEqual([
      'tickmark.evidence.v1',
      'manifest.json',
      'keys.json',
      'policies/',
      'ledgers/',
      'attachments/',
    ]);
  });

  it('writes segment, checkpoint and attachment paths', () => {
    expect(segmentPath('payments', 7)).toBe('ledgers/payments/000007.jsonl');
    expect(segmentPath('payments', 1234567)).toBe('ledgers/payments/1234567.jsonl');
    expect(checkpointsPath('payments')).toBe('ledgers/payments/checkpoints.jsonl');
    expect(attachmentPath('ab'.repeat(32))).toBe('attachments/' + 'ab'.repeat(32));
  });

  it('reads segment paths: the ledger and six digits, nothing before or after', () => {
    expect(SEGMENT_PATH.exec('ledgers/payments/000007.jsonl')?.slice(1)).toEqual(['payments', '000007']);
    for (const path of [
      'ledgers/payments/00007.jsonl',
      'ledgers/payments/0000007.jsonl',
      'ledgers/payments/00000a.jsonl',
      'ledgers/pay/ments/000007.jsonl',
      'ledgers//000007.jsonl',
      'ledgers/payments/000007.json',
      'ledgers/payments/000007xjsonl',
      'x/ledgers/payments/000007.jsonl',
      'ledgers/payments/000007.jsonl.bak',
    ])
      expect(SEGMENT_PATH.test(path), path).toBe(false);
  });

  it('reads checkpoint and attachment paths, nothing before or after', () => {
    expect(CHECKPOINTS_PATH.exec('ledgers/payments/checkpoints.jsonl')?.slice(1)).toEqual(['payments']);
    for (const path of [
      'ledgers/pay/ments/checkpoints.jsonl',
      'ledgers//checkpoints.jsonl',
      'ledgers/payments/checkpointsxjsonl',
      'x/ledgers/payments/checkpoints.jsonl',
      'ledgers/payments/checkpoints.jsonl.bak',
    ])
      expect(CHECKPOINTS_PATH.test(path), path).toBe(false);
    expect(ATTACHMENT_PATH.exec('attachments/abc')?.slice(1)).toEqual(['abc']);
    for (const path of ['attachments/', 'attachments/a/b', 'x/attachments/abc'])
      expect(ATTACHMENT_PATH.test(path), path).toBe(false);
  });

  it('a key id is the first 32 hex digits of the SHA-256 of the raw public key', () => {
    // RFC 8032 §7.1 TEST 1's public key; its SHA-256 is 21fe31df…f721b9.
    const publicKey = fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    expect(kidOf(publicKey)).toBe('21fe31dfa154a261626bf854046fd227');
  });
});
