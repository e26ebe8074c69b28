/**
 * What each finding means for a SOC 2 examination: the Trust Services Criteria (AICPA
 * TSC 2017, revised points of focus 2022) a finding bears on, and one sentence on why.
 *
 * One table, keyed by every finding code: the `Record<FindingCode, …>` type makes a new
 * code without an entry a compile error, and soc2.test.ts checks it again at run time.
 * Integrity findings mostly bear on the reliability of the evidence itself (CC2.1,
 * CC7.2, PI1.5): an auditor relies on a control only through evidence that holds up.
 */
import type { FindingCode } from './engine/findings.ts';

/** Criteria referred to below, with the short title an auditor recognises. */
export const SOC2_CRITERIA = Object.freeze({
  'CC2.1': 'Uses relevant, quality information to support internal control',
  'CC5.2': 'Selects and develops general control activities over technology',
  'CC6.1': 'Logical access security over protected information assets',
  'CC6.3': 'Authorizes and removes access based on roles, least privilege and segregation of duties',
  'CC6.7': 'Restricts transmission, movement and removal of information',
  'CC7.2': 'Monitors system components for anomalies indicative of malicious acts and errors',
  'CC7.3': 'Evaluates security events to determine whether they are incidents',
  'CC8.1': 'Authorizes, tests, approves and implements changes',
  'A1.1': 'Monitors processing capacity and use to meet availability commitments',
  'A1.2': 'Recovery infrastructure, backup and replay of processing',
  'PI1.2': 'Completeness and accuracy of system inputs',
  'PI1.3': 'Processing produces results that meet the entity objectives',
  'PI1.4': 'Outputs are complete, accurate and timely',
  'PI1.5': 'Inputs, items in processing and outputs are stored completely and accurately',
  'C1.1': 'Identifies and protects confidential information',
  'P6.1': 'Discloses personal information to third parties only as authorized',
  'P6.3': 'Records unauthorized disclosures of personal information',
} as const);

export type Soc2Criterion = keyof typeof SOC2_CRITERIA;

export interface Soc2Mapping {
  readonly criteria: readonly Soc2Criterion[];
  readonly why: string;
}

const m = (criteria: Soc2Criterion[], why: string): Soc2Mapping =>
  Object.freeze({ criteria: Object.freeze(criteria), why });

/** Every finding code → the criteria it bears on and why. */
export const SOC2_BY_CODE: Readonly<Record<FindingCode, Soc2Mapping>> = Object.freeze({
  // Container and manifest: is this the complete evidence set the producer published?
  ARCHIVE_UNREADABLE: m(
    ['CC2.1', 'PI1.5'],
    'Evidence that cannot be read cannot support any control; the examination has no population to test.',
  ),
  ENTRY_UNSAFE_PATH: m(
    ['CC2.1', 'CC7.2'],
    'A path that escapes the archive layout is a sign of a crafted or corrupted archive, so its content is not reliable evidence.',
  ),
  ENTRY_TOO_LARGE: m(
    ['CC2.1'],
    'An entry refused as oversized was not examined, so the evidence set is incomplete until it is obtained another way.',
  ),
  FORMAT_UNSUPPORTED: m(
    ['CC2.1'],
    'Evidence in a format the verifier does not understand cannot be tested against its specification.',
  ),
  MANIFEST_MISSING: m(
    ['CC2.1', 'PI1.5'],
    'Without the signed manifest nothing proves the archive is complete: files could have been removed.',
  ),
  MANIFEST_SIGNATURE_INVALID: m(
    ['CC2.1', 'PI1.5'],
    'The list of files was not signed by the archive key, so completeness of the evidence set is not proven.',
  ),
  FILE_MISSING: m(
    ['PI1.5', 'CC2.1'],
    'A file the producer declared is absent, so part of the recorded activity is missing from the evidence.',
  ),
  FILE_HASH_MISMATCH: m(
    ['PI1.5', 'CC7.2'],
    'A file differs from what the producer declared: the stored record was altered after export.',
  ),
  FILE_UNLISTED: m(
    ['PI1.5', 'CC2.1'],
    'A file the producer did not declare was added to the archive, which shows the set was changed after export.',
  ),
  // Keys and trust: CC6.1 covers who may sign, CC8.1 how keys change.
  KEY_UNTRUSTED_ROOT: m(
    ['CC6.1', 'CC2.1'],
    'The signing hierarchy is not anchored in a key the auditor trusts, so the signatures prove nothing about who produced the evidence.',
  ),
  KEY_ID_MISMATCH: m(
    ['CC6.1'],
    'A key whose id does not match its public key makes it ambiguous which key signed what.',
  ),
  KEY_UNKNOWN: m(
    ['CC6.1', 'CC7.2'],
    'A signature by a key that the key set does not contain cannot be attributed to an authorised signer.',
  ),
  KEY_CERT_INVALID: m(
    ['CC6.1', 'CC8.1'],
    "A key not properly certified by the root was added outside the organisation's key-management process.",
  ),
  KEY_ROLE_MISMATCH: m(
    ['CC6.1', 'CC6.3'],
    'A key signed something its role does not permit, breaking segregation of duties between gate, policy, approver and archive keys.',
  ),
  KEY_NOT_VALID_AT: m(
    ['CC6.1', 'CC8.1'],
    'A key was used outside its validity period, so key rotation is not operating as designed.',
  ),
  KEY_REVOKED: m(
    ['CC6.1', 'CC7.3'],
    'A key was used after its revocation, so revoked credentials were not effectively removed.',
  ),
  // Records and chain: the ledger is the population of gated actions.
  RECORD_MALFORMED: m(
    ['PI1.5', 'CC2.1'],
    'A receipt that does not follow the format cannot be tested, so the population of actions is not fully evidenced.',
  ),
  RECORD_NONCANONICAL: m(
    ['PI1.5', 'CC2.1'],
    'A receipt not in canonical form could be shown differently from what was signed, so what is displayed is not provably what was recorded.',
  ),
  SIGNATURE_INVALID: m(
    ['PI1.5', 'CC7.2', 'CC6.1'],
    'A receipt whose gate signature fails was altered or forged after the gate recorded it.',
  ),
  CHAIN_BROKEN: m(
    ['PI1.5', 'CC7.2'],
    'A break in the hash chain shows receipts were altered, removed or inserted after recording.',
  ),
  CHAIN_GAP: m(['PI1.5', 'CC7.2'], 'Missing sequence numbers mean recorded actions are absent from the evidence.'),
  CHAIN_DUPLICATE_SEQ: m(
    ['PI1.5', 'CC7.2'],
    'Two receipts with the same sequence number are a fork: two histories exist and only one can be true.',
  ),
  RECEIPT_ID_DUPLICATE: m(
    ['PI1.5', 'PI1.2'],
    'Two receipts with one id make the record of an action ambiguous and can hide a replayed or double-counted action.',
  ),
  TIME_REGRESSION: m(
    ['PI1.5', 'CC7.2'],
    'Time running backwards in a ledger makes the recorded order and timing of actions unreliable.',
  ),
  CHECKPOINT_INVALID: m(
    ['PI1.5', 'CC7.2'],
    'A checkpoint that does not verify cannot seal the ledger, so its completeness is not proven.',
  ),
  CHECKPOINT_MISMATCH: m(
    ['PI1.5', 'CC7.2'],
    'The ledger no longer matches what the gate sealed: receipts were changed after the checkpoint.',
  ),
  CHAIN_TRUNCATED: m(
    ['PI1.5', 'CC7.2'],
    'Receipts the gate sealed are missing from the end of the ledger, so the population of actions is incomplete.',
  ),
  CHAIN_UNSEALED: m(
    ['PI1.5'],
    'Receipts after the last checkpoint are not yet sealed, so their completeness is not proven (a note, not a failure).',
  ),
  // Policies: the gate's rules are changed configuration (CC8.1).
  POLICY_SIGNATURE_INVALID: m(
    ['CC8.1', 'CC6.1'],
    'A policy bundle not signed by a policy key was not approved through the change-management process.',
  ),
  POLICY_INVALID: m(
    ['CC8.1', 'CC5.2'],
    'A policy that does not parse was deployed without testing, so the gate could not enforce it as written.',
  ),
  POLICY_LINEAGE_BROKEN: m(
    ['CC8.1'],
    'Overlapping or unlinked policy versions mean the history of policy changes is not a single, approved sequence.',
  ),
  POLICY_UNKNOWN: m(
    ['CC8.1', 'CC2.1'],
    'A decision names a policy bundle absent from the evidence, so it cannot be shown which rules the gate applied.',
  ),
  POLICY_NOT_IN_EFFECT: m(
    ['CC8.1', 'CC6.1'],
    'A decision was made under a policy version that was not in effect then: a retired or not yet approved rule set was used.',
  ),
  ATTACHMENT_HASH_MISMATCH: m(
    ['PI1.5', 'PI1.4'],
    'An attached input, reasoning or output record differs from the hash the receipt recorded, so it is not the record of that action.',
  ),
  // Controls (FORMAT.md §7).
  DECISION_MISMATCH: m(
    ['PI1.3', 'CC6.1', 'CC7.2'],
    'Re-evaluating the recorded request under the recorded policies gives another decision, so the gate did not enforce its policies as written.',
  ),
  DENIED_BUT_EXECUTED: m(
    ['CC6.1', 'CC7.3'],
    'An action the access policy denied was executed anyway: the preventive access control was bypassed.',
  ),
  TIER_VIOLATION: m(
    ['C1.1', 'CC6.3'],
    'An agent was given data more sensitive than its clearance, contrary to least privilege over confidential information.',
  ),
  RECIPIENT_UNAPPROVED: m(
    ['P6.1', 'P6.3', 'CC6.7'],
    'Personal data was disclosed to a recipient not approved in the data-handling policy, an unauthorised disclosure to be recorded and assessed.',
  ),
  APPROVAL_MISSING: m(
    ['CC6.3', 'CC8.1'],
    'An action that requires a human approval ran without one, so the required authorisation step did not operate.',
  ),
  APPROVAL_INVALID: m(
    ['CC6.3', 'CC6.1'],
    'The approval is not a valid signature by an authorised approver key, so it does not prove that a person approved the action.',
  ),
  TXN_INCOMPLETE: m(
    ['PI1.3', 'PI1.4'],
    'A transaction never committed or aborted, so its processing may be incomplete or left in an unknown state.',
  ),
  TXN_STEP_GAP: m(
    ['PI1.3', 'PI1.5'],
    "Missing or repeated steps mean part of a transaction's processing is unrecorded or was processed twice.",
  ),
  NONDETERMINISTIC_OUTPUT: m(
    ['A1.2', 'PI1.4'],
    'The same input under the same policy gave different outputs, so outputs cannot be reproduced or replayed for recovery and their accuracy is in doubt.',
  ),
  SLO_BREACH: m(
    ['A1.1', 'CC7.2'],
    "The gate's 99th-percentile latency exceeded its objective, so availability commitments for gated actions were not met.",
  ),
});

/** The SOC 2 mapping of `code`. */
export function soc2For(code: FindingCode): Soc2Mapping {
  return SOC2_BY_CODE[code];
}
