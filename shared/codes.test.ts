import { describe, expect, it } from 'vitest';
import {
  CODE_INFO,
  CONTROL_CODES,
  FINDING_CODES,
  INTEGRITY_CODES,
  breaksContinuity,
  categoryOf,
  defaultSeverity,
  isFindingCode,
  marksChain,
  tampers,
  type FindingCode,
} from './codes.ts';

const where = (keep: (code: FindingCode) => boolean) => FINDING_CODES.filter(keep).sort();

describe('the table of finding codes', () => {
  it('lists the codes of FORMAT.md §7, each once, in two categories', () => {
    expect(FINDING_CODES).toHaveLength(45);
    expect(new Set(FINDING_CODES).size).toBe(FINDING_CODES.length);
    expect([...INTEGRITY_CODES, ...CONTROL_CODES]).toEqual(FINDING_CODES);
    expect(CONTROL_CODES).toEqual([
      'DECISION_MISMATCH',
      'DENIED_BUT_EXECUTED',
      'TIER_VIOLATION',
      'RECIPIENT_UNAPPROVED',
      'APPROVAL_MISSING',
      'APPROVAL_INVALID',
      'TXN_INCOMPLETE',
      'TXN_STEP_GAP',
      'NONDETERMINISTIC_OUTPUT',
      'SLO_BREACH',
    ]);
  });

  it('gives the severities the verifier has always given', () => {
    expect(where((c) => defaultSeverity(c) === 'warning')).toEqual(['CHAIN_UNSEALED']);
    expect(where((c) => defaultSeverity(c) === 'high' && categoryOf(c) === 'integrity')).toEqual([
      'CHAIN_TRUNCATED',
      'ENTRY_TOO_LARGE',
      'FORMAT_UNSUPPORTED',
      'KEY_NOT_VALID_AT',
      'KEY_UNTRUSTED_ROOT',
      'POLICY_LINEAGE_BROKEN',
      'POLICY_NOT_IN_EFFECT',
    ]);
    for (const code of CONTROL_CODES) expect(defaultSeverity(code)).toBe('high');
  });

  it('names the codes that make a ledger tampered', () => {
    expect(where(tampers)).toEqual(
      [
        'RECORD_MALFORMED',
        'RECORD_NONCANONICAL',
        'RECORD_HASH_MISMATCH',
        'SIGNATURE_INVALID',
        'CHAIN_BROKEN',
        'CHAIN_GAP',
        'CHAIN_DUPLICATE_SEQ',
        'RECEIPT_ID_DUPLICATE',
        'TIME_REGRESSION',
        'CHECKPOINT_INVALID',
        'CHECKPOINT_MISMATCH',
        'KEY_UNKNOWN',
        'KEY_CERT_INVALID',
        'KEY_ROLE_MISMATCH',
        'KEY_NOT_VALID_AT',
        'KEY_REVOKED',
        'ENTRY_TOO_LARGE',
        'FILE_HASH_MISMATCH',
        'FILE_MISSING',
        'ARCHIVE_UNREADABLE',
      ].sort(),
    );
  });

  it('lets no control finding, nor a note on the tail or a policy out of effect, end the proven period', () => {
    expect(where((c) => !breaksContinuity(c))).toEqual(
      [...CONTROL_CODES, 'CHAIN_UNSEALED', 'CHAIN_TRUNCATED', 'POLICY_NOT_IN_EFFECT', 'POLICY_UNKNOWN'].sort(),
    );
  });

  it('marks the chain breaks on the timeline', () => {
    expect(where(marksChain)).toEqual(
      [
        'CHAIN_BROKEN',
        'CHAIN_GAP',
        'CHAIN_DUPLICATE_SEQ',
        'SIGNATURE_INVALID',
        'TIME_REGRESSION',
        'CHECKPOINT_MISMATCH',
        'RECORD_MALFORMED',
        'RECORD_NONCANONICAL',
        'RECORD_HASH_MISMATCH',
      ].sort(),
    );
    expect(marksChain('NOT_A_CODE')).toBe(false);
  });

  it('is frozen, and reads an unknown code as integrity', () => {
    expect(Object.isFrozen(CODE_INFO)).toBe(true);
    expect(Object.isFrozen(CODE_INFO.CHAIN_GAP)).toBe(true);
    expect(isFindingCode('CHAIN_GAP')).toBe(true);
    expect(isFindingCode('toString')).toBe(false);
    expect(categoryOf('NOT_A_CODE' as FindingCode)).toBe('integrity');
  });
});
