/**
 * What changed between two versions of a policy bundle (SOC 2 CC8.1): the metadata as a
 * field table, and the policies by id — added, removed, changed, unchanged — with a line
 * diff of their text after Cedar's formatter on both sides, so an edit of layout only reads
 * "unchanged after formatting", and each policy's scope (principal / action / resource from
 * cedar-wasm's `policyToJson`) so a widened scope shows at a glance.
 */
import { diffLines } from 'diff';
import type * as CedarWasm from '@cedar-policy/cedar-wasm';
import { formatPolicy, type CedarFormatting } from '../decisions/policy-status.ts';
import { MAX_POLICY_NESTING, policyNesting } from '../decisions/policies.ts';
import type { BundleBody } from '../format/schema.ts';

/** A bundle as a side of the diff: its body, identity and where it came from. */
export interface BundleSide {
  readonly hash: string;
  readonly body: BundleBody;
  /** Archive path, or the file given on the command line. */
  readonly path: string;
  /** True when it is in the archive; false for a proposed ("what-if") file. */
  readonly inArchive: boolean;
  /** At least one valid signature by a policy key anchored in a pinned root; null when not checked. */
  readonly signatureValid: boolean | null;
  readonly signers: readonly {
    readonly kid: string;
    readonly valid: boolean | null;
    readonly anchored: boolean;
    readonly problem: string | null;
  }[];
}

export type PolicyChange = 'added' | 'removed' | 'changed' | 'unchanged' | 'unchanged-after-formatting';

export interface Scope {
  readonly effect: 'permit' | 'forbid' | 'unknown';
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  /** Number of when/unless clauses. */
  readonly conditions: number;
}

export interface LinePart {
  readonly kind: 'same' | 'added' | 'removed';
  readonly text: string;
}

export interface PolicyDiff {
  readonly id: string;
  readonly change: PolicyChange;
  readonly fromText: string | null;
  readonly toText: string | null;
  /** Both sides went through Cedar's formatter (else the raw text is compared and shown). */
  readonly formatted: boolean;
  readonly lines: readonly LinePart[];
  readonly fromScope: Scope | null;
  readonly toScope: Scope | null;
  /** Which parts of the scope differ (empty when none or one side is missing). */
  readonly scopeChanged: readonly ('effect' | 'principal' | 'action' | 'resource' | 'conditions')[];
}

export interface FieldDiff {
  readonly field: string;
  readonly from: string;
  readonly to: string;
  readonly changed: boolean;
}

export interface BundleDiff {
  readonly from: BundleSide;
  readonly to: BundleSide;
  readonly fields: readonly FieldDiff[];
  readonly policies: {
    readonly added: readonly string[];
    readonly removed: readonly string[];
    readonly changed: readonly string[];
    /** Includes the ones unchanged only after formatting. */
    readonly unchanged: readonly string[];
    readonly unchangedAfterFormatting: readonly string[];
  };
  readonly perPolicy: readonly PolicyDiff[];
}

const show = (value: unknown): string =>
  value === undefined || value === null ? '—' : typeof value === 'string' ? value : JSON.stringify(value);

const sortedList = (value: readonly string[] | undefined): string =>
  value === undefined ? '—' : value.length === 0 ? '(none)' : [...value].sort().join(', ');

/** The metadata rows an auditor compares, in a fixed order. */
function fieldRows(a: BundleBody, b: BundleBody, sideA: BundleSide, sideB: BundleSide): FieldDiff[] {
  const tiers = (t: Record<string, string> | undefined) =>
    t === undefined
      ? '—'
      : Object.keys(t)
          .sort((x, y) => Number(x) - Number(y) || (x < y ? -1 : 1))
          .map((k) => `${k}: ${t[k]}`)
          .join(', ');
  const rows: [string, string, string][] = [
    ['id', a.id, b.id],
    ['version', String(a.version), String(b.version)],
    ['hash', sideA.hash, sideB.hash],
    ['effective_from', a.effective_from, b.effective_from],
    ['effective_until', show(a.effective_until), show(b.effective_until)],
    ['supersedes', show(a.supersedes), show(b.supersedes)],
    ['tiers', tiers(a.tiers), tiers(b.tiers)],
    [
      'data_handling.approved_recipients',
      sortedList(a.data_handling?.approved_recipients),
      sortedList(b.data_handling?.approved_recipients),
    ],
    [
      'data_handling.personal_categories',
      sortedList(a.data_handling?.personal_categories),
      sortedList(b.data_handling?.personal_categories),
    ],
    ['approval_required', sortedList(a.approval_required), sortedList(b.approval_required)],
    ['slo.p99_latency_ms', show(a.slo?.p99_latency_ms), show(b.slo?.p99_latency_ms)],
    ['signature', signatureText(sideA), signatureText(sideB)],
    [
      'source',
      sideA.inArchive ? sideA.path : `${sideA.path} (not in the archive)`,
      sideB.inArchive ? sideB.path : `${sideB.path} (not in the archive)`,
    ],
  ];
  return rows.map(([field, from, to]) => ({ field, from, to, changed: from !== to }));
}

function signatureText(side: BundleSide): string {
  if (side.signatureValid === null) return 'not checked';
  const signers = side.signers.map(
    (s) =>
      `${s.kid} ${s.valid === true ? (s.anchored ? 'valid' : 'valid, root not pinned') : s.valid === false ? 'INVALID' : `not checked (${s.problem ?? ''})`}`,
  );
  return `${side.signatureValid ? 'valid' : 'NOT valid'}${signers.length ? `: ${signers.join('; ')}` : ': no signatures'}`;
}

/** Diffs two bundles. Never throws for bad policy text: it is compared as stored. */
export function diffBundles(cedar: CedarFormatting, from: BundleSide, to: BundleSide): BundleDiff {
  const a = from.body.cedar.policies;
  const b = to.body.cedar.policies;
  const ids = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const perPolicy = ids.map((id): PolicyDiff => {
    const rawFrom = Object.hasOwn(a, id) ? (a[id] as string) : null;
    const rawTo = Object.hasOwn(b, id) ? (b[id] as string) : null;
    const fa = rawFrom === null ? null : formatPolicy(cedar, rawFrom);
    const fb = rawTo === null ? null : formatPolicy(cedar, rawTo);
    const formatted = (fa?.formatted ?? true) && (fb?.formatted ?? true);
    // Compare formatted text only when both sides could be formatted; otherwise as stored.
    const fromText = fa === null ? null : formatted ? fa.text : (rawFrom as string);
    const toText = fb === null ? null : formatted ? fb.text : (rawTo as string);
    let change: PolicyChange;
    if (fromText === null) change = 'added';
    else if (toText === null) change = 'removed';
    else if (fromText !== toText) change = 'changed';
    else change = rawFrom === rawTo ? 'unchanged' : 'unchanged-after-formatting';
    const fromScope = rawFrom === null ? null : scopeOf(cedar, rawFrom);
    const toScope = rawTo === null ? null : scopeOf(cedar, rawTo);
    const scopeChanged =
      fromScope && toScope
        ? (['effect', 'principal', 'action', 'resource', 'conditions'] as const).filter(
            (k) => fromScope[k] !== toScope[k],
          )
        : [];
    return {
      id,
      change,
      fromText,
      toText,
      formatted,
      lines: lineDiff(fromText ?? '', toText ?? ''),
      fromScope,
      toScope,
      scopeChanged,
    };
  });
  const of = (...kinds: PolicyChange[]) => perPolicy.filter((p) => kinds.includes(p.change)).map((p) => p.id);
  return {
    from,
    to,
    fields: fieldRows(from.body, to.body, from, to),
    policies: {
      added: of('added'),
      removed: of('removed'),
      changed: of('changed'),
      unchanged: of('unchanged', 'unchanged-after-formatting'),
      unchangedAfterFormatting: of('unchanged-after-formatting'),
    },
    perPolicy,
  };
}

function lineDiff(from: string, to: string): LinePart[] {
  const withNewline = (t: string) => (t === '' || t.endsWith('\n') ? t : `${t}\n`);
  const parts: LinePart[] = [];
  for (const change of diffLines(withNewline(from), withNewline(to))) {
    const kind = change.added ? 'added' : change.removed ? 'removed' : 'same';
    for (const line of change.value.replace(/\n$/, '').split('\n')) parts.push({ kind, text: line });
  }
  return from === '' && to === '' ? [] : parts;
}

/** A policy's scope in words, from Cedar's JSON form; `unknown` parts when Cedar cannot read it. */
export function scopeOf(cedar: CedarFormatting, text: string): Scope {
  const unknown: Scope = { effect: 'unknown', principal: '?', action: '?', resource: '?', conditions: 0 };
  if (policyNesting(text) > MAX_POLICY_NESTING) return unknown;
  let answer: ReturnType<CedarFormatting['policyToJson']>;
  try {
    answer = cedar.policyToJson(text);
  } catch {
    return unknown;
  }
  if (answer.type !== 'success') return unknown;
  const json = answer.json;
  return {
    effect: json.effect,
    principal: headText('principal', json.principal),
    action: actionText(json.action),
    resource: headText('resource', json.resource),
    conditions: json.conditions.length,
  };
}

type EntityUidJson = CedarWasm.EntityUidJson;

function uid(entity: EntityUidJson): string {
  const e = entity as { type?: string; id?: string; __entity?: { type: string; id: string } };
  const inner = e.__entity ?? e;
  return `${inner.type ?? '?'}::${JSON.stringify(inner.id ?? '?')}`;
}

function headText(name: string, c: CedarWasm.PrincipalConstraint | CedarWasm.ResourceConstraint): string {
  const any = c as {
    op: string;
    entity?: EntityUidJson;
    slot?: string;
    entity_type?: string;
    in?: { entity?: EntityUidJson };
  };
  switch (any.op) {
    case 'All':
      return `any ${name}`;
    case '==':
      return any.entity ? `${name} == ${uid(any.entity)}` : `${name} == ${any.slot ?? '?slot'}`;
    case 'in':
      return any.entity ? `${name} in ${uid(any.entity)}` : `${name} in ${any.slot ?? '?slot'}`;
    case 'is':
      return `${name} is ${any.entity_type ?? '?'}${any.in?.entity ? ` in ${uid(any.in.entity)}` : ''}`;
    default:
      return `${name} ${any.op}`;
  }
}

function actionText(c: CedarWasm.ActionConstraint): string {
  const any = c as { op: string; entity?: EntityUidJson; entities?: EntityUidJson[] };
  switch (any.op) {
    case 'All':
      return 'any action';
    case '==':
      return `action == ${any.entity ? uid(any.entity) : '?'}`;
    case 'in':
      return any.entities
        ? `action in [${any.entities.map(uid).join(', ')}]`
        : `action in ${any.entity ? uid(any.entity) : '?'}`;
    default:
      return `action ${any.op}`;
  }
}
