/**
 * The reconstruction of one line of an ExecLayer log (docs/FORMAT-EXECLAYER.md): what the
 * agent asked to do, the kernel's rule trace step by step, its verdict as written, and what
 * the log's verification found on that line: record hash, chain link (both ways), HMAC,
 * issuer and head, each as "holds", "fails", "not checked" (with why) or "not applicable".
 *
 * There is no Cedar request and no signed policy bundle in these logs: nothing is
 * re-performed here; the decision is the kernel's, as recorded. The checks are not run
 * again either: they are read from the log's verification (`verifyExeclayer`'s report), so
 * the command line (`tickmark explain <log> --line N`) and the app (from its stored report)
 * say exactly what `verify` says about the line.
 *
 * Pure: the host gives the line, its neighbours and the report.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type { Finding, FindingCode } from '../engine/findings.ts';
import { findingJson } from '../engine/finding-json.ts';
import type { CheckStatus, VerifyReport } from '../engine/types.ts';
import { toHex, utf8 } from '../format/bytes.ts';
import { parseRaw, RawNumber, type RawJson } from './canonical.ts';
import { HMAC_NOTE, type ExeclayerKind } from './verify.ts';

/** One non-blank line of a log, as stored. */
export interface ExeclayerLineText {
  /** 1-based line number in the log file. */
  readonly line: number;
  readonly text: string;
}

export interface ExplainLineInput {
  readonly kind: ExeclayerKind;
  /** The log's path as the report's findings name it (`execlayer_audit.log.jsonl`, `data/ledger.jsonl`). */
  readonly path: string;
  /** v4: the head file's path as findings name it (`data/dag_head.json`, `dag_head.json`). */
  readonly headPath?: string;
  readonly target: ExeclayerLineText;
  /** The non-blank line stored before it; null on the log's first. */
  readonly previous: ExeclayerLineText | null;
  /** The non-blank line stored after it; null on the log's last. */
  readonly next: ExeclayerLineText | null;
  /** The log's verification: every finding and the list of checks (with why those not made were not). */
  readonly report: Pick<VerifyReport, 'findings' | 'checks'>;
}

/** A value the line records, at `path` (dotted, from the record's top), with the label a person reads. */
export interface RecordedField {
  readonly label: string;
  readonly path: string;
  /** The value as JSON (numbers as JavaScript reads them). */
  readonly value: unknown;
  /** The value's JSON text as recorded (numbers exactly as written, members in stored order). */
  readonly text: string;
  /** An object's members, one level down, each with its text as recorded (for a person's view). */
  readonly members?: readonly RecordedField[];
}

export interface TraceStep {
  /** 1-based, in recorded order. */
  readonly index: number;
  /** Where the step is recorded: an entry of `rule_trace`, or (Python kernel) the verdict's one rule. */
  readonly source: 'rule_trace' | 'verdict.policy';
  readonly rule: string | null;
  /** `result`, or `decision` for the v4 kernel's input and model-output checks. */
  readonly result: string | null;
  /** `reason_code` (Python: the rule's `violation_key`); null where the step names none. */
  readonly reasonCode: string | null;
  /** The v4 kernel's `type` of a check step (`SCHEMA_CHECK`, `MODEL_OUTPUT_CHECK`). */
  readonly type: string | null;
  /** `facts` (or `input_facts`), member by member as recorded. */
  readonly facts: readonly RecordedField[];
  /** The step as recorded, as pretty JSON text (numbers as written). */
  readonly raw: string;
}

export type LineCheckStatus = 'holds' | 'fails' | 'not checked' | 'not applicable';

export interface LineCheck {
  readonly status: LineCheckStatus;
  /** What was compared, and what came of it (or why it was not checked). */
  readonly detail: string;
  /** The codes of the findings behind a "fails". */
  readonly codes: readonly FindingCode[];
}

export interface ExeclayerExplanation {
  readonly format: ExeclayerKind;
  readonly kernel: string;
  readonly path: string;
  readonly line: number;
  /** SHA-256 of the line's text (UTF-8), `sha256:` hex: the line as stored. */
  readonly lineHash: string;
  /** What the line is: a signed receipt, a Python-kernel ALLOW event (no receipt), or not a readable record. */
  readonly entry: 'receipt' | 'event' | 'unreadable';
  /** Python: `receipt_id`; v4: `receipt_hash`; null where the line has none. */
  readonly receipt: string | null;
  /** Python: `timestamp_utc`; null where the line records no time (v4 receipts, ALLOW events). */
  readonly time: string | null;
  /** Why the line could not be read as a record, or null. */
  readonly unreadable: string | null;
  readonly intent: {
    /** What the kernel recorded of the request, in the order a person asks about it. */
    readonly fields: readonly RecordedField[];
    /** What the kernel does not record of it, and what that means. */
    readonly notes: readonly string[];
  };
  readonly ruleTrace: {
    /** Whether the line records a rule trace (`rule_trace`); the Python kernel never does. */
    readonly recorded: boolean;
    readonly steps: readonly TraceStep[];
    readonly notes: readonly string[];
  };
  readonly verdict: {
    /** The outcome as the kernel wrote it (ALLOW, BLOCK, ESCALATE, REFUSE…), or null. */
    readonly status: string | null;
    readonly fields: readonly RecordedField[];
    /** Where the line's own members disagree about the outcome. */
    readonly notes: readonly string[];
  };
  readonly checks: {
    readonly recordHash: LineCheck;
    readonly chainLink: LineCheck;
    readonly nextLink: LineCheck;
    readonly hmac: LineCheck;
    readonly issuer: LineCheck;
    readonly head: LineCheck;
  };
  /** The findings of the log's verification on this line. */
  readonly findings: readonly Finding[];
  /** That there is nothing to re-perform, and why. */
  readonly reperform: string;
  readonly hmacNote: string;
  /** The line exactly as stored. */
  readonly text: string;
}

export const KERNEL_LABEL: Readonly<Record<ExeclayerKind, string>> = {
  'execlayer-py': 'ExecLayer Python kernel (audit log)',
  'execlayer-v4': 'ExecLayer v4 kernel (journal)',
};

export const NOTHING_TO_REPERFORM =
  'An ExecLayer log holds no Cedar request and no signed policy bundle, so there is nothing to re-perform: the decision is shown as the kernel recorded it, and Tickmark did not evaluate it again.';

export const EXPLAIN_EXECLAYER_FORMAT = 'tickmark.explain-execlayer.v1';

type Obj = { [key: string]: RawJson };
const isObj = (v: RawJson | undefined): v is Obj =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof RawNumber);
const at = (v: RawJson | undefined, path: string): RawJson | undefined =>
  path.split('.').reduce<RawJson | undefined>((o, k) => (isObj(o) && Object.hasOwn(o, k) ? o[k] : undefined), v);
const str = (v: RawJson | undefined): string | null => (typeof v === 'string' ? v : null);

/** A raw-parsed value as JSON (numbers as JavaScript reads them). */
function plain(value: RawJson): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof RawNumber) return Number(value.text);
  if (Array.isArray(value)) return value.map(plain);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = plain(v);
  return out;
}

/** JSON text of a raw-parsed value: numbers as written, members in stored order; pretty with `indent`. */
export function rawText(value: RawJson, indent = '', step = ''): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (value instanceof RawNumber) return value.text;
  const inner = indent + step;
  const nl = step === '' ? '' : '\n';
  const sep = step === '' ? ':' : ': ';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[${nl}${value.map((v) => inner + rawText(v, inner, step)).join(`,${nl}`)}${nl}${indent}]`;
  }
  const keys = Object.keys(value);
  if (keys.length === 0) return '{}';
  return `{${nl}${keys.map((k) => `${inner}${JSON.stringify(k)}${sep}${rawText(value[k] as RawJson, inner, step)}`).join(`,${nl}`)}${nl}${indent}}`;
}

const leaf = (label: string, path: string, value: RawJson): RecordedField => ({
  label,
  path,
  value: plain(value),
  text: rawText(value),
});
const field = (label: string, path: string, value: RawJson): RecordedField =>
  isObj(value)
    ? {
        ...leaf(label, path, value),
        members: Object.keys(value).map((k) => leaf(k, `${path}.${k}`, value[k] as RawJson)),
      }
    : leaf(label, path, value);

/** The fields of `record` at these paths that it has (a recorded null is shown as null). */
function fieldsAt(record: RawJson, specs: readonly (readonly [label: string, path: string])[]): RecordedField[] {
  const out: RecordedField[] = [];
  for (const [label, path] of specs) {
    const v = at(record, path);
    if (v !== undefined) out.push(field(label, path, v));
  }
  return out;
}

const PY_RECEIPT_INTENT = [
  ['Tool called', 'payload.receipt.intercepted.tool'],
  ['Arguments', 'payload.receipt.intercepted.parameters'],
  ['Agent', 'payload.receipt.agent.agent_id'],
  ['Session', 'payload.receipt.agent.session_id'],
  ['Environment', 'payload.receipt.agent.environment'],
  ['Stated intent', 'payload.receipt.intent.statement'],
  ['Purpose', 'payload.receipt.intent.purpose'],
  ['Business process', 'payload.receipt.intent.business_process'],
  ['Ticket', 'payload.receipt.intent.ticket_id'],
  ['On behalf of', 'payload.receipt.actor.display'],
  ['Actor id', 'payload.receipt.actor.id'],
  ['Actor role', 'payload.receipt.actor.role'],
  ['Actor unit', 'payload.receipt.actor.org_unit'],
  ['Jurisdiction', 'payload.receipt.context.jurisdiction'],
  ['Data class', 'payload.receipt.context.data_class'],
  ['Policy bundle', 'payload.receipt.kernel.policy_bundle_id'],
  ['Bundle version', 'payload.receipt.kernel.policy_bundle_version'],
  ['Kernel version', 'payload.receipt.kernel.kernel_version'],
] as const;

const PY_EVENT_INTENT = [
  ['Tool called', 'payload.tool'],
  ['Agent', 'payload.agent_id'],
  ['Session', 'payload.session_id'],
  ['Latency (ms)', 'payload.latency_ms'],
] as const;

const V4_INTENT = [
  ['Intent hash', 'intent_hash'],
  ['Session', 'session_id'],
  ['Authority token hash', 'authority_token_hash'],
  ['Principal role', 'blueprint.authority.principal_role'],
  ['Authority scope', 'blueprint.authority.authority_scope'],
  ['Scope profile', 'blueprint.authority.scope_profile'],
  ['Delegation', 'blueprint.authority.delegation_chain_reference'],
  ['Privilege tier', 'blueprint.authority.privilege_tier'],
  ['Governing policy', 'blueprint.blueprint_meta.policy_id'],
  ['Jurisdiction', 'blueprint.blueprint_meta.jurisdiction'],
  ['Compliance class', 'blueprint.blueprint_meta.compliance_class'],
  ['Blueprint', 'blueprint.blueprint_meta.blueprint_id'],
  ['Baseline version', 'baseline_version'],
  ['Validation errors', 'validation_errors'],
] as const;

/** Facts of the request that the v4 kernel's rules record, by fact name. */
const V4_INTENT_FACTS = [
  ['Intent type', 'intent_type'],
  ['Target system', 'target_system'],
  ['Requested action', 'requested_action'],
  ['Declared risk tier', 'declared_risk_tier'],
  ['Amount (USD)', 'amount_usd'],
  ['Tenant', 'tenant_id'],
] as const;

const PY_VERDICT = [
  ['Event', 'payload.event'],
  ['Enforcement', 'payload.receipt.enforcement.action'],
  ['Approval id', 'payload.receipt.enforcement.approval_id'],
  ['Mode', 'payload.receipt.enforcement.mode'],
  ['Risk tier', 'payload.receipt.verdict.risk.tier'],
  ['Risk score', 'payload.receipt.verdict.risk.score'],
  ['Risk reason', 'payload.receipt.verdict.risk.reason'],
  ['Latency (ms)', 'payload.receipt.verdict.latency_ms'],
  ['Disclaimer', 'payload.receipt.disclaimer'],
] as const;

const V4_VERDICT = [
  ['Status', 'status'],
  ['Reason codes', 'reason_codes'],
  ['Blueprint outcome', 'blueprint.decision.outcome'],
  ['Blueprint reason codes', 'blueprint.decision.reason_codes'],
  ['Execution result', 'execution_result_code'],
  ['Risk tier', 'risk_tier'],
  ['Model result', 'model_result'],
] as const;

function stepOf(value: RawJson, index: number): TraceStep {
  const facts = at(value, 'facts') ?? at(value, 'input_facts');
  const reason = str(at(value, 'reason_code'));
  return {
    index,
    source: 'rule_trace',
    rule: str(at(value, 'rule_id')),
    result: str(at(value, 'result')) ?? str(at(value, 'decision')),
    reasonCode: reason === '' ? null : reason,
    type: str(at(value, 'type')),
    facts: isObj(facts) ? Object.keys(facts).map((k) => field(k, k, facts[k] as RawJson)) : [],
    raw: rawText(value, '', '  '),
  };
}

const lineHashOf = (text: string) => `sha256:${toHex(sha256(utf8(text)))}`;

/** Reconstructs one line of an ExecLayer log. Never throws for bad evidence: an unreadable line says why. */
export function explainExeclayerLine(input: ExplainLineInput): ExeclayerExplanation {
  const { kind, path, target } = input;
  const headPath = input.headPath ?? 'dag_head.json';
  const onLine = (line: number) => input.report.findings.filter((f) => f.path === path && f.line === line);
  const findings = onLine(target.line);
  const codes = (fs: readonly Finding[], ...wanted: FindingCode[]) => [
    ...new Set(fs.filter((f) => wanted.includes(f.code)).map((f) => f.code)),
  ];
  const messages = (fs: readonly Finding[], ...wanted: FindingCode[]) =>
    fs
      .filter((f) => wanted.includes(f.code))
      .map((f) => f.message)
      .join(' ');

  let value: RawJson | undefined;
  let unreadable: string | null = null;
  try {
    value = parseRaw(target.text);
    if (!isObj(value)) unreadable = 'The line is not a JSON object.';
  } catch (error) {
    unreadable = `The line is not JSON: ${(error as Error).message}.`;
  }
  const record = unreadable === null ? (value as Obj) : null;
  const receiptValue = kind === 'execlayer-py' ? at(record ?? undefined, 'payload.receipt') : undefined;
  const entry: ExeclayerExplanation['entry'] =
    record === null ? 'unreadable' : kind === 'execlayer-py' && !isObj(receiptValue) ? 'event' : 'receipt';
  const receipt =
    record === null
      ? null
      : kind === 'execlayer-py'
        ? str(at(record, 'payload.receipt.receipt_id'))
        : str(at(record, 'receipt_hash'));
  const time =
    record === null ? null : kind === 'execlayer-py' ? str(at(record, 'payload.receipt.timestamp_utc')) : null;

  const intent = record === null ? { fields: [], notes: [] } : intentOf(kind, record, entry);
  const ruleTrace = record === null ? { recorded: false, steps: [], notes: [] } : traceOf(kind, record, entry);
  const verdict = record === null ? { status: null, fields: [], notes: [] } : verdictOf(kind, record, entry);

  // What the verification found on this line.
  const check = (name: string): CheckStatus | undefined => input.report.checks.find((c) => c.check.startsWith(name));
  const notRecord: LineCheck = {
    status: 'not checked',
    detail: `The line is not a readable record: ${unreadable ?? ''}`.trim(),
    codes: [],
  };
  const hashFailed = codes(findings, 'RECORD_HASH_MISMATCH', 'RECORD_MALFORMED');
  const recordHash: LineCheck =
    record === null
      ? { status: 'fails', detail: messages(findings, 'RECORD_MALFORMED') || (unreadable ?? ''), codes: hashFailed }
      : hashFailed.length > 0
        ? { status: 'fails', detail: messages(findings, 'RECORD_HASH_MISMATCH', 'RECORD_MALFORMED'), codes: hashFailed }
        : {
            status: 'holds',
            detail:
              kind === 'execlayer-py'
                ? entry === 'receipt'
                  ? 'payload_hash is the SHA-256 of the payload, and crypto.payload_hash the SHA-256 of the receipt without crypto (Python canonical JSON): the entry is as written.'
                  : 'payload_hash is the SHA-256 of the payload (Python canonical JSON): the entry is as written.'
                : 'receipt_hash is the SHA-256 of the receipt without receipt_hash, receipt_signature and next_parent_receipt_hash (sorted keys), and next_parent_receipt_hash equals it: the receipt is as written.',
            codes: [],
          };

  const linkField = kind === 'execlayer-py' ? 'prev_entry_hash' : 'parent_receipt_hash';
  const ownField = kind === 'execlayer-py' ? 'entry_hash' : 'receipt_hash';
  const previousHash = input.previous ? recordedHash(kind, input.previous.text) : undefined;
  const chainBroken = codes(findings, 'CHAIN_BROKEN');
  const chainLink: LineCheck =
    record === null
      ? notRecord
      : chainBroken.length > 0
        ? { status: 'fails', detail: messages(findings, 'CHAIN_BROKEN'), codes: chainBroken }
        : {
            status: 'holds',
            detail:
              input.previous === null
                ? kind === 'execlayer-py'
                  ? 'First entry of the log: prev_entry_hash is null, and entry_hash is sha256(":" + payload_hash) as the kernel computes it.'
                  : 'First receipt of the journal: parent_receipt_hash is 64 zeros.'
                : kind === 'execlayer-py'
                  ? `prev_entry_hash is the entry_hash of line ${input.previous.line} (${previousHash ?? '?'}), and entry_hash is sha256(prev:payload_hash).`
                  : `parent_receipt_hash is the receipt_hash of line ${input.previous.line} (${previousHash ?? '?'}).`,
            codes: [],
          };

  const nextLink = nextLinkOf(kind, record, input.next, linkField, ownField);

  const hmacCheck = check('HMAC signatures');
  const badSignature = codes(findings, 'SIGNATURE_INVALID');
  const hmac: LineCheck =
    record === null
      ? notRecord
      : entry === 'event'
        ? {
            status: 'not applicable',
            detail: 'An ALLOW event is not signed: the Python kernel signs only its BLOCK and ESCALATE receipts.',
            codes: [],
          }
        : hmacCheck === undefined || hmacCheck.status !== 'ran'
          ? {
              status: 'not checked',
              detail: `Not checked: ${(hmacCheck?.reason ?? 'no HMAC secret was given').replace(HMAC_NOTE, '').trim().replace(/\.$/, '')}.`,
              codes: [],
            }
          : badSignature.length > 0
            ? { status: 'fails', detail: messages(findings, 'SIGNATURE_INVALID'), codes: badSignature }
            : {
                status: 'holds',
                detail:
                  kind === 'execlayer-py'
                    ? 'crypto.signature_b64 is the HMAC-SHA256 of the canonical receipt under the secret given.'
                    : 'receipt_signature is the HMAC-SHA256 of "1.0" + receipt_hash + parent_receipt_hash + intent_hash under the secret given.',
                codes: [],
              };

  const issuerCheck = check('Issuer key ids known');
  const unknownIssuer = codes(findings, 'KEY_UNKNOWN');
  const issuerId = record === null ? null : str(at(record, 'issuer_key_id'));
  const issuer: LineCheck =
    kind === 'execlayer-py'
      ? { status: 'not applicable', detail: 'Python-kernel receipts name no issuer.', codes: [] }
      : record === null
        ? notRecord
        : issuerCheck === undefined || issuerCheck.status !== 'ran'
          ? {
              status: 'not checked',
              detail: `Not checked: ${issuerCheck?.reason ?? 'no issuers were given'}. The receipt names issuer ${JSON.stringify(issuerId)}.`,
              codes: [],
            }
          : unknownIssuer.length > 0
            ? { status: 'fails', detail: messages(findings, 'KEY_UNKNOWN'), codes: unknownIssuer }
            : {
                status: 'holds',
                detail: `issuer_key_id ${JSON.stringify(issuerId)} is one of the issuers given.`,
                codes: [],
              };

  const head = headOf(kind, input, headPath);

  return {
    format: kind,
    kernel: KERNEL_LABEL[kind],
    path,
    line: target.line,
    lineHash: lineHashOf(target.text),
    entry,
    receipt,
    time,
    unreadable,
    intent,
    ruleTrace,
    verdict,
    checks: { recordHash, chainLink, nextLink, hmac, issuer, head },
    findings,
    reperform: NOTHING_TO_REPERFORM,
    hmacNote: HMAC_NOTE,
    text: target.text,
  };
}

/** A line's recorded own hash (Python: `entry_hash`; v4: `receipt_hash`), undefined when it has none. */
function recordedHash(kind: ExeclayerKind, text: string): string | undefined {
  try {
    const v = parseRaw(text);
    return str(at(v, kind === 'execlayer-py' ? 'entry_hash' : 'receipt_hash')) ?? undefined;
  } catch {
    return undefined;
  }
}

function nextLinkOf(
  kind: ExeclayerKind,
  record: Obj | null,
  next: ExeclayerLineText | null,
  linkField: string,
  ownField: string,
): LineCheck {
  if (next === null)
    return { status: 'not applicable', detail: 'The last line of the log: no record follows it.', codes: [] };
  if (record === null)
    return {
      status: 'not checked',
      detail: 'This line is not a readable record, so nothing can link to it.',
      codes: [],
    };
  let nextValue: RawJson;
  try {
    nextValue = parseRaw(next.text);
  } catch {
    return {
      status: 'not checked',
      detail: `Line ${next.line}, stored after it, is not JSON: it links to nothing.`,
      codes: [],
    };
  }
  const own = str(at(record, ownField));
  const link = at(nextValue, linkField);
  if (!isObj(nextValue) || link === undefined)
    return {
      status: 'not checked',
      detail: `Line ${next.line}, stored after it, is not a record with ${linkField}.`,
      codes: [],
    };
  if (kind === 'execlayer-py' && link === null)
    return {
      status: 'fails',
      detail: `Line ${next.line} starts a new chain (prev_entry_hash is null), as the Python kernel does after a process restart: nothing links this entry to the ones after it.`,
      codes: ['CHAIN_BROKEN'],
    };
  if (own !== null && str(link) === own)
    return { status: 'holds', detail: `Line ${next.line}'s ${linkField} is this line's ${ownField}.`, codes: [] };
  return {
    status: 'fails',
    detail: `Line ${next.line}'s ${linkField} is ${rawText(link)}, not this line's ${ownField} (${own ?? 'none'}): the verification reports CHAIN_BROKEN on line ${next.line}.`,
    codes: ['CHAIN_BROKEN'],
  };
}

function headOf(kind: ExeclayerKind, input: ExplainLineInput, headPath: string): LineCheck {
  if (input.next !== null)
    return {
      status: 'not applicable',
      detail:
        kind === 'execlayer-v4'
          ? 'Only the journal’s last receipt is compared with its head file.'
          : 'Only the end of the log could be compared with a head, and the Python kernel writes none.',
      codes: [],
    };
  if (kind === 'execlayer-py')
    return {
      status: 'not checked',
      detail:
        'The last line of the log: the Python kernel writes no head or anchor, so whether entries were cut after it cannot be told from the file.',
      codes: [],
    };
  // The head file's findings: about no line of the log (its path, where the host knows it).
  const onHead = input.report.findings.filter(
    (f) => f.line === undefined && f.path !== input.path && (input.headPath === undefined || f.path === headPath),
  );
  const missing = onHead.find((f) => f.code === 'FILE_MISSING');
  if (missing) return { status: 'not checked', detail: `Not checked: ${missing.message}`, codes: [] };
  const bad = onHead.filter((f) => f.code === 'CHAIN_TRUNCATED' || f.code === 'RECORD_MALFORMED');
  if (bad.length > 0)
    return {
      status: 'fails',
      detail: bad.map((f) => f.message).join(' '),
      codes: [...new Set(bad.map((f) => f.code))],
    };
  return {
    status: 'holds',
    detail: `The journal's last receipt: ${headPath} names it as the head (an unsigned file).`,
    codes: [],
  };
}

function intentOf(kind: ExeclayerKind, record: Obj, entry: ExeclayerExplanation['entry']) {
  if (kind === 'execlayer-py') {
    if (entry === 'event')
      return {
        fields: fieldsAt(record, PY_EVENT_INTENT),
        notes: [
          'An ALLOW event records the agent, its session and the tool only: not the arguments, the person it acted for or its stated intent. It carries no receipt and no signature.',
        ],
      };
    return {
      fields: fieldsAt(record, PY_RECEIPT_INTENT),
      notes: ['The tool call as the kernel intercepted it: its arguments are recorded as the agent passed them.'],
    };
  }
  const fields = fieldsAt(record, V4_INTENT);
  const trace = at(record, 'rule_trace');
  const seen = new Set<string>();
  if (Array.isArray(trace))
    trace.forEach((step, i) => {
      const key = at(step, 'facts') !== undefined ? 'facts' : 'input_facts';
      const facts = at(step, key);
      if (!isObj(facts)) return;
      for (const [label, name] of V4_INTENT_FACTS)
        if (Object.hasOwn(facts, name) && !seen.has(name)) {
          seen.add(name);
          fields.push(field(`${label} (from step ${i + 1})`, `rule_trace.${i}.${key}.${name}`, facts[name] as RawJson));
        }
    });
  const validation = str(at(record, 'session_id')) === 'GOV-SESS-VALIDATION-ERROR';
  return {
    fields,
    notes: [
      validation
        ? 'The request failed the kernel’s input validation: intent_hash is the hash of the validation errors, not of a request, and the request itself is not recorded.'
        : 'The v4 kernel records the request (principal, session, intent, policy context, tenant) only as intent_hash: the request itself is not in the journal, so the hash cannot be recomputed from it. The fields below are what the receipt records of it; the intent’s own fields appear only where a rule recorded them as facts.',
    ],
  };
}

function traceOf(kind: ExeclayerKind, record: Obj, entry: ExeclayerExplanation['entry']) {
  if (kind === 'execlayer-py') {
    if (entry === 'event')
      return {
        recorded: false,
        steps: [],
        notes: [
          'No rule matched: the Python kernel writes an ALLOW event when none of its bundle’s rules matched the call, and records no rule for it.',
        ],
      };
    const policy = at(record, 'payload.receipt.verdict.policy');
    const risk = at(record, 'payload.receipt.verdict.risk');
    const facts: RecordedField[] = [];
    if (risk !== undefined) facts.push(field('risk', 'payload.receipt.verdict.risk', risk));
    const citation = at(policy, 'citation');
    if (citation !== undefined) facts.push(field('citation', 'payload.receipt.verdict.policy.citation', citation));
    const violation = str(at(policy, 'violation_key'));
    const step: TraceStep = {
      index: 1,
      source: 'verdict.policy',
      rule: str(at(policy, 'rule_id')),
      result: str(at(record, 'payload.receipt.verdict.status')),
      reasonCode: violation === '' ? null : violation,
      type: null,
      facts,
      raw: rawText(at(record, 'payload.receipt.verdict') ?? null, '', '  '),
    };
    return {
      recorded: false,
      steps: policy === undefined ? [] : [step],
      notes: [
        'The Python kernel records no rule trace: it tries its bundle’s rules by priority and writes only the first that matched (verdict.policy). The rules it tried before that one are not recorded.',
      ],
    };
  }
  const trace = at(record, 'rule_trace');
  const steps = Array.isArray(trace) ? trace.map((s, i) => stepOf(s, i + 1)) : [];
  const notes: string[] = [];
  if (!Array.isArray(trace)) notes.push('The receipt has no rule_trace.');
  else if (trace.length === 0) notes.push('The receipt’s rule_trace is empty.');
  const blueprintTrace = at(record, 'blueprint.rule_trace');
  if (blueprintTrace !== undefined && Array.isArray(trace) && rawText(blueprintTrace) !== rawText(trace))
    notes.push('The blueprint’s rule_trace differs from the receipt’s rule_trace (the receipt’s is shown).');
  if (steps.length > 0) notes.push('Steps in the order the kernel recorded them.');
  return { recorded: Array.isArray(trace), steps, notes };
}

function verdictOf(kind: ExeclayerKind, record: Obj, entry: ExeclayerExplanation['entry']) {
  const notes: string[] = [];
  if (kind === 'execlayer-py') {
    const event = str(at(record, 'payload.event'));
    if (entry === 'event') return { status: event, fields: fieldsAt(record, PY_VERDICT), notes };
    const status = str(at(record, 'payload.receipt.verdict.status'));
    if (event !== null && status !== null && event !== status)
      notes.push(
        `The entry's event says ${event}, but its receipt's verdict says ${status}: the two were written together, so one of them was changed.`,
      );
    return { status, fields: fieldsAt(record, PY_VERDICT), notes };
  }
  const status = str(at(record, 'status'));
  const outcome = str(at(record, 'blueprint.decision.outcome'));
  if (outcome !== null && status !== null && outcome !== status)
    notes.push(`The receipt's status is ${status}, but its blueprint's decision is ${outcome}.`);
  const codes = at(record, 'reason_codes');
  const blueprintCodes = at(record, 'blueprint.decision.reason_codes');
  if (codes !== undefined && blueprintCodes !== undefined && rawText(codes) !== rawText(blueprintCodes))
    notes.push(`The receipt's reason_codes ${rawText(codes)} differ from its blueprint's ${rawText(blueprintCodes)}.`);
  return { status, fields: fieldsAt(record, V4_VERDICT), notes };
}

const checkJson = (c: LineCheck) => ({ status: c.status, detail: c.detail, codes: c.codes });
const fieldJson = (f: RecordedField) => ({ label: f.label, path: f.path, value: f.value, text: f.text });

/** The `tickmark explain <log> --line N --json` object (docs/FORMAT-EXECLAYER.md): snake_case at this edge. */
export function execlayerExplanationJson(e: ExeclayerExplanation): Record<string, unknown> {
  return {
    format: EXPLAIN_EXECLAYER_FORMAT,
    log_format: e.format,
    kernel: e.kernel,
    path: e.path,
    line: e.line,
    line_sha256: e.lineHash,
    entry: e.entry,
    receipt: e.receipt,
    time: e.time,
    unreadable: e.unreadable,
    intent: { fields: e.intent.fields.map(fieldJson), notes: e.intent.notes },
    rule_trace: {
      recorded: e.ruleTrace.recorded,
      steps: e.ruleTrace.steps.map((s) => ({
        index: s.index,
        source: s.source,
        rule: s.rule,
        result: s.result,
        reason_code: s.reasonCode,
        type: s.type,
        facts: s.facts.map(fieldJson),
        raw: s.raw,
      })),
      notes: e.ruleTrace.notes,
    },
    verdict: { status: e.verdict.status, fields: e.verdict.fields.map(fieldJson), notes: e.verdict.notes },
    checks: {
      record_hash: checkJson(e.checks.recordHash),
      chain_link: checkJson(e.checks.chainLink),
      next_link: checkJson(e.checks.nextLink),
      hmac: checkJson(e.checks.hmac),
      issuer: checkJson(e.checks.issuer),
      head: checkJson(e.checks.head),
    },
    findings: e.findings.map(findingJson),
    reperform: e.reperform,
    hmac_note: e.hmacNote,
    line_text: e.text,
  };
}

/** Whether nothing was found on the line and nothing it checks failed (the CLI's exit 0). */
export function lineHolds(e: ExeclayerExplanation): boolean {
  return e.findings.length === 0 && Object.values(e.checks).every((c) => c.status !== 'fails');
}

/** What a line is at a glance (for a listing): its outcome as written and its receipt id; null where it has none. */
export function lineGlance(kind: ExeclayerKind, text: string): { outcome: string | null; receipt: string | null } {
  let value: RawJson;
  try {
    value = parseRaw(text);
  } catch {
    return { outcome: null, receipt: null };
  }
  if (!isObj(value)) return { outcome: null, receipt: null };
  return kind === 'execlayer-py'
    ? {
        // The entry's event first, as the app's lines screen shows it.
        outcome: str(at(value, 'payload.event')) ?? str(at(value, 'payload.receipt.verdict.status')),
        receipt: str(at(value, 'payload.receipt.receipt_id')),
      }
    : { outcome: str(at(value, 'status')), receipt: str(at(value, 'receipt_hash')) };
}
