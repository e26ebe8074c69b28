/**
 * One table for everything a finding code means (FORMAT.md §7): its category, its default
 * severity, whether it makes a ledger `tampered`, whether it breaks the period a ledger
 * proves continuous, whether the dashboard's timeline marks it as a chain break, and what
 * it bears on in a SOC 2 examination.
 *
 * `FindingCode` is the set of this table's keys, so a code cannot exist without its row,
 * and every row must have every column (`satisfies`). Codes are the contract with
 * auditors and CI pipelines: never rename one.
 *
 * Pure data: it imports no verifier code, so the producer may use the code types too.
 */
import type { Soc2Criterion, Soc2Mapping } from './soc2.ts';

export type Category = 'integrity' | 'control';

/**
 * `critical`: the evidence itself cannot be relied on (tampering, bad signatures).
 * `high`: the evidence is not anchored or not complete, or a control failed.
 * `warning`: noted, not a failure (an unsealed tail).
 */
export type Severity = 'critical' | 'high' | 'warning';

export interface CodeInfo {
  /** `integrity`: the evidence cannot be relied on as it stands; `control`: the evidence is sound, a control failed. */
  readonly category: Category;
  readonly severity: Severity;
  /** Makes the ledger it is found in `tampered`: its records or chain cannot be relied on. */
  readonly tampers: boolean;
  /** Ends the ledger's proven period where it stands (control findings never do). */
  readonly breaksContinuity: boolean;
  /** Marks a point where the chain is not continuous on the dashboard's coverage timeline. */
  readonly marksChain: boolean;
  /** The SOC 2 criteria it bears on and why (shared/soc2.ts). */
  readonly soc2: Soc2Mapping;
  /**
   * Found only when reading ExecLayer kernel logs (docs/FORMAT-EXECLAYER.md), never in a
   * FORMAT.md archive, whose records carry no hash of their own.
   */
  readonly execlayerOnly?: true;
}

const soc2 = (criteria: readonly Soc2Criterion[], why: string): Soc2Mapping =>
  Object.freeze({ criteria: Object.freeze([...criteria]), why });

const TABLE = {
  // Container and manifest: is this the complete evidence set the producer published?
  ARCHIVE_UNREADABLE: {
    category: 'integrity',
    severity: 'critical',
    tampers: true,
    breaksContinuity: true,
    marksChain: false,
    soc2: soc2(
      ['CC2.1', 'PI1.5'],
      'Evidence that cannot be read cannot support any control; the examination has no population to test.',
    ),
  },
  ENTRY_UNSAFE_PATH: {
    category: 'integrity',
    severity: 'critical',
    tampers: false,
    breaksContinuity: true,
    marksChain: false,
    soc2: soc2(
      ['CC2.1', 'CC7.2'],
      'A path that escapes the archive layout is a sign of a crafted or corrupted archive, so its content is not reliable evidence.',
    ),
  },
  ENTRY_TOO_LARGE: {
    category: 'integrity',
    severity: 'high',
    tampers: true,
    breaksContinuity: true,
    marksChain: false,
    soc2: soc2(
      ['CC2.1'],
      'An entry refused as oversized was not examined, so the evidence set is incomplete until it is obtained another way.',
    ),
  },
  FORMAT_UNSUPPORTED: {
    category: 'integrity',
    severity: 'high',
    tampers: false,
    breaksContinuity: true,
    marksChain: false,
    soc2: soc2(
      ['CC2.1'],
      'Evidence in a format the verifier does not understand cannot be tested against its specification.',
    ),
  },
  MANIFEST_MISSING: {
    category: 'integrity',
    severity: 'critical',
    tampers: false,
    breaksContinuity: true,
    marksChain: false,
    soc2: soc2(
      ['CC2.1', 'PI1.5'],
      'Without the signed manifest nothing proves the archive is complete: files could have been removed.',
    ),
  },
  MANIFEST_SIGNATURE_INVALID: {
    category: 'integrity',
    severity: 'critical',
    tampers: false,
    breaksContinuity: true,
    marksChain: false,
    soc2: soc2(
      ['CC2.1', 'PI1.5'],
      'The list of files was not signed by the archive key, so completeness of the evidence set is not proven.',
    ),
  },
  FILE_MISSING: {
    category: 'integrity',
    severity: 'critical',
    tampers: true,
    breaksContinuity: true,
    marksChain: false,
    soc2: soc2(
      ['PI1.5', 'CC2.1'],
      'A file the producer declared is absent, so part of the recorded activity is missing from the evidence.',
    ),
  },
  FILE_HASH_MISMATCH: {
    category: 'integrity',
    severity: 'critical',
    tampers: true,
    breaksContinuity: true,
    marksChain: false,
    soc2: soc2(
      ['PI1.5', 'CC7.2'],
      'A file differs from what the producer declared: the stored record was altered after export.',
    ),
  },
  FILE_UNLISTED: {
    category: 'integrity',
    severity: 'critical',
    tampers: false,
    breaksContinuity: true,
    marksChain: false,
    soc2: soc2(
      ['PI1.5', 'CC2.1'],
      'A file the producer did not declare was added to the archive, which shows the set was changed after export.',
    ),
  },
  // Keys and trust: CC6.1 covers who may sign, CC8.1 how keys change.
  KEY_UNTRUSTED_ROOT: {
    category: 'integrity',
    severity: 'high',
    tampers: false,
    breaksContinuity: true,
    marksChain: false,
    soc2: soc2(
      ['CC6.1', 'CC2.1'],
      'The signing hierarchy is not anchored in a key the auditor trusts, so the signatures prove nothing about who produced the evidence.',
    ),
  },
  KEY_ID_MISMATCH: {
    category: 'integrity',
    severity: 'critical',
    tampers: false,
    breaksContinuity: true,
    marksChain: false,
    soc2: soc2(['CC6.1'], 'A key whose id does not match its public key makes it ambiguous which key signed what.'),
  },
  KEY_UNKNOWN: {
    category: 'integrity',
    severity: 'critical',
    tampers: true,
    breaksContinuity: true,
    marksChain: false,
    soc2: soc2(
      ['CC6.1', 'CC7.2'],
      'A signature by a key that the key set does not contain cannot be attributed to an authorised signer.',
    ),
  },
  KEY_CERT_INVALID: {
    category: 'integrity',
    severity: 'critical',
    tampers: true,
    breaksContinuity: true,
    marksChain: false,
    soc2: soc2(
      ['CC6.1', 'CC8.1'],
      "A key not properly certified by the root was added outside the organisation's key-management process.",
    ),
  },
  KEY_ROLE_MISMATCH: {
    category: 'integrity',
    severity: 'critical',
    tampers: true,
    breaksContinuity: true,
    marksChain: false,
    soc2: soc2(
      ['CC6.1', 'CC6.3'],
      'A key signed something its role does not permit, breaking segregation of duties between gate, policy, approver and archive keys.',
    ),
  },
  KEY_NOT_VALID_AT: {
    category: 'integrity',
    severity: 'high',
    tampers: true,
    breaksContinuity: true,
    marksChain: false,
    soc2: soc2(
      ['CC6.1', 'CC8.1'],
      'A key was used outside its validity period, so key rotation is not operating as designed.',
    ),
  },
  KEY_REVOKED: {
    category: 'integrity',
    severity: 'critical',
    tampers: true,
    breaksContinuity: true,
    marksChain: false,
    soc2: soc2(
      ['CC6.1', 'CC7.3'],
      'A key was used after its revocation, so revoked credentials were not effectively removed.',
    ),
  },
  // Records and chain: the ledger is the population of gated actions.
  RECORD_MALFORMED: {
    category: 'integrity',
    severity: 'critical',
    tampers: true,
    breaksContinuity: true,
    marksChain: true,
    soc2: soc2(
      ['PI1.5', 'CC2.1'],
      'A receipt that does not follow the format cannot be tested, so the population of actions is not fully evidenced.',
    ),
  },
  RECORD_NONCANONICAL: {
    category: 'integrity',
    severity: 'critical',
    tampers: true,
    breaksContinuity: true,
    marksChain: true,
    soc2: soc2(
      ['PI1.5', 'CC2.1'],
      'A receipt not in canonical form could be shown differently from what was signed, so what is displayed is not provably what was recorded.',
    ),
  },
  RECORD_HASH_MISMATCH: {
    category: 'integrity',
    severity: 'critical',
    tampers: true,
    breaksContinuity: true,
    marksChain: true,
    execlayerOnly: true,
    soc2: soc2(
      ['PI1.5', 'CC7.2'],
      'A record whose recorded hash does not match its content was changed after it was written: what it shows is not what was recorded.',
    ),
  },
  SIGNATURE_INVALID: {
    category: 'integrity',
    severity: 'critical',
    tampers: true,
    breaksContinuity: true,
    marksChain: true,
    soc2: soc2(
      ['PI1.5', 'CC7.2', 'CC6.1'],
      'A receipt whose gate signature fails was altered or forged after the gate recorded it.',
    ),
  },
  CHAIN_BROKEN: {
    category: 'integrity',
    severity: 'critical',
    tampers: true,
    breaksContinuity: true,
    marksChain: true,
    soc2: soc2(
      ['PI1.5', 'CC7.2'],
      'A break in the hash chain shows receipts were altered, removed or inserted after recording.',
    ),
  },
  CHAIN_GAP: {
    category: 'integrity',
    severity: 'critical',
    tampers: true,
    breaksContinuity: true,
    marksChain: true,
    soc2: soc2(['PI1.5', 'CC7.2'], 'Missing sequence numbers mean recorded actions are absent from the evidence.'),
  },
  CHAIN_DUPLICATE_SEQ: {
    category: 'integrity',
    severity: 'critical',
    tampers: true,
    breaksContinuity: true,
    marksChain: true,
    soc2: soc2(
      ['PI1.5', 'CC7.2'],
      'Two receipts with the same sequence number are a fork: two histories exist and only one can be true.',
    ),
  },
  RECEIPT_ID_DUPLICATE: {
    category: 'integrity',
    severity: 'critical',
    tampers: true,
    breaksContinuity: true,
    marksChain: false,
    soc2: soc2(
      ['PI1.5', 'PI1.2'],
      'Two receipts with one id make the record of an action ambiguous and can hide a replayed or double-counted action.',
    ),
  },
  TIME_REGRESSION: {
    category: 'integrity',
    severity: 'critical',
    tampers: true,
    breaksContinuity: true,
    marksChain: true,
    soc2: soc2(
      ['PI1.5', 'CC7.2'],
      'Time running backwards in a ledger makes the recorded order and timing of actions unreliable.',
    ),
  },
  CHECKPOINT_INVALID: {
    category: 'integrity',
    severity: 'critical',
    tampers: true,
    breaksContinuity: true,
    marksChain: false,
    soc2: soc2(
      ['PI1.5', 'CC7.2'],
      'A checkpoint that does not verify cannot seal the ledger, so its completeness is not proven.',
    ),
  },
  CHECKPOINT_MISMATCH: {
    category: 'integrity',
    severity: 'critical',
    tampers: true,
    breaksContinuity: true,
    marksChain: true,
    soc2: soc2(
      ['PI1.5', 'CC7.2'],
      'The ledger no longer matches what the gate sealed: receipts were changed after the checkpoint.',
    ),
  },
  CHAIN_TRUNCATED: {
    category: 'integrity',
    severity: 'high',
    tampers: false,
    breaksContinuity: false,
    marksChain: false,
    soc2: soc2(
      ['PI1.5', 'CC7.2'],
      'Receipts the gate sealed are missing from the end of the ledger, so the population of actions is incomplete.',
    ),
  },
  CHAIN_UNSEALED: {
    category: 'integrity',
    severity: 'warning',
    tampers: false,
    breaksContinuity: false,
    marksChain: false,
    soc2: soc2(
      ['PI1.5'],
      'Receipts after the last checkpoint are not yet sealed, so their completeness is not proven (a note, not a failure).',
    ),
  },
  // Policies: the gate's rules are changed configuration (CC8.1).
  POLICY_SIGNATURE_INVALID: {
    category: 'integrity',
    severity: 'critical',
    tampers: false,
    breaksContinuity: true,
    marksChain: false,
    soc2: soc2(
      ['CC8.1', 'CC6.1'],
      'A policy bundle not signed by a policy key was not approved through the change-management process.',
    ),
  },
  POLICY_INVALID: {
    category: 'integrity',
    severity: 'critical',
    tampers: false,
    breaksContinuity: true,
    marksChain: false,
    soc2: soc2(
      ['CC8.1', 'CC5.2'],
      'A policy that does not parse was deployed without testing, so the gate could not enforce it as written.',
    ),
  },
  POLICY_LINEAGE_BROKEN: {
    category: 'integrity',
    severity: 'high',
    tampers: false,
    breaksContinuity: true,
    marksChain: false,
    soc2: soc2(
      ['CC8.1'],
      'Overlapping or unlinked policy versions mean the history of policy changes is not a single, approved sequence.',
    ),
  },
  POLICY_UNKNOWN: {
    category: 'integrity',
    severity: 'critical',
    tampers: false,
    breaksContinuity: false,
    marksChain: false,
    soc2: soc2(
      ['CC8.1', 'CC2.1'],
      'A decision names a policy bundle absent from the evidence, so it cannot be shown which rules the gate applied.',
    ),
  },
  POLICY_NOT_IN_EFFECT: {
    category: 'integrity',
    severity: 'high',
    tampers: false,
    breaksContinuity: false,
    marksChain: false,
    soc2: soc2(
      ['CC8.1', 'CC6.1'],
      'A decision was made under a policy version that was not in effect then: a retired or not yet approved rule set was used.',
    ),
  },
  ATTACHMENT_HASH_MISMATCH: {
    category: 'integrity',
    severity: 'critical',
    tampers: false,
    breaksContinuity: true,
    marksChain: false,
    soc2: soc2(
      ['PI1.5', 'PI1.4'],
      'An attached input, reasoning or output record differs from the hash the receipt recorded, so it is not the record of that action.',
    ),
  },
  // Control codes (FORMAT.md §7): the evidence is sound, a control did not operate as designed.
  DECISION_MISMATCH: {
    category: 'control',
    severity: 'high',
    tampers: false,
    breaksContinuity: false,
    marksChain: false,
    soc2: soc2(
      ['PI1.3', 'CC6.1', 'CC7.2'],
      'Re-evaluating the recorded request under the recorded policies gives another decision, so the gate did not enforce its policies as written.',
    ),
  },
  DENIED_BUT_EXECUTED: {
    category: 'control',
    severity: 'high',
    tampers: false,
    breaksContinuity: false,
    marksChain: false,
    soc2: soc2(
      ['CC6.1', 'CC7.3'],
      'An action the access policy denied was executed anyway: the preventive access control was bypassed.',
    ),
  },
  TIER_VIOLATION: {
    category: 'control',
    severity: 'high',
    tampers: false,
    breaksContinuity: false,
    marksChain: false,
    soc2: soc2(
      ['C1.1', 'CC6.3'],
      'An agent was given data more sensitive than its clearance, contrary to least privilege over confidential information.',
    ),
  },
  RECIPIENT_UNAPPROVED: {
    category: 'control',
    severity: 'high',
    tampers: false,
    breaksContinuity: false,
    marksChain: false,
    soc2: soc2(
      ['P6.1', 'P6.3', 'CC6.7'],
      'Personal data was disclosed to a recipient not approved in the data-handling policy, an unauthorised disclosure to be recorded and assessed.',
    ),
  },
  APPROVAL_MISSING: {
    category: 'control',
    severity: 'high',
    tampers: false,
    breaksContinuity: false,
    marksChain: false,
    soc2: soc2(
      ['CC6.3', 'CC8.1'],
      'An action that requires a human approval ran without one, so the required authorisation step did not operate.',
    ),
  },
  APPROVAL_INVALID: {
    category: 'control',
    severity: 'high',
    tampers: false,
    breaksContinuity: false,
    marksChain: false,
    soc2: soc2(
      ['CC6.3', 'CC6.1'],
      'The approval is not a valid signature by an authorised approver key, so it does not prove that a person approved the action.',
    ),
  },
  TXN_INCOMPLETE: {
    category: 'control',
    severity: 'high',
    tampers: false,
    breaksContinuity: false,
    marksChain: false,
    soc2: soc2(
      ['PI1.3', 'PI1.4'],
      'A transaction never committed or aborted, so its processing may be incomplete or left in an unknown state.',
    ),
  },
  TXN_STEP_GAP: {
    category: 'control',
    severity: 'high',
    tampers: false,
    breaksContinuity: false,
    marksChain: false,
    soc2: soc2(
      ['PI1.3', 'PI1.5'],
      "Missing or repeated steps mean part of a transaction's processing is unrecorded or was processed twice.",
    ),
  },
  NONDETERMINISTIC_OUTPUT: {
    category: 'control',
    severity: 'high',
    tampers: false,
    breaksContinuity: false,
    marksChain: false,
    soc2: soc2(
      ['A1.2', 'PI1.4'],
      'The same input under the same policy gave different outputs, so outputs cannot be reproduced or replayed for recovery and their accuracy is in doubt.',
    ),
  },
  SLO_BREACH: {
    category: 'control',
    severity: 'high',
    tampers: false,
    breaksContinuity: false,
    marksChain: false,
    soc2: soc2(
      ['A1.1', 'CC7.2'],
      "The gate's 99th-percentile latency exceeded its objective, so availability commitments for gated actions were not met.",
    ),
  },
} as const satisfies Record<string, CodeInfo>;

export type FindingCode = keyof typeof TABLE;
type CodesOf<C extends Category> = {
  [K in FindingCode]: (typeof TABLE)[K]['category'] extends C ? K : never;
}[FindingCode];
export type IntegrityCode = CodesOf<'integrity'>;
export type ControlCode = CodesOf<'control'>;

/** Every finding code → what it means. */
export const CODE_INFO: Readonly<Record<FindingCode, CodeInfo>> = Object.freeze(
  Object.fromEntries(Object.entries(TABLE).map(([code, info]) => [code, Object.freeze(info)])) as typeof TABLE,
);

/** Every finding code, in the order of FORMAT.md §7. */
export const FINDING_CODES: readonly FindingCode[] = Object.freeze(Object.keys(TABLE) as FindingCode[]);
export const INTEGRITY_CODES: readonly IntegrityCode[] = Object.freeze(
  FINDING_CODES.filter((code): code is IntegrityCode => TABLE[code].category === 'integrity'),
);
/** Integrity codes a FORMAT.md archive can give (the rest are found in ExecLayer logs only). */
export const ARCHIVE_INTEGRITY_CODES: readonly IntegrityCode[] = Object.freeze(
  INTEGRITY_CODES.filter((code) => !(TABLE[code] as CodeInfo).execlayerOnly),
);
export const CONTROL_CODES: readonly ControlCode[] = Object.freeze(
  FINDING_CODES.filter((code): code is ControlCode => TABLE[code].category === 'control'),
);

export function isFindingCode(code: string): code is FindingCode {
  return Object.hasOwn(TABLE, code);
}

/**
 * `APPROVAL_INVALID` is a control code that also names a bad approver signature (FORMAT.md
 * §3). A code this version does not know (a report stored by another version) reads as
 * integrity: the stricter reading.
 */
export function categoryOf(code: FindingCode): Category {
  return isFindingCode(code) ? CODE_INFO[code].category : 'integrity';
}

export function defaultSeverity(code: FindingCode): Severity {
  return CODE_INFO[code].severity;
}

/** Whether `code` makes the ledger it is found in `tampered`. */
export function tampers(code: FindingCode): boolean {
  return CODE_INFO[code].tampers;
}

/** Whether `code` ends a ledger's proven period where it stands. */
export function breaksContinuity(code: FindingCode): boolean {
  return CODE_INFO[code].breaksContinuity;
}

/** Whether a finding with `code` is marked on the coverage timeline (a code this version does not know is not). */
export function marksChain(code: string): boolean {
  return isFindingCode(code) && CODE_INFO[code].marksChain;
}
