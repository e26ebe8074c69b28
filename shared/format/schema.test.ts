/**
 * The schemas of signed objects (schema.ts), field by field: every required member is
 * required, every optional one optional, each allowed value of an enum accepted and a
 * neighbour refused, and each message the format defines given word for word, with its
 * field's path (`validate`).
 */
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  BundleBodySchema,
  CheckpointSchema,
  KeyEntrySchema,
  KeySetSchema,
  ManifestSchema,
  PolicyFileSchema,
  ReceiptSchema,
  RevocationSchema,
  validate,
} from './schema.ts';

const H = 'sha256:' + 'ab'.repeat(32);
const KID = '0123456789abcdef'.repeat(2);
const SIG = 'cd'.repeat(64);
const T = '2026-01-01T00:00:00Z';
const uid = (type: string, id: string) => ({ type, id });

const receipt = () => ({
  v: 1,
  ledger: 'payments',
  seq: 1,
  prev: H,
  id: 'r-1',
  ts: T,
  agent: { id: 'agent-1', role: 'payer', tier: 2 },
  txn: { id: 'txn-1', step: 0, end: null },
  request: {
    principal: uid('Agent', 'agent-1'),
    action: uid('Action', 'pay'),
    resource: uid('Account', 'a-1'),
    context: { amount: 5 },
  },
  entities: [{ uid: uid('Agent', 'agent-1'), attrs: {}, parents: [uid('Team', 't')] }],
  data: { tier: 1, personal: ['email'], subjects: [H], recipient: null },
  io: { input: H, reasoning: H, output: H },
  decision: { bundle: H, effect: 'allow', policies: ['p1'] },
  exec: { status: 'ok', latency_ms: 12 },
  kid: KID,
  sig: SIG,
});
const keyEntry = () => ({
  alg: 'ed25519',
  kid: KID,
  public_key: 'ef'.repeat(32),
  roles: ['gate'],
  not_before: T,
  not_after: '2027-01-01T00:00:00Z',
});
const revocation = () => ({ kid: KID, reason: 'lost', revoked_at: T, by: KID, sig: SIG });
const manifest = () => ({
  format: 'tickmark.evidence.v1',
  archive_id: 'a-1',
  created_at: T,
  organization: 'Org',
  period: { from: T, to: T },
  producer: { name: 'p', version: '1' },
  files: [{ path: 'keys.json', bytes: 10, sha256: H }],
  kid: KID,
  sig: SIG,
});
const bundle = () => ({
  id: 'b',
  version: 1,
  effective_from: T,
  supersedes: null,
  cedar: { policies: { p1: 'permit(principal, action, resource);' } },
});
const checkpoint = () => ({ ledger: 'payments', seq: 3, head: H, ts: T, kid: KID, sig: SIG });

type Json = Record<string, unknown>;
/** Members whose value is a record of any keys (its own keys are not members). */
const RECORDS = new Set(['request.context', 'cedar.policies']);
/** Every member path of `value`'s objects (not into arrays or records), depth first. */
function memberPaths(value: Json, prefix: string[] = []): string[][] {
  return Object.entries(value).flatMap(([k, v]) => {
    const path = [...prefix, k];
    const inner = v !== null && typeof v === 'object' && !Array.isArray(v) && !RECORDS.has(path.join('.'));
    return inner ? [path, ...memberPaths(v as Json, path)] : [path];
  });
}
function without(value: Json, path: string[]): Json {
  const copy = structuredClone(value);
  let at: Json = copy;
  for (const k of path.slice(0, -1)) at = at[k] as Json;
  delete at[path.at(-1) as string];
  return copy;
}
function withValue(value: Json, path: string, v: unknown): Json {
  const copy = structuredClone(value);
  const keys = path.split('.');
  let at: Json = copy;
  for (const k of keys.slice(0, -1)) at = at[k] as Json;
  at[keys.at(-1) as string] = v;
  return copy;
}
function refusal(schema: z.ZodType, value: unknown): { message: string; fields: string[] } {
  const r = validate(schema, value);
  if (r.ok) throw new Error('accepted');
  return { message: r.message, fields: r.fields };
}

describe.each([
  ['receipt', ReceiptSchema, receipt],
  ['keyEntry', KeyEntrySchema, keyEntry],
  ['revocation', RevocationSchema, revocation],
  ['manifest', ManifestSchema, manifest],
  ['bundle', BundleBodySchema, bundle],
  ['checkpoint', CheckpointSchema, checkpoint],
] as const)('%s', (_name, schema, make) => {
  it('accepts the valid object as it is, unknown members kept', () => {
    const value = { ...make(), extra: { kept: true } };
    expect(validate(schema as z.ZodType, value)).toStrictEqual({ ok: true, value });
  });

  it('refuses it without any one of its members, naming that member', () => {
    const paths = memberPaths(make() as Json);
    expect(paths.length).toBeGreaterThan(4);
    for (const path of paths) {
      const r = validate(schema as z.ZodType, without(make() as Json, path));
      expect(r.ok, path.join('.')).toBe(false);
      if (!r.ok) expect(r.fields).toEqual([path.join('.')]);
    }
  });
});

/** [schema, valid object, member, wrong value, the message] */
const RULES = [
  [ReceiptSchema, receipt, 'v', 2, 'field "v": must be 1'],
  [ReceiptSchema, receipt, 'seq', 0, 'field "seq": must be at least 1'],
  [ReceiptSchema, receipt, 'seq', 1.5, 'field "seq": must be an integer'],
  [ReceiptSchema, receipt, 'agent.tier', -1, 'field "agent.tier": must not be negative'],
  [ReceiptSchema, receipt, 'ledger', '', 'field "ledger": must not be empty'],
  [ReceiptSchema, receipt, 'request.principal.type', '', 'field "request.principal.type": must not be empty'],
  [ReceiptSchema, receipt, 'ts', '2026-01-01T00:00:00+00:00', 'field "ts": must be an RFC 3339 UTC time ending in Z'],
  [
    ReceiptSchema,
    receipt,
    'prev',
    H.toUpperCase(),
    'field "prev": must be "sha256:" followed by 64 lowercase hex digits',
  ],
  [ReceiptSchema, receipt, 'kid', KID.slice(1), 'field "kid": must be 32 lowercase hex digits (key id)'],
  [ReceiptSchema, receipt, 'kid', KID + '0', 'field "kid": must be 32 lowercase hex digits (key id)'],
  [ReceiptSchema, receipt, 'kid', 'x' + KID.slice(1), 'field "kid": must be 32 lowercase hex digits (key id)'],
  [ReceiptSchema, receipt, 'kid', KID.slice(1) + 'x', 'field "kid": must be 32 lowercase hex digits (key id)'],
  [ReceiptSchema, receipt, 'sig', SIG.slice(2), 'field "sig": must be 128 lowercase hex digits (Ed25519 signature)'],
  [ReceiptSchema, receipt, 'txn.end', 'done', 'field "txn.end": must be "commit", "abort" or null'],
  [ReceiptSchema, receipt, 'decision.effect', 'permit', 'field "decision.effect": must be "allow" or "deny"'],
  [ReceiptSchema, receipt, 'exec.status', 'failed', 'field "exec.status": must be "ok", "error" or "blocked"'],
  [KeyEntrySchema, keyEntry, 'alg', 'ed448', 'field "alg": must be "ed25519"'],
  [KeyEntrySchema, keyEntry, 'roles', [], 'field "roles": must name at least one role'],
  [
    KeyEntrySchema,
    keyEntry,
    'public_key',
    'EF'.repeat(32),
    'field "public_key": must be 64 lowercase hex digits (Ed25519 public key)',
  ],
  [
    ManifestSchema,
    manifest,
    'files',
    [{ path: '', bytes: -1, sha256: H }],
    'field "files.0.path": must not be empty; field "files.0.bytes": must not be negative',
  ],
  [CheckpointSchema, checkpoint, 'seq', 0, 'field "seq": must be at least 1'],
] as const;

describe('field rules and their messages', () => {
  it.each(RULES.map(([schema, make, path, value, message]) => ({ schema, make, path, value, message })))(
    '$path = $value',
    ({ schema, make, path, value, message }) => {
      expect(refusal(schema as z.ZodType, withValue(make() as Json, path, value)).message).toBe(message);
    },
  );

  it.each([
    ['txn.end', ['commit', 'abort', null]],
    ['decision.effect', ['allow', 'deny']],
    ['exec.status', ['ok', 'error', 'blocked']],
    ['reasoning_summary', ['why']],
    ['exec.cache', ['hit']],
    ['decision.approval', [{ approver: 'ann', kid: KID, sig: SIG }]],
    ['seq', [Number.MAX_SAFE_INTEGER]],
  ])('a receipt may have %s as each of %j', (path, values) => {
    for (const v of values) expect(validate(ReceiptSchema, withValue(receipt(), path, v)).ok).toBe(true);
  });

  it('a receipt seq past 2^53 - 1 is refused', () => {
    // Two issues, both on seq: not a safe integer, and above the maximum.
    expect(refusal(ReceiptSchema, withValue(receipt(), 'seq', 2 ** 53)).fields).toEqual(['seq', 'seq']);
  });

  it('an entity and an approval are checked member by member', () => {
    const entity = { uid: uid('Agent', 'a'), attrs: {}, parents: [] };
    for (const member of ['uid', 'attrs', 'parents'] as const) {
      const { [member]: _, ...rest } = entity;
      expect(refusal(ReceiptSchema, withValue(receipt(), 'entities', [rest])).fields).toEqual([`entities.0.${member}`]);
    }
    for (const member of ['approver', 'kid', 'sig'] as const) {
      const { [member]: _, ...rest } = { approver: 'ann', kid: KID, sig: SIG };
      expect(refusal(ReceiptSchema, withValue(receipt(), 'decision.approval', rest)).fields).toEqual([
        `decision.approval.${member}`,
      ]);
    }
  });

  it('a key may hold each role, and no other', () => {
    for (const role of ['root', 'policy', 'gate', 'archive', 'approver'])
      expect(validate(KeyEntrySchema, { ...keyEntry(), roles: [role] }).ok).toBe(true);
    expect(refusal(KeyEntrySchema, { ...keyEntry(), roles: ['admin'] }).fields).toEqual(['roles.0']);
    expect(validate(KeyEntrySchema, { ...keyEntry(), cert: { kid: KID, sig: SIG } }).ok).toBe(true);
    expect(refusal(KeyEntrySchema, { ...keyEntry(), cert: { kid: KID } }).fields).toEqual(['cert.sig']);
  });

  it('a bundle: its optional members, null where allowed, and their shapes', () => {
    const full = {
      ...bundle(),
      effective_until: null,
      supersedes: H,
      tiers: { '1': 'low' },
      data_handling: { approved_recipients: ['bank'], personal_categories: ['email'] },
      approval_required: ['pay'],
      slo: { p99_latency_ms: 200 },
    };
    expect(validate(BundleBodySchema, full).ok).toBe(true);
    expect(validate(BundleBodySchema, { ...full, effective_until: T, data_handling: {}, slo: {} }).ok).toBe(true);
    for (const [path, value] of [
      ['effective_until', 'soon'],
      ['supersedes', 'sha256:x'],
      ['tiers', { '1': 1 }],
      ['data_handling.approved_recipients', 'bank'],
      ['data_handling.personal_categories', [1]],
      ['approval_required', 'pay'],
      ['slo.p99_latency_ms', -1],
      ['cedar.policies', { p1: 1 }],
    ] as const)
      expect(refusal(BundleBodySchema, withValue(full, path, value)).fields[0]?.startsWith(path), path).toBe(true);
  });

  it('a key set holds two arrays; a policy file a bundle and its signatures', () => {
    expect(validate(KeySetSchema, { keys: [], revocations: [] }).ok).toBe(true);
    expect(refusal(KeySetSchema, { keys: [] }).fields).toEqual(['revocations']);
    expect(refusal(KeySetSchema, { revocations: [] }).fields).toEqual(['keys']);
    expect(validate(PolicyFileSchema, { bundle: bundle(), signatures: [{ kid: KID, sig: SIG }] }).ok).toBe(true);
    expect(refusal(PolicyFileSchema, { bundle: bundle(), signatures: [{ kid: KID }] }).fields).toEqual([
      'signatures.0.sig',
    ]);
    expect(refusal(PolicyFileSchema, { signatures: [] }).fields).toEqual(['bundle']);
  });
});

describe('validate', () => {
  it('names the record itself as (record), and at most eight fields, then how many more', () => {
    const whole = refusal(CheckpointSchema, 'x');
    expect(whole.fields).toEqual(['(record)']);
    expect(whole.message.startsWith('field "(record)": ')).toBe(true);
    const sixteen = refusal(ReceiptSchema, {});
    expect(sixteen.fields).toEqual(['v', 'ledger', 'seq', 'prev', 'id', 'ts', 'agent', 'txn']);
    expect(sixteen.message.split('; ')).toHaveLength(8);
    expect(sixteen.message.endsWith(' (and 8 more)')).toBe(true);
    // Exactly eight: all named, nothing said about more.
    const { v: _v, ledger: _l, seq: _s, prev: _p, id: _i, ts: _t, agent: _a, txn: _x, ...eightGone } = receipt();
    const eight = refusal(ReceiptSchema, eightGone);
    expect(eight.fields).toEqual(['v', 'ledger', 'seq', 'prev', 'id', 'ts', 'agent', 'txn']);
    expect(eight.message.endsWith('more)')).toBe(false);
    const six = refusal(CheckpointSchema, { ledger: '', seq: 0, head: 'h', ts: 't', kid: 'k', sig: 's' });
    expect(six.fields).toEqual(['ledger', 'seq', 'head', 'ts', 'kid', 'sig']);
    expect(six.message).toBe(
      [
        'field "ledger": must not be empty',
        'field "seq": must be at least 1',
        'field "head": must be "sha256:" followed by 64 lowercase hex digits',
        'field "ts": must be an RFC 3339 UTC time ending in Z',
        'field "kid": must be 32 lowercase hex digits (key id)',
        'field "sig": must be 128 lowercase hex digits (Ed25519 signature)',
      ].join('; '),
    );
  });
});
