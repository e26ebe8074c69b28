/**
 * What each finding means for a SOC 2 examination: the Trust Services Criteria (AICPA
 * TSC 2017, revised points of focus 2022) a finding bears on, and one sentence on why.
 *
 * The mapping of each code is a column of the one table of finding codes (shared/codes.ts),
 * so a code cannot exist without it; soc2.test.ts checks it again at run time.
 * Integrity findings mostly bear on the reliability of the evidence itself (CC2.1,
 * CC7.2, PI1.5): an auditor relies on a control only through evidence that holds up.
 */
import { CODE_INFO, type FindingCode } from './codes.ts';

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

/** The SOC 2 mapping of `code` (a column of the table in shared/codes.ts). */
export function soc2For(code: FindingCode): Soc2Mapping {
  return CODE_INFO[code].soc2;
}
