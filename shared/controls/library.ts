/**
 * The control library: the SOC 2 controls that agent evidence bears on, each with the
 * automated checks (finding codes) that are its exceptions, the population they are
 * tested over, and the manual test attributes an auditor starts from.
 *
 * Pure data, runs anywhere. Ids are stable and kebab-case: samples, control tests and
 * stored metrics name a control by its id, so an id is never renamed (titles may be).
 * Every finding code belongs to exactly one control (library.test.ts), so no exception
 * is left out of a control and none is counted under two.
 */
import { CODE_INFO, INTEGRITY_CODES, type FindingCode } from '../codes.ts';
import type { Soc2Criterion } from '../soc2.ts';

export const CONTROL_IDS = [
  'approval-of-elevated-actions',
  'decisions-follow-policy',
  'denied-actions-blocked',
  'data-tier-segregation',
  'personal-data-approved-recipients',
  'transactions-complete',
  'deterministic-outputs',
  'latency-within-slo',
  'evidence-integrity',
] as const;

export type ControlId = (typeof CONTROL_IDS)[number];

/** A manual test attribute: what the auditor checks by hand for each sampled item. */
export interface TestAttribute {
  /** Stable within its control (kebab-case); an edited text keeps its id. */
  readonly id: string;
  readonly text: string;
}

export interface ControlDefinition {
  readonly id: ControlId;
  /** The control as an auditor would name it in a workpaper. */
  readonly title: string;
  /** What the control is meant to achieve, one sentence. */
  readonly objective: string;
  readonly criteria: readonly Soc2Criterion[];
  /** The finding codes that are this control's exceptions. */
  readonly codes: readonly FindingCode[];
  /** What the population is counted in. */
  readonly unit: 'receipts' | 'transactions';
  /** The items the control is tested over, one sentence. */
  readonly population: string;
  /** How an item that passed reads after "411 of 412": "validly approved". */
  readonly passed: string;
  readonly attributes: readonly TestAttribute[];
}

const LIBRARY: readonly ControlDefinition[] = [
  {
    id: 'approval-of-elevated-actions',
    title: 'Elevated actions are approved by an authorised person',
    objective:
      'Every action the policy marks as requiring approval runs only with a human approval signed by an authorised approver key.',
    criteria: ['CC6.3', 'CC6.1', 'CC8.1'],
    codes: ['APPROVAL_MISSING', 'APPROVAL_INVALID'],
    unit: 'receipts',
    population: 'Receipts allowed for an action that the bundle they were decided under lists in approval_required.',
    passed: 'validly approved',
    attributes: [
      {
        id: 'approver-authorised',
        text: 'The approver named on the receipt is on the client’s list of people authorised to approve this action.',
      },
      {
        id: 'approval-traced',
        text: 'The approval traces to a request in the client’s approval workflow (ticket or change record) made before the action.',
      },
      {
        id: 'approval-list-complete',
        text: 'The bundle’s approval_required list covers every action management designates as elevated.',
      },
    ],
  },
  {
    id: 'decisions-follow-policy',
    title: 'Access decisions follow the policy in force',
    objective:
      'The gate decides each request as the signed policy bundle it names decides it, with the same determining policies.',
    criteria: ['PI1.3', 'CC6.1', 'CC7.2'],
    codes: ['DECISION_MISMATCH'],
    unit: 'receipts',
    population:
      'Receipts re-evaluated: decided under a bundle in the archive whose policy text is validly signed, listed in the manifest and parses as Cedar.',
    passed: 'decided as the policy decides',
    attributes: [
      {
        id: 'policy-approved-change',
        text: 'Each bundle version in force during the period went through the client’s change management (approval before its effective date).',
      },
      {
        id: 'policy-reflects-intent',
        text: 'The policies, read with management, enforce the access rules the client describes in its system description.',
      },
    ],
  },
  {
    id: 'denied-actions-blocked',
    title: 'Denied actions are blocked',
    objective: 'An action the gate denies does not run.',
    criteria: ['CC6.1', 'CC7.3'],
    codes: ['DENIED_BUT_EXECUTED'],
    unit: 'receipts',
    population: 'Receipts whose decision is deny.',
    passed: 'blocked',
    attributes: [
      {
        id: 'denial-investigated',
        text: 'Repeated denials of the same agent were noticed and followed up by the client’s monitoring.',
      },
      {
        id: 'no-bypass-path',
        text: 'The client shows that agents reach the tools only through the gate (no route around it).',
      },
    ],
  },
  {
    id: 'data-tier-segregation',
    title: 'Agents see only data within their clearance',
    objective: 'An agent is allowed data of its own tier or a less sensitive one, never more sensitive data.',
    criteria: ['C1.1', 'CC6.3'],
    codes: ['TIER_VIOLATION'],
    unit: 'receipts',
    population: 'Receipts whose decision is allow.',
    passed: 'within the agent’s clearance',
    attributes: [
      {
        id: 'tier-assignment-approved',
        text: 'Each agent’s tier matches the clearance approved for it in the client’s access review.',
      },
      {
        id: 'data-labels-reviewed',
        text: 'Data stores are labelled with the tier the client’s data classification assigns them.',
      },
    ],
  },
  {
    id: 'personal-data-approved-recipients',
    title: 'Personal data is sent only to approved recipients',
    objective: 'Personal data leaves only for recipients the data-handling policy in force approves.',
    criteria: ['P6.1', 'P6.3', 'CC6.7'],
    codes: ['RECIPIENT_UNAPPROVED'],
    unit: 'receipts',
    population:
      'Receipts that sent personal data to a named recipient and ran (status ok), under a bundle in the archive.',
    passed: 'sent to an approved recipient',
    attributes: [
      {
        id: 'recipient-agreement',
        text: 'Each approved recipient has a data-processing agreement in force on the date of the transfer.',
      },
      {
        id: 'disclosure-recorded',
        text: 'Any disclosure to an unapproved recipient was recorded and assessed as a privacy incident.',
      },
    ],
  },
  {
    id: 'transactions-complete',
    title: 'Multi-step transactions are complete',
    objective: 'Each transaction runs its steps 1, 2, 3 … without gaps or repeats and ends with commit or abort.',
    criteria: ['PI1.3', 'PI1.4', 'PI1.5'],
    codes: ['TXN_INCOMPLETE', 'TXN_STEP_GAP'],
    unit: 'transactions',
    population: 'Transactions: distinct transaction ids of a ledger, counted in the month of their first stored step.',
    passed: 'complete',
    attributes: [
      {
        id: 'incomplete-followed-up',
        text: 'Transactions left open or with missing steps were identified by the client and resolved.',
      },
    ],
  },
  {
    id: 'deterministic-outputs',
    title: 'Outputs are reproducible',
    objective:
      'The same agent, action, resource and input under the same policy bundle give the same output, so processing can be replayed.',
    criteria: ['A1.2', 'PI1.4'],
    codes: ['NONDETERMINISTIC_OUTPUT'],
    unit: 'receipts',
    population: 'Receipts that ran (status ok).',
    passed: 'consistent with earlier outputs',
    attributes: [
      {
        id: 'nondeterminism-explained',
        text: 'Management explains each differing output (model change, external data) and the explanation is supported.',
      },
    ],
  },
  {
    id: 'latency-within-slo',
    title: 'Gated actions meet the latency objective',
    objective:
      'The 99th-percentile latency under each bundle stays within the bundle’s objective (slo.p99_latency_ms).',
    criteria: ['A1.1', 'CC7.2'],
    codes: ['SLO_BREACH'],
    unit: 'receipts',
    population: 'Receipts decided under a bundle that declares a latency objective.',
    passed: 'within the objective',
    attributes: [
      {
        id: 'capacity-monitored',
        text: 'The client monitors gate latency and capacity and acted on breaches of the objective.',
      },
    ],
  },
  {
    id: 'evidence-integrity',
    title: 'The evidence of agent actions is complete and unaltered',
    objective:
      'Every receipt is recorded in canonical form, signed by an authorised gate key, chained without gaps and sealed by checkpoints.',
    criteria: ['PI1.5', 'CC2.1', 'CC7.2'],
    codes: INTEGRITY_CODES,
    unit: 'receipts',
    population:
      'Every receipt stored in the archive’s ledgers (lines that are not readable receipts are reported apart).',
    passed: 'with no integrity failure',
    attributes: [
      {
        id: 'archive-obtained-independently',
        text: 'The archive was obtained from the client’s system by the auditor, or its hash confirmed with the producer.',
      },
      {
        id: 'root-key-confirmed',
        text: 'The root key pinned for the examination was confirmed with the client through a channel independent of the archive.',
      },
    ],
  },
];

/** The library, in the order screens show it. */
export const CONTROL_LIBRARY: readonly ControlDefinition[] = Object.freeze(
  LIBRARY.map((control) => Object.freeze(control)),
);

const BY_ID = new Map<string, ControlDefinition>(CONTROL_LIBRARY.map((c) => [c.id, c]));
const BY_CODE = new Map<FindingCode, ControlDefinition>(
  CONTROL_LIBRARY.flatMap((c) => c.codes.map((code) => [code, c] as const)),
);

export function isControlId(id: string): id is ControlId {
  return BY_ID.has(id);
}

/** The control with this id, or null (an id a newer version stored, or a typo in an address). */
export function controlById(id: string): ControlDefinition | null {
  return BY_ID.get(id) ?? null;
}

/** The control whose exception `code` is. */
export function controlOfCode(code: FindingCode): ControlDefinition | null {
  return BY_CODE.get(code) ?? null;
}

/** The SOC 2 criteria the control's finding codes bear on (shared/codes.ts). */
export function criteriaBorneBy(control: ControlDefinition): Set<Soc2Criterion> {
  return new Set(control.codes.flatMap((code) => CODE_INFO[code].soc2.criteria));
}
