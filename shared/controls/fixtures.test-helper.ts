/**
 * Test fixtures for the control checks: deterministic keys, a policy bundle like the
 * reference producer's, and a builder of signed, chained receipts that pass
 * `ReceiptSchema`. Runtime-neutral (shared/ rules), so it also type-checks with shared/.
 *
 * The default receipt is a clean one: support-07 (tier 3) reads kb_articles (tier 4),
 * allowed by `tier-read`, executed ok, as a one-step committed transaction, with input
 * and output hashes unique to its seq. Tests override only what their case is about.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type { Finding } from '../engine/findings.ts';
import type {
  ArchiveContext,
  ControlCheckFactory,
  KeyUse,
  Keyring,
  ReceiptContext,
  ResolvedBundle,
} from '../engine/types.ts';
import { toHex, utf8 } from '../format/bytes.ts';
import { canonicalize, parseCanonical, signedText } from '../format/canonical.ts';
import { nobleStrictVerifier, publicKeyOf, signBytes } from '../format/ed25519.ts';
import { hashOf, ZERO_HASH } from '../format/hash.ts';
import {
  BundleBodySchema,
  ReceiptSchema,
  validate,
  type BundleBody,
  type Receipt,
  type Role,
} from '../format/schema.ts';
import { instantOf, type Instant } from '../format/time.ts';
import { approvalMessage } from './approval.ts';

export interface TestKey {
  readonly kid: string;
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly roles: readonly Role[];
  /** Revocation time, when the key is revoked. */
  readonly revokedAt?: string;
}

/** A key derived from `label`, so fixtures are the same on every run. */
export function testKey(label: string, roles: readonly Role[], revokedAt?: string): TestKey {
  const secretKey = sha256(utf8(`tickmark test key ${label}`));
  const publicKey = publicKeyOf(secretKey);
  return {
    kid: toHex(sha256(publicKey)).slice(0, 32),
    secretKey,
    publicKey,
    roles,
    ...(revokedAt ? { revokedAt } : {}),
  };
}

export const GATE_KEY = testKey('gate', ['gate']);
export const APPROVER_KEY = testKey('approver', ['approver']);
export const KEY_VALID_FROM = '2026-01-01T00:00:00.000Z';
export const KEY_VALID_UNTIL = '2027-01-01T00:00:00.000Z';

/** A keyring over `keys`, valid through 2026, as the engine's would answer. */
export function testKeyring(keys: readonly TestKey[]): Keyring {
  const from = instantOf(KEY_VALID_FROM) as Instant;
  const until = instantOf(KEY_VALID_UNTIL) as Instant;
  return {
    check(kid: string, role: Role, atText: string): KeyUse {
      const at = instantOf(atText);
      const key = keys.find((k) => k.kid === kid);
      if (!key) return { ok: false, code: 'KEY_UNKNOWN', message: `key ${kid} is not in keys.json` };
      if (!key.roles.includes(role))
        return { ok: false, code: 'KEY_ROLE_MISMATCH', message: `key ${kid} lacks the ${role} role` };
      if (at === null || !(at >= from && at <= until))
        return { ok: false, code: 'KEY_NOT_VALID_AT', message: `key ${kid} is not valid at that time` };
      const revoked = key.revokedAt ? instantOf(key.revokedAt) : null;
      if (revoked !== null && at >= revoked)
        return { ok: false, code: 'KEY_REVOKED', message: `key ${kid} was revoked at ${key.revokedAt}` };
      return { ok: true, publicKey: key.publicKey, anchored: true };
    },
  };
}

export const TEST_POLICIES: Readonly<Record<string, string>> = Object.freeze({
  'no-export': 'forbid(principal, action == Action::"db.export", resource);',
  payments:
    'permit(principal is Agent, action == Action::"payments.release", resource is Account) when { context has approved && context.approved && principal.role == "finance" };',
  search: 'permit(principal is Agent, action == Action::"kb.search", resource);',
  'share-approved':
    'permit(principal is Agent, action == Action::"data.share", resource is Recipient) when { resource.approved };',
  'tier-read':
    'permit(principal is Agent, action == Action::"db.read", resource is Table) when { resource.tier >= principal.tier };',
});

/** A bundle body like the reference producer's; `changes` replace top-level members. */
export function testBundleBody(changes: Partial<BundleBody> = {}): BundleBody {
  const body = {
    id: 'agents-test',
    version: 1,
    effective_from: '2026-04-01T00:00:00.000Z',
    effective_until: null,
    supersedes: null,
    cedar: { policies: { ...TEST_POLICIES } },
    tiers: { '1': 'restricted', '2': 'confidential', '3': 'internal', '4': 'public' },
    data_handling: { approved_recipients: ['crm.example.com'], personal_categories: ['email', 'phone'] },
    approval_required: ['payments.release'],
    slo: { p99_latency_ms: 2000 },
    ...changes,
  };
  const checked = validate(BundleBodySchema, body);
  if (!checked.ok) throw new Error(`testBundleBody: ${checked.message}`);
  return checked.value;
}

/** The bundle as the engine would resolve it: identity `H(C(bundle))`. */
export function resolveBundle(body: BundleBody, path = `policies/${body.id}-v${body.version}.json`): ResolvedBundle {
  return {
    path,
    hash: hashOf(canonicalize(body)),
    body,
    signatureValid: true,
    policiesUsable: true,
    effectiveFrom: instantOf(body.effective_from) as Instant,
    effectiveUntil: body.effective_until ? instantOf(body.effective_until) : null,
  };
}

export function testArchive(
  bundles: readonly ResolvedBundle[],
  keys: readonly TestKey[] = [GATE_KEY, APPROVER_KEY],
): ArchiveContext {
  return {
    bundlesByHash: new Map(bundles.map((b) => [b.hash, b])),
    keyring: testKeyring(keys),
    verifier: nobleStrictVerifier,
  };
}

type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

export interface ReceiptSpec extends DeepPartial<Omit<Receipt, 'decision'>> {
  readonly decision?: DeepPartial<Receipt['decision']>;
  /** Sign an approval with this key (over this receipt's id, action and resource). */
  readonly approveWith?: TestKey;
  /** Replace the approval signature by a wrong one, to test rejection. */
  readonly tamperApproval?: boolean;
}

/** One receipt as stored, with the context the engine would hand to a check. */
export interface FixtureRecord {
  readonly receipt: Receipt;
  readonly line: string;
  readonly context: ReceiptContext;
}

/**
 * A chained, gate-signed ledger of receipts from `specs` (seq from 1, one second apart).
 * @throws Error when a spec makes a receipt that `ReceiptSchema` rejects (a broken test).
 */
export function buildLedger(
  ledger: string,
  bundle: ResolvedBundle,
  specs: readonly ReceiptSpec[],
  bundles: readonly ResolvedBundle[] = [bundle],
): FixtureRecord[] {
  const records: FixtureRecord[] = [];
  let prev = ZERO_HASH;
  specs.forEach((spec, index) => {
    const seq = index + 1;
    const { approveWith, tamperApproval, ...overrides } = spec;
    const unsigned = merge(defaultReceipt(ledger, seq, prev, bundle), overrides) as Record<string, unknown> & {
      decision: Record<string, unknown>;
    };
    if (approveWith) {
      const message = approvalMessage(unsigned as unknown as Receipt);
      const sig = toHex(signBytes(utf8(tamperApproval ? `${message} ` : message), approveWith.secretKey));
      unsigned.decision = {
        ...unsigned.decision,
        approval: { approver: 'controller@example.com', kid: approveWith.kid, sig },
      };
    }
    const sig = toHex(signBytes(utf8(signedText({ ...unsigned, kid: GATE_KEY.kid })), GATE_KEY.secretKey));
    const value = { ...unsigned, kid: GATE_KEY.kid, sig };
    const checked = validate(ReceiptSchema, value);
    if (!checked.ok) throw new Error(`buildLedger: receipt ${seq} is not schema-valid: ${checked.message}`);
    const line = canonicalize(value);
    const hash = hashOf(line);
    const path = `ledgers/${ledger}/000001.jsonl`;
    const named = bundles.find((b) => b.hash === checked.value.decision.bundle);
    // As the engine reads a canonical line: the request's and entities' texts come with it.
    const members = parseCanonical(line, ['request', 'entities']);
    const span = (name: string) => (members.ok ? members.members?.get(name) : undefined);
    const [request, entities] = [span('request'), span('entities')];
    if (!request || !entities) throw new Error(`buildLedger: receipt ${seq} is not read as a canonical line`);
    records.push({
      receipt: checked.value,
      line,
      context: {
        path,
        line: seq,
        ledger,
        hash,
        bundle: named,
        requestText: line.slice(request[0], request[1]),
        entitiesText: line.slice(entities[0], entities[1]),
      },
    });
    prev = hash;
  });
  return records;
}

function defaultReceipt(ledger: string, seq: number, prev: string, bundle: ResolvedBundle): Record<string, unknown> {
  const ts = new Date(Date.UTC(2026, 3, 2, 0, 0, seq)).toISOString();
  return {
    v: 1,
    ledger,
    seq,
    prev,
    id: `rc_${ledger}_${seq}`,
    ts,
    agent: { id: 'support-07', role: 'support', tier: 3 },
    txn: { id: `tx_${ledger}_${seq}`, step: 1, end: 'commit' },
    request: {
      principal: { type: 'Agent', id: 'support-07' },
      action: { type: 'Action', id: 'db.read' },
      resource: { type: 'Table', id: 'kb_articles' },
      context: {},
    },
    entities: [
      { uid: { type: 'Agent', id: 'support-07' }, attrs: { role: 'support', tier: 3 }, parents: [] },
      { uid: { type: 'Table', id: 'kb_articles' }, attrs: { tier: 4 }, parents: [] },
    ],
    data: { tier: 4, personal: [], subjects: [], recipient: null },
    io: {
      input: hashOf(`input ${ledger} ${seq}`),
      reasoning: hashOf(`reasoning ${ledger} ${seq}`),
      output: hashOf(`output ${ledger} ${seq}`),
    },
    decision: { bundle: bundle.hash, effect: 'allow', policies: ['tier-read'] },
    exec: { status: 'ok', latency_ms: 100, cache: 'miss' },
  };
}

/** Plain objects merge member by member; anything else (arrays, null) replaces. */
function merge(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override === undefined ? base : override;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) out[key] = merge(base[key], value);
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Runs `factories` over `records` the way the engine does, and returns all findings. */
export async function runChecks(
  factories: readonly ControlCheckFactory[],
  archive: ArchiveContext,
  records: readonly FixtureRecord[],
): Promise<Finding[]> {
  const checks = await Promise.all(factories.map((make) => make(archive)));
  for (const { receipt, context } of records) for (const check of checks) await check.visit(receipt, context);
  const findings: Finding[] = [];
  for (const check of checks) findings.push(...(await check.finish()));
  return findings;
}

/** A payment release the test bundle allows (its `payments` policy) and lists in `approval_required`. */
export const PAYMENT: ReceiptSpec = {
  agent: { id: 'fin-02', role: 'finance', tier: 1 },
  request: {
    principal: { type: 'Agent', id: 'fin-02' },
    action: { type: 'Action', id: 'payments.release' },
    resource: { type: 'Account', id: 'acct-4' },
    context: { approved: true },
  },
  entities: [
    { uid: { type: 'Agent', id: 'fin-02' }, attrs: { role: 'finance', tier: 1 }, parents: [] },
    { uid: { type: 'Account', id: 'acct-4' }, attrs: { tier: 1 }, parents: [] },
  ],
  data: { tier: 1 },
  decision: { policies: ['payments'] },
};
