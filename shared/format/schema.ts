/**
 * Schemas of every signed object in an archive (FORMAT.md §2-6), written with zod so
 * that a bad record is reported with the field that is wrong, not just "invalid".
 *
 * Objects are open (unknown members are kept and signed over, never stripped): the
 * format may grow, and stripping would change the signed bytes.
 * In the app zod runs in `jitless` mode so it never calls `new Function`, which the app's
 * strict Content-Security-Policy forbids (zod's own probe for it would log a CSP violation).
 * Under Node (the command line and its worker threads) no such policy applies, and zod's
 * compiled object parsers check a receipt in about 60% of the time.
 */
import { z } from 'zod';
import { isLowerHex } from './bytes.ts';
import { HASH_PATTERN, HEX64, isHashString } from './hash.ts';
import { parseTime } from './time.ts';

const underNode =
  typeof (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions?.node === 'string';
z.config({ jitless: !underNode });

const KID_PATTERN = /^[0-9a-f]{32}$/;
const SIGNATURE_PATTERN = /^[0-9a-f]{128}$/;
const hex = (pattern: RegExp, n: number, what: string) =>
  z.string().regex(pattern, `must be ${n} lowercase hex digits (${what})`);

export const KidSchema = hex(KID_PATTERN, 32, 'key id');
export const PublicKeySchema = hex(HEX64, 64, 'Ed25519 public key');
export const SignatureHexSchema = hex(SIGNATURE_PATTERN, 128, 'Ed25519 signature');
export const HashSchema = z.string().regex(HASH_PATTERN, 'must be "sha256:" followed by 64 lowercase hex digits');
export const TimeSchema = z.string().refine((t) => parseTime(t) !== null, 'must be an RFC 3339 UTC time ending in Z');
/** JSON integers 0..2^53-1 (FORMAT.md §1). */
export const UIntSchema = z
  .number()
  .int('must be an integer')
  .min(0, 'must not be negative')
  .max(Number.MAX_SAFE_INTEGER);
const NonEmpty = z.string().min(1, 'must not be empty');

export const ROLES = ['root', 'policy', 'gate', 'archive', 'approver'] as const;
export type Role = (typeof ROLES)[number];

export const KeyEntrySchema = z.looseObject({
  alg: z.literal('ed25519', 'must be "ed25519"'),
  kid: KidSchema,
  public_key: PublicKeySchema,
  roles: z.array(z.enum(ROLES)).min(1, 'must name at least one role'),
  not_before: TimeSchema,
  not_after: TimeSchema,
  cert: z.looseObject({ kid: KidSchema, sig: SignatureHexSchema }).optional(),
});
export type KeyEntry = z.infer<typeof KeyEntrySchema>;

export const RevocationSchema = z.looseObject({
  kid: KidSchema,
  reason: z.string(),
  revoked_at: TimeSchema,
  by: KidSchema,
  sig: SignatureHexSchema,
});
export type Revocation = z.infer<typeof RevocationSchema>;

export const KeySetSchema = z.looseObject({
  keys: z.array(z.unknown()),
  revocations: z.array(z.unknown()),
});

export const ManifestFileSchema = z.looseObject({ path: NonEmpty, bytes: UIntSchema, sha256: HashSchema });
export const ManifestSchema = z.looseObject({
  format: z.string(),
  archive_id: NonEmpty,
  created_at: TimeSchema,
  organization: z.string(),
  period: z.looseObject({ from: TimeSchema, to: TimeSchema }),
  producer: z.looseObject({ name: z.string(), version: z.string() }),
  files: z.array(ManifestFileSchema),
  kid: KidSchema,
  sig: SignatureHexSchema,
});
export type Manifest = z.infer<typeof ManifestSchema>;

export const BundleBodySchema = z.looseObject({
  id: NonEmpty,
  version: UIntSchema,
  effective_from: TimeSchema,
  effective_until: TimeSchema.nullable().optional(),
  supersedes: HashSchema.nullable(),
  cedar: z.looseObject({ policies: z.record(z.string(), z.string()) }),
  tiers: z.record(z.string(), z.string()).optional(),
  data_handling: z
    .looseObject({
      approved_recipients: z.array(z.string()).optional(),
      personal_categories: z.array(z.string()).optional(),
    })
    .optional(),
  approval_required: z.array(z.string()).optional(),
  slo: z.looseObject({ p99_latency_ms: UIntSchema.optional() }).optional(),
});
export type BundleBody = z.infer<typeof BundleBodySchema>;
export const PolicyFileSchema = z.looseObject({
  bundle: BundleBodySchema,
  signatures: z.array(z.looseObject({ kid: KidSchema, sig: SignatureHexSchema })),
});
export type PolicyFile = z.infer<typeof PolicyFileSchema>;

const EntityUid = z.looseObject({ type: NonEmpty, id: z.string() });
export const ReceiptSchema = z.looseObject({
  v: z.literal(1, 'must be 1'),
  ledger: NonEmpty,
  seq: UIntSchema.min(1, 'must be at least 1'),
  prev: HashSchema,
  id: NonEmpty,
  ts: TimeSchema,
  agent: z.looseObject({ id: NonEmpty, role: z.string(), tier: UIntSchema }),
  txn: z.looseObject({
    id: NonEmpty,
    step: UIntSchema,
    end: z.enum(['commit', 'abort'], 'must be "commit", "abort" or null').nullable(),
  }),
  request: z.looseObject({
    principal: EntityUid,
    action: EntityUid,
    resource: EntityUid,
    context: z.record(z.string(), z.unknown()),
  }),
  entities: z.array(
    z.looseObject({ uid: EntityUid, attrs: z.record(z.string(), z.unknown()), parents: z.array(EntityUid) }),
  ),
  data: z.looseObject({
    tier: UIntSchema,
    personal: z.array(z.string()),
    subjects: z.array(HashSchema),
    recipient: z.string().nullable(),
  }),
  io: z.looseObject({ input: HashSchema, reasoning: HashSchema, output: HashSchema }),
  reasoning_summary: z.string().optional(),
  decision: z.looseObject({
    bundle: HashSchema,
    effect: z.enum(['allow', 'deny'], 'must be "allow" or "deny"'),
    policies: z.array(z.string()),
    approval: z.looseObject({ approver: z.string(), kid: KidSchema, sig: SignatureHexSchema }).optional(),
  }),
  exec: z.looseObject({
    status: z.enum(['ok', 'error', 'blocked'], 'must be "ok", "error" or "blocked"'),
    latency_ms: UIntSchema,
    cache: z.string().optional(),
  }),
  kid: KidSchema,
  sig: SignatureHexSchema,
});
export type Receipt = z.infer<typeof ReceiptSchema>;

/**
 * {@link validate} with {@link ReceiptSchema}, for the verifier's hot path. A receipt is
 * first checked by {@link isPlainValidReceipt}, the same rules written out by hand, which
 * costs a tenth of zod's parse (zod was 9% of a command-line worker's time) and returns
 * the value itself. Anything it does not accept goes to zod, which decides and words the
 * finding, so a receipt is never accepted that the schema rejects (schema.test.ts holds the
 * two to the same answers on generated receipts).
 */
export function validateReceipt(
  value: unknown,
): { ok: true; value: Receipt } | { ok: false; message: string; fields: string[] } {
  return isPlainValidReceipt(value) ? { ok: true, value } : validate(ReceiptSchema, value);
}

/**
 * True only when {@link ReceiptSchema} accepts `value` and its output would equal `value`
 * (the same members and values; zod's copy may order members differently). False means
 * "ask zod", not "invalid": so every object met must be a plain one (as JSON.parse makes),
 * and none may hold an own `__proto__` member, which zod leaves out of its copy.
 */
export function isPlainValidReceipt(value: unknown): value is Receipt {
  if (!isPlain(value)) return false;
  const r = value as Record<string, unknown>;
  return (
    r.v === 1 &&
    isNonEmpty(r.ledger) &&
    isUInt(r.seq) &&
    (r.seq as number) >= 1 &&
    isHash(r.prev) &&
    isNonEmpty(r.id) &&
    isTimeText(r.ts) &&
    isAgent(r.agent) &&
    isTxn(r.txn) &&
    isRequest(r.request) &&
    isEntities(r.entities) &&
    isData(r.data) &&
    isIo(r.io) &&
    (r.reasoning_summary === undefined || typeof r.reasoning_summary === 'string') &&
    isDecision(r.decision) &&
    isExec(r.exec) &&
    isKid(r.kid) &&
    isSignatureHex(r.sig)
  );
}

const OBJECT_PROTOTYPE = Object.prototype;
const hasOwn = Object.prototype.hasOwnProperty;
/** An object zod reads as an object and a record alike, and copies member for member. */
function isPlain(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.getPrototypeOf(value) === OBJECT_PROTOTYPE &&
    !hasOwn.call(value, '__proto__')
  );
}
const isString = (v: unknown): v is string => typeof v === 'string';
const isNonEmpty = (v: unknown): boolean => typeof v === 'string' && v.length > 0;
const isUInt = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isHash = isHashString;
const isKid = (v: unknown): boolean => isLowerHex(v, 32);
const isSignatureHex = (v: unknown): boolean => isLowerHex(v, 128);
const isTimeText = (v: unknown): boolean => typeof v === 'string' && parseTime(v) !== null;
function isArrayOf(v: unknown, each: (item: unknown) => boolean): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (!each(v[i])) return false;
  return true;
}
const isEntityUid = (v: unknown): boolean => isPlain(v) && isNonEmpty(v.type) && isString(v.id);
const isAgent = (v: unknown): boolean => isPlain(v) && isNonEmpty(v.id) && isString(v.role) && isUInt(v.tier);
const isTxn = (v: unknown): boolean =>
  isPlain(v) && isNonEmpty(v.id) && isUInt(v.step) && (v.end === null || v.end === 'commit' || v.end === 'abort');
const isRequest = (v: unknown): boolean =>
  isPlain(v) && isEntityUid(v.principal) && isEntityUid(v.action) && isEntityUid(v.resource) && isPlain(v.context);
const isEntity = (v: unknown): boolean =>
  isPlain(v) && isEntityUid(v.uid) && isPlain(v.attrs) && isArrayOf(v.parents, isEntityUid);
const isEntities = (v: unknown): boolean => isArrayOf(v, isEntity);
const isData = (v: unknown): boolean =>
  isPlain(v) &&
  isUInt(v.tier) &&
  isArrayOf(v.personal, isString) &&
  isArrayOf(v.subjects, isHash) &&
  (v.recipient === null || isString(v.recipient));
const isIo = (v: unknown): boolean => isPlain(v) && isHash(v.input) && isHash(v.reasoning) && isHash(v.output);
const isApproval = (v: unknown): boolean => isPlain(v) && isString(v.approver) && isKid(v.kid) && isSignatureHex(v.sig);
const isDecision = (v: unknown): boolean =>
  isPlain(v) &&
  isHash(v.bundle) &&
  (v.effect === 'allow' || v.effect === 'deny') &&
  isArrayOf(v.policies, isString) &&
  (v.approval === undefined || isApproval(v.approval));
const isExec = (v: unknown): boolean =>
  isPlain(v) &&
  (v.status === 'ok' || v.status === 'error' || v.status === 'blocked') &&
  isUInt(v.latency_ms) &&
  (v.cache === undefined || isString(v.cache));

export const CheckpointSchema = z.looseObject({
  ledger: NonEmpty,
  seq: UIntSchema.min(1, 'must be at least 1'),
  head: HashSchema,
  ts: TimeSchema,
  kid: KidSchema,
  sig: SignatureHexSchema,
});
export type Checkpoint = z.infer<typeof CheckpointSchema>;

/**
 * Validates `value`; on failure returns one sentence naming every wrong field, e.g.
 * `field "agent.tier": must be an integer; field "ts": must be an RFC 3339 UTC time`.
 */
export function validate<T>(
  schema: z.ZodType<T>,
  value: unknown,
): { ok: true; value: T } | { ok: false; message: string; fields: string[] } {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  const fields: string[] = [];
  const parts = result.error.issues.slice(0, 8).map((issue) => {
    const field = issue.path.map(String).join('.') || '(record)';
    fields.push(field);
    return `field "${field}": ${issue.message}`;
  });
  const more = result.error.issues.length > 8 ? ` (and ${result.error.issues.length - 8} more)` : '';
  return { ok: false, message: parts.join('; ') + more, fields };
}
