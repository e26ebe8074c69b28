/**
 * Demo archives: a realistic quarter of agent activity on two gateways, signed and
 * chained like a real gate's, with a handful of planted control failures (FORMAT.md §7)
 * whose locations are returned so a test or a person can check that a verifier finds
 * exactly them. {@link makeCleanArchive} plants nothing: a verifier must report no
 * control finding on it.
 *
 * Planted failures never touch integrity: every signature, link, checkpoint and manifest
 * entry stays valid. Each receipt, planted or not, is checked against the per-receipt
 * control rules as it is made (see `selfCheck`), so a scenario change that would plant a
 * failure by accident fails loudly here instead of surprising a verifier test.
 *
 * Output is a pure function of the options: the same seed gives the same bytes.
 */
import type { CedarModule } from '../decisions/cedar.ts';
import type { ControlCode } from '../codes.ts';
import { canonicalize } from '../format/canonical.ts';
import { HASH_PREFIX, hashOf } from '../format/hash.ts';
import { KEYS_PATH } from '../format/layout.ts';
import type { Manifest } from '../format/schema.ts';
import { parseTime } from '../format/time.ts';
import { signApproval } from './approval.ts';
import { ArchiveBuilder, collectingSink, type FileSink } from './archive.ts';
import { GateDecider, type GateDecision } from './decide.ts';
import * as world from './demo-scenario.ts';
import type { Agent, Intent, Resource } from './demo-scenario.ts';
import { keyFromSeed, nobleSigner, type ProducerKey, type Signer } from './keys.ts';
import { certifiedKeyEntry, keysJson, revocation, rootKeyEntry, type Validity } from './keyset.ts';
import { LedgerWriter } from './ledger.ts';
import { signBundle, type SignedBundle } from './policy.ts';
import { SeededRandom } from './random.ts';
import type { ExecStatus, ReceiptDraft, TxnEnd } from './receipt.ts';

export interface DemoOptions {
  /** The Cedar module that decides (cli/cedar-node.ts in Node). */
  readonly cedar: CedarModule;
  /** Receipts over both ledgers; default 2,400; at least 40 with planted failures. */
  readonly receipts?: number;
  /** Text every key, id and value derives from; default `tickmark-demo`. */
  readonly seed?: string;
  /** Leave the last receipts of gw-us-1 after its last checkpoint (a `CHAIN_UNSEALED` warning). */
  readonly unsealed?: boolean;
  /** Defaults to {@link nobleSigner}; the CLI passes a node:crypto signer, which is much faster. */
  readonly sign?: Signer;
  /** Default 1,000. */
  readonly receiptsPerSegment?: number;
  /** A checkpoint every this many receipts, plus one sealing the ledger; default 100. */
  readonly checkpointEvery?: number;
  /** Called after each segment is written. */
  readonly onProgress?: (receiptsDone: number, receiptsTotal: number) => void;
}

export interface PlantedFailure {
  readonly code: ControlCode;
  readonly ledger: string;
  readonly seq: number;
  /** The receipt id a verifier's finding should name. */
  readonly receipt: string;
  readonly txn?: string;
  readonly why: string;
}

export interface DemoSummary {
  /** The root public key to trust (`--trust-root`), 64 hex digits. */
  readonly rootPublicKey: string;
  readonly plantedFailures: readonly PlantedFailure[];
  readonly manifest: Manifest;
  readonly receipts: number;
  readonly ledgers: readonly { readonly ledger: string; readonly receipts: number; readonly sealedSeq: number }[];
}

export const DEFAULT_DEMO_RECEIPTS = 2400;
export const DEFAULT_DEMO_SEED = 'tickmark-demo';
/** Fewest receipts that leave room for every planted failure on both ledgers. */
export const MIN_DEMO_RECEIPTS = 40;

/** Writes a demo archive with planted control failures to `sink`, file by file. */
export function writeDemoArchive(options: DemoOptions, sink: FileSink): Promise<DemoSummary> {
  return generate(options, sink, true);
}

/** A demo archive with planted control failures, in memory. */
export async function makeDemoArchive(options: DemoOptions): Promise<DemoSummary & { files: Map<string, Uint8Array> }> {
  const files = new Map<string, Uint8Array>();
  const summary = await generate(options, collectingSink(files), true);
  return { ...summary, files };
}

/** The same world with no planted failure at all (for no-false-positive tests). */
export async function makeCleanArchive(
  options: DemoOptions,
): Promise<DemoSummary & { files: Map<string, Uint8Array> }> {
  const files = new Map<string, Uint8Array>();
  const summary = await generate(options, collectingSink(files), false);
  return { ...summary, files };
}

/** Writes the clean archive to `sink`, file by file. */
export function writeCleanArchive(options: DemoOptions, sink: FileSink): Promise<DemoSummary> {
  return generate(options, sink, false);
}

// ---------------------------------------------------------------------------------------

interface DemoKeys {
  readonly root: ProducerKey;
  readonly policy: ProducerKey;
  readonly archive: ProducerKey;
  readonly approver: ProducerKey;
  readonly gates: ReadonlyMap<string, ProducerKey>;
}

interface World {
  readonly seed: string;
  readonly sign: Signer;
  readonly keys: DemoKeys;
  readonly v1: SignedBundle;
  readonly v2: SignedBundle;
  readonly v2FromMs: number;
  readonly decider: GateDecider;
  readonly subjects: readonly string[];
  readonly builder: ArchiveBuilder;
  readonly checkpointEvery: number;
  readonly receiptsPerSegment: number;
  readonly onProgress: ((done: number, total: number) => void) | undefined;
  readonly total: number;
  done: number;
}

function checkOptions(
  options: DemoOptions,
  plant: boolean,
): { receipts: number; seed: string; perSegment: number; every: number } {
  if (!options || typeof options.cedar?.statefulIsAuthorized !== 'function')
    throw new TypeError('demo: "options.cedar" must be a cedar-wasm module');
  const receipts = options.receipts ?? DEFAULT_DEMO_RECEIPTS;
  const min = plant ? MIN_DEMO_RECEIPTS : 2;
  if (!Number.isSafeInteger(receipts) || receipts < min)
    throw new RangeError(`demo: "options.receipts" must be an integer of at least ${min}`);
  const seed = options.seed ?? DEFAULT_DEMO_SEED;
  if (typeof seed !== 'string' || seed.length === 0)
    throw new TypeError('demo: "options.seed" must be a non-empty string');
  const perSegment = options.receiptsPerSegment ?? 1000;
  const every = options.checkpointEvery ?? 100;
  if (!Number.isSafeInteger(perSegment) || perSegment < 1)
    throw new RangeError('demo: "options.receiptsPerSegment" must be a positive integer');
  if (!Number.isSafeInteger(every) || every < 1)
    throw new RangeError('demo: "options.checkpointEvery" must be a positive integer');
  return { receipts, seed, perSegment, every };
}

async function generate(options: DemoOptions, sink: FileSink, plant: boolean): Promise<DemoSummary> {
  const { receipts, seed, perSegment, every } = checkOptions(options, plant);
  const sign = options.sign ?? nobleSigner;
  const keys = demoKeys(seed);
  const builder = new ArchiveBuilder(sink);

  await builder.add(KEYS_PATH, demoKeySet(keys, seed, sign));
  const v1 = signBundle(world.bundleV1(), [keys.policy], sign);
  const v2 = signBundle(world.bundleV2(v1.hash), [keys.policy], sign);
  await builder.add('policies/agents-prod-v1.json', v1.text);
  await builder.add('policies/agents-prod-v2.json', v2.text);

  const decider = new GateDecider(options.cedar);
  decider.prepare(v1);
  decider.prepare(v2);
  const w: World = {
    seed,
    sign,
    keys,
    v1,
    v2,
    v2FromMs: parseTime(world.V2_FROM)!,
    decider,
    subjects: Array.from({ length: 400 }, (_, i) => hashOf(`${seed}/subject/customer-${10_000 + i}`)),
    builder,
    checkpointEvery: every,
    receiptsPerSegment: perSegment,
    onProgress: options.onProgress,
    total: receipts,
    done: 0,
  };

  const planted: PlantedFailure[] = [];
  const ledgers: { ledger: string; receipts: number; sealedSeq: number }[] = [];
  const [eu, us] = world.LEDGERS;
  const euCount = Math.ceil(receipts / 2);
  const plans: [string, number, readonly PlantPlan[], boolean][] = [
    [eu, euCount, plant ? EU_PLANTS : [], false],
    [us, receipts - euCount, plant ? US_PLANTS : [], options.unsealed === true],
  ];
  for (const [ledger, count, plants, unsealed] of plans) {
    const sealedSeq = unsealed ? count - Math.min(25, Math.max(1, Math.floor(count / 20))) : count;
    planted.push(...(await generateLedger(w, ledger, count, plants, sealedSeq)));
    ledgers.push({ ledger, receipts: count, sealedSeq });
  }

  const { manifest } = await builder.finish(
    keys.archive,
    {
      archive_id: `ar_${new SeededRandom(`${seed}/archive`).hex(16)}`,
      organization: 'Example Corp',
      created_at: world.MANIFEST_CREATED_AT,
      period: world.PERIOD,
      producer: { name: 'tickmark-demo', version: '1' },
    },
    sign,
  );
  return { rootPublicKey: keys.root.publicKey, plantedFailures: planted, manifest, receipts, ledgers };
}

function demoKeys(seed: string): DemoKeys {
  return {
    root: keyFromSeed(`${seed}/root`),
    policy: keyFromSeed(`${seed}/policy`),
    archive: keyFromSeed(`${seed}/archive`),
    approver: keyFromSeed(`${seed}/approver/${world.APPROVER}`),
    gates: new Map(world.LEDGERS.map((ledger) => [ledger, keyFromSeed(`${seed}/gate/${ledger}`)])),
  };
}

/** Root, one key per role and gateway, and a retired gate key revoked before the period. */
function demoKeySet(keys: DemoKeys, seed: string, sign: Signer): string {
  const retired = keyFromSeed(`${seed}/gate/retired-2025`);
  const certify = (
    key: ProducerKey,
    role: 'policy' | 'gate' | 'archive' | 'approver',
    validity: Validity = world.KEY_VALIDITY,
  ) => certifiedKeyEntry(key, [role], validity, keys.root, sign);
  return keysJson(
    [
      rootKeyEntry(keys.root, world.KEY_VALIDITY),
      certify(keys.policy, 'policy'),
      ...[...keys.gates.values()].map((gate) => certify(gate, 'gate')),
      certify(retired, 'gate', { notBefore: '2025-01-01T00:00:00.000Z', notAfter: '2026-12-31T23:59:59.000Z' }),
      certify(keys.archive, 'archive'),
      certify(keys.approver, 'approver'),
    ],
    [revocation(retired.kid, 'superseded: gateway key rotation', '2026-03-15T00:00:00.000Z', keys.root, sign)],
  ).text;
}

// --- one receipt ------------------------------------------------------------------------

/** Everything that varies between receipts; the defaults make an ordinary, compliant one. */
interface Step {
  readonly agent: Agent;
  readonly intent: Intent;
  readonly resource: Resource;
  readonly txn: { readonly id: string; readonly step: number; readonly end: TxnEnd };
  /** Entity attributes as a misconfigured entity store has them. */
  readonly entityAttrs?: Readonly<Record<string, unknown>>;
  readonly input?: string;
  readonly output?: string;
  readonly cache?: 'hit' | 'miss';
  /** Record the decision the stale bundle v1 would give, naming the bundle in effect. */
  readonly staleDecision?: boolean;
  readonly forceStatus?: ExecStatus;
  readonly omitApproval?: boolean;
  readonly plant?: { readonly code: ControlCode; readonly why: string };
  readonly summary?: string;
}

interface LedgerState {
  readonly ledger: string;
  readonly rng: SeededRandom;
  readonly writer: LedgerWriter;
  readonly searches: Map<string, { input: string; output: string }>;
  readonly attachEvery: number;
  attachments: number;
  lastTsMs: number;
}

function randomHash(rng: SeededRandom): string {
  return HASH_PREFIX + rng.hex(64);
}

function subjectsFor(w: World, rng: SeededRandom, intent: Intent): string[] {
  if (intent.personal.length === 0 || !intent.subjects) return [];
  const picked = new Set<string>();
  const n = rng.int(intent.subjects[0], intent.subjects[1]);
  while (picked.size < n) picked.add(rng.pick(w.subjects));
  return [...picked].sort();
}

function latency(rng: SeededRandom, status: ExecStatus): number {
  if (status === 'blocked') return rng.int(3, 40);
  // A long tail that stays under the bundles' p99 objective of 2,000 ms.
  return rng.chance(0.004) ? rng.int(1000, 1950) : rng.int(40, 900);
}

async function emit(w: World, s: LedgerState, step: Step, tsMs: number): Promise<{ seq: number; id: string }> {
  const { rng } = s;
  const { agent, intent, resource } = step;
  const id = `rc_${rng.hex(16)}`;
  const ts = new Date(tsMs).toISOString();
  const request = {
    principal: { type: 'Agent', id: agent.id },
    action: { type: 'Action', id: intent.action },
    resource: { type: resource.type, id: resource.id },
    context: { ...(intent.context ?? {}) },
  };
  const entities = [
    { uid: request.principal, attrs: { role: agent.role, tier: agent.tier }, parents: [] },
    { uid: request.resource, attrs: { ...(step.entityAttrs ?? resource.attrs) }, parents: [] },
  ];
  const bundle = tsMs < w.v2FromMs ? w.v1 : w.v2;
  const decision: GateDecision = step.staleDecision
    ? { ...w.decider.decide(w.v1.hash, request, entities), bundle: bundle.hash }
    : w.decider.decide(bundle.hash, request, entities);
  const status: ExecStatus =
    step.forceStatus ?? (decision.effect === 'deny' ? 'blocked' : rng.chance(0.03) ? 'error' : 'ok');

  let input = step.input ?? randomHash(rng);
  let output = step.output ?? randomHash(rng);
  let cache = step.cache ?? 'miss';
  if (intent.cacheable && step.input === undefined && !step.plant && status !== 'blocked') {
    // Repeated searches come back from the cache with the same answer: the pattern a
    // determinism check must accept.
    const key = `${agent.id}|${resource.id}`;
    const earlier = s.searches.get(key);
    if (earlier && rng.chance(0.25)) ({ input, output, cache } = { ...earlier, cache: 'hit' });
    else if (status === 'ok') s.searches.set(key, { input, output });
  }

  let reasoning = randomHash(rng);
  let summary = step.summary;
  if (step.plant || (s.attachments < 6 && w.done % s.attachEvery === s.attachEvery - 1)) {
    summary ??= `${agent.id} asked to ${intent.action} ${resource.id}; the gate answered ${decision.effect}${decision.policies.length ? ` (${decision.policies.join(', ')})` : ''}.`;
    const record = canonicalize({
      agent: agent.id,
      receipt: id,
      steps: [`request ${intent.action} on ${resource.type}::${resource.id}`, `decision ${decision.effect}`],
      summary,
    });
    reasoning = await w.builder.addAttachment(record);
    s.attachments++;
  }

  const approval =
    intent.approval && decision.effect === 'allow' && !step.omitApproval
      ? signApproval(world.APPROVER, w.keys.approver, id, request, w.sign)
      : undefined;
  const draft: ReceiptDraft = {
    id,
    ts,
    agent: { id: agent.id, role: agent.role, tier: agent.tier },
    txn: step.txn,
    request,
    entities,
    data: {
      tier: intent.dataTier,
      personal: [...intent.personal],
      subjects: subjectsFor(w, rng, intent),
      recipient: resource.type === 'Recipient' ? resource.id : null,
    },
    io: { input, reasoning, output },
    ...(summary === undefined ? {} : { reasoning_summary: summary }),
    decision: {
      bundle: decision.bundle,
      effect: decision.effect,
      policies: decision.policies,
      ...(approval ? { approval } : {}),
    },
    exec: { status, latency_ms: latency(rng, status), cache },
  };
  selfCheck(w, draft, step, bundle);
  const appended = s.writer.append(draft);
  s.lastTsMs = tsMs;
  return { seq: appended.seq, id };
}

/**
 * The per-receipt control rules of FORMAT.md §7, applied to what the generator made:
 * an ordinary receipt must break none, a planted one exactly the one it plants.
 */
function selfCheck(w: World, draft: ReceiptDraft, step: Step, bundle: SignedBundle): void {
  const body = bundle.file.bundle;
  const broken: ControlCode[] = [];
  const { effect } = draft.decision;
  if (effect === 'allow' && draft.data.tier < draft.agent.tier) broken.push('TIER_VIOLATION');
  if (effect === 'deny' && draft.exec.status !== 'blocked') broken.push('DENIED_BUT_EXECUTED');
  const approved = body.data_handling?.approved_recipients ?? [];
  if (
    draft.data.personal.length > 0 &&
    draft.data.recipient !== null &&
    draft.exec.status === 'ok' &&
    !approved.includes(draft.data.recipient)
  ) {
    broken.push('RECIPIENT_UNAPPROVED');
  }
  if (
    effect === 'allow' &&
    (body.approval_required ?? []).includes(draft.request.action.id) &&
    !draft.decision.approval
  )
    broken.push('APPROVAL_MISSING');
  const actual = w.decider.decide(bundle.hash, draft.request, draft.entities);
  if (actual.effect !== effect || actual.policies.join('\n') !== draft.decision.policies.join('\n'))
    broken.push('DECISION_MISMATCH');

  const receiptLevel: ReadonlySet<ControlCode> = new Set([
    'TIER_VIOLATION',
    'DENIED_BUT_EXECUTED',
    'RECIPIENT_UNAPPROVED',
    'APPROVAL_MISSING',
    'DECISION_MISMATCH',
  ]);
  const expected = step.plant && receiptLevel.has(step.plant.code) ? [step.plant.code] : [];
  if (broken.join() !== expected.join()) {
    throw new Error(
      `demo: receipt ${draft.id} breaks [${broken.join(', ')}] but should break [${expected.join(', ')}]: the scenario is wrong`,
    );
  }
}

// --- planted failures -------------------------------------------------------------------

interface PlantPlan {
  readonly code: ControlCode;
  /** Where in the ledger, as a fraction of its receipts. */
  readonly at: number;
  /** How many receipts the script writes. */
  readonly size: number;
  readonly script: (rng: SeededRandom) => Step[];
}

const { AGENTS, TABLES, RECIPIENTS, ACCOUNTS } = world;
const intentOf = (agent: Agent, action: string, resource: Resource): Intent => {
  for (const { value } of world.BEHAVIOUR) {
    if (value.agent !== agent) continue;
    for (const { value: intent } of value.intents)
      if (intent.action === action && intent.resources.includes(resource)) return intent;
  }
  throw new Error(`demo: no intent ${agent.id} ${action} ${resource.id}`);
};
const txnId = (rng: SeededRandom) => `tx_${rng.hex(16)}`;
const single = (rng: SeededRandom, step: Omit<Step, 'txn'>): Step[] => [
  { ...step, txn: { id: txnId(rng), step: 1, end: 'commit' } },
];

const EU_PLANTS: readonly PlantPlan[] = [
  {
    code: 'TIER_VIOLATION',
    at: 0.15,
    size: 1,
    script: (rng) =>
      single(rng, {
        agent: AGENTS.support,
        resource: TABLES.customers,
        intent: intentOf(AGENTS.support, 'db.read', TABLES.customers),
        entityAttrs: { tier: 3 },
        plant: {
          code: 'TIER_VIOLATION',
          why: 'The entity store labelled table "customers" tier 3, so Cedar allowed tier-3 agent support-07 to read tier-2 (confidential) customer data.',
        },
        summary:
          'support-07 read customer emails and phones to answer a ticket; the table was mislabelled tier 3 in the entity store.',
      }),
  },
  {
    code: 'NONDETERMINISTIC_OUTPUT',
    at: 0.3,
    size: 2,
    script: (rng) => {
      const id = txnId(rng);
      const input = randomHash(rng);
      const base = {
        agent: AGENTS.crm,
        resource: TABLES.kb_articles,
        intent: intentOf(AGENTS.crm, 'kb.search', TABLES.kb_articles),
        input,
      };
      return [
        { ...base, txn: { id, step: 1, end: null }, output: randomHash(rng), forceStatus: 'ok' },
        {
          ...base,
          txn: { id, step: 2, end: 'commit' },
          output: randomHash(rng),
          forceStatus: 'ok',
          plant: {
            code: 'NONDETERMINISTIC_OUTPUT',
            why: 'crm-01 ran the same kb.search twice with the same input under the same bundle and got a different output.',
          },
        },
      ];
    },
  },
  {
    code: 'TXN_STEP_GAP',
    at: 0.55,
    size: 3,
    script: (rng) => {
      const id = txnId(rng);
      const agent = AGENTS.analytics;
      const read = {
        agent,
        resource: TABLES.orders,
        intent: intentOf(agent, 'db.read', TABLES.orders),
        forceStatus: 'ok' as const,
      };
      return [
        { ...read, txn: { id, step: 1, end: null } },
        {
          agent,
          resource: TABLES.kb_articles,
          intent: intentOf(agent, 'kb.search', TABLES.kb_articles),
          forceStatus: 'ok',
          txn: { id, step: 2, end: null },
        },
        {
          ...read,
          txn: { id, step: 4, end: 'commit' },
          plant: {
            code: 'TXN_STEP_GAP',
            why: `Transaction ${id} of analytics-04 goes from step 2 to step 4: step 3 is missing.`,
          },
        },
      ];
    },
  },
  {
    code: 'RECIPIENT_UNAPPROVED',
    at: 0.85,
    size: 1,
    script: (rng) =>
      single(rng, {
        agent: AGENTS.analytics,
        resource: RECIPIENTS.tracker,
        intent: { ...intentOf(AGENTS.analytics, 'data.share', RECIPIENTS.partner), resources: [RECIPIENTS.tracker] },
        forceStatus: 'ok',
        plant: {
          code: 'RECIPIENT_UNAPPROVED',
          why: "analytics-04 shared customer emails with tracker.example.io, which the entity store marks approved but the bundle's approved_recipients does not list.",
        },
      }),
  },
];

const US_PLANTS: readonly PlantPlan[] = [
  {
    code: 'APPROVAL_MISSING',
    at: 0.15,
    size: 1,
    script: (rng) =>
      single(rng, {
        agent: AGENTS.billing,
        resource: ACCOUNTS[2]!,
        intent: intentOf(AGENTS.billing, 'payments.release', ACCOUNTS[0]!),
        omitApproval: true,
        forceStatus: 'ok',
        plant: {
          code: 'APPROVAL_MISSING',
          why: 'billing-02 released a payment from acct-3 claiming approval in the request context, with no signed human approval.',
        },
      }),
  },
  {
    code: 'TXN_INCOMPLETE',
    at: 0.3,
    size: 2,
    script: (rng) => {
      const id = txnId(rng);
      const agent = AGENTS.crm;
      return [
        {
          agent,
          resource: TABLES.customers,
          intent: intentOf(agent, 'db.read', TABLES.customers),
          forceStatus: 'ok',
          txn: { id, step: 1, end: null },
        },
        {
          agent,
          resource: TABLES.customers,
          intent: intentOf(agent, 'db.update', TABLES.customers),
          forceStatus: 'ok',
          txn: { id, step: 2, end: null },
          plant: {
            code: 'TXN_INCOMPLETE',
            why: `Transaction ${id} of crm-01 updated customers and never committed or aborted.`,
          },
        },
      ];
    },
  },
  {
    code: 'DENIED_BUT_EXECUTED',
    at: 0.55,
    size: 1,
    script: (rng) =>
      single(rng, {
        agent: AGENTS.analytics,
        resource: TABLES.orders,
        intent: intentOf(AGENTS.analytics, 'db.export', TABLES.orders),
        forceStatus: 'ok',
        plant: {
          code: 'DENIED_BUT_EXECUTED',
          why: 'The gate denied analytics-04 a db.export of orders (policy no-export), but the export ran.',
        },
      }),
  },
  {
    code: 'DECISION_MISMATCH',
    at: 0.8,
    size: 1,
    script: (rng) =>
      single(rng, {
        agent: AGENTS.legacy,
        resource: TABLES.kb_articles,
        intent: intentOf(AGENTS.legacy, 'db.read', TABLES.kb_articles),
        staleDecision: true,
        forceStatus: 'ok',
        plant: {
          code: 'DECISION_MISMATCH',
          why: "The gate decided legacy-bot's db.read with stale bundle v1 (allow, tier-read) while naming v2, whose no-legacy policy denies it.",
        },
      }),
  },
];

// --- one ledger -------------------------------------------------------------------------

interface OpenTxn {
  readonly id: string;
  readonly agent: Agent;
  readonly intents: readonly { readonly weight: number; readonly value: Intent }[];
  readonly planned: number;
  done: number;
  failed: boolean;
}

/**
 * Writes one ledger of `count` receipts: up to three transactions interleaved, each of
 * one agent and 1-4 steps, ending in commit (or abort after a blocked or failed step);
 * planted scripts run as consecutive receipts at their place. Every transaction that is
 * not a planted one is closed by the end of the ledger.
 */
async function generateLedger(
  w: World,
  ledger: string,
  count: number,
  plants: readonly PlantPlan[],
  sealedSeq: number,
): Promise<PlantedFailure[]> {
  const gate = w.keys.gates.get(ledger)!;
  const s: LedgerState = {
    ledger,
    rng: new SeededRandom(`${w.seed}/ledger/${ledger}`),
    writer: new LedgerWriter(ledger, gate, { sign: w.sign, receiptsPerSegment: w.receiptsPerSegment, validate: false }),
    searches: new Map(),
    attachEvery: Math.max(50, Math.floor(count / 6)),
    attachments: 0,
    lastTsMs: 0,
  };
  const { rng } = s;
  const fromMs = parseTime(world.PERIOD.from)! + 60_000;
  const spanMs = parseTime(world.PERIOD.to)! - 3_600_000 - fromMs;
  const stepMs = spanMs / count;

  const plantAt = new Map<number, PlantPlan>();
  let plantReceiptsLeft = 0;
  for (const plan of plants) {
    plantAt.set(Math.floor(plan.at * count), plan);
    plantReceiptsLeft += plan.size;
  }
  const planted: PlantedFailure[] = [];
  const open: OpenTxn[] = [];
  let script: Step[] = [];

  for (let i = 0; i < count; i++) {
    const tsMs = Math.max(s.lastTsMs + 1, Math.floor(fromMs + (i + 0.1 + 0.8 * rng.float()) * stepMs));
    const plan = plantAt.get(i);
    if (plan && script.length > 0)
      throw new Error(`demo: plant ${plan.code} overlaps the previous one (too few receipts)`);
    if (plan) {
      script = plan.script(rng);
      if (script.length !== plan.size)
        throw new Error(`demo: plant ${plan.code} wrote ${script.length} receipts, planned ${plan.size}`);
    }
    let step: Step;
    if (script.length > 0) {
      step = script.shift()!;
      plantReceiptsLeft--;
    } else {
      step = nextOrdinaryStep(rng, open, count - i - plantReceiptsLeft);
    }
    if (step.staleDecision && tsMs < w.v2FromMs)
      throw new Error("demo: the stale-decision plant must fall in bundle v2's period");
    const { seq, id } = await emit(w, s, step, tsMs);
    if (step.plant)
      planted.push({ code: step.plant.code, ledger, seq, receipt: id, txn: step.txn.id, why: step.plant.why });
    if (seq <= sealedSeq && (seq % w.checkpointEvery === 0 || seq === sealedSeq))
      s.writer.checkpoint(new Date(tsMs).toISOString());
    w.done++;
    for (const segment of s.writer.takeSegments()) await flushSegment(w, segment);
  }
  if (open.length > 0) throw new Error(`demo: ${open.length} transactions left open in ${ledger}`);
  const { segments, checkpoints } = s.writer.finish();
  for (const segment of segments) await flushSegment(w, segment);
  if (checkpoints) await w.builder.add(checkpoints.path, checkpoints.bytes);
  return planted;
}

async function flushSegment(w: World, segment: { path: string; bytes: Uint8Array }): Promise<void> {
  await w.builder.add(segment.path, segment.bytes);
  w.onProgress?.(w.done, w.total);
}

/**
 * The next step of an ordinary transaction. `slotsLeft` is how many ordinary receipts the
 * ledger still has; opening a transaction never plans more steps than fit, so all close.
 */
function nextOrdinaryStep(rng: SeededRandom, open: OpenTxn[], slotsLeft: number): Step {
  const pending = open.reduce((n, t) => n + t.planned - t.done, 0);
  if (pending < slotsLeft && open.length < 3 && (open.length === 0 || rng.chance(0.4))) {
    const { agent, intents } = rng.weighted(world.BEHAVIOUR);
    open.push({
      id: txnId(rng),
      agent,
      intents,
      planned: Math.min(rng.weighted(STEP_COUNTS), slotsLeft - pending),
      done: 0,
      failed: false,
    });
  }
  const index = Math.floor(rng.float() * open.length);
  const txn = open[index]!;
  const intent = rng.weighted(txn.intents);
  txn.done++;
  let end: TxnEnd = null;
  if (txn.done === txn.planned) {
    open.splice(index, 1);
    end = txn.failed ? 'abort' : 'commit';
  }
  const step: Step = {
    agent: txn.agent,
    intent,
    resource: rng.pick(intent.resources),
    txn: { id: txn.id, step: txn.done, end },
  };
  // Denials and errors are only known after the decision; an intent that is denied for this
  // agent by policy makes the rest of its transaction an abort, like a cautious agent would.
  if (!txn.failed && isLikelyDenied(txn.agent, intent)) txn.failed = true;
  return step;
}

const STEP_COUNTS = [
  { weight: 30, value: 1 },
  { weight: 30, value: 2 },
  { weight: 25, value: 3 },
  { weight: 15, value: 4 },
];

/** Intents the scenario means to be refused; used only to pick commit or abort. */
function isLikelyDenied(agent: Agent, intent: Intent): boolean {
  if (intent.action === 'db.export') return true;
  if (intent.action === 'payments.release') return intent.context?.approved !== true;
  if (intent.action === 'data.share') return intent.resources.some((r) => r.attrs.approved !== true);
  if (intent.action === 'db.update') return agent.role !== 'data_processor';
  const tier = intent.resources[0]?.attrs.tier;
  return typeof tier === 'number' && tier < agent.tier;
}
