/**
 * Decision reconstruction: for one receipt, what the agent did, on what information, for
 * what reason, whether it was allowed, and what the evidence for each of those is.
 *
 * The host gathers the *materials* (the command line by scanning the archive, the app
 * from its store); this module judges them with the engine's own checks, so a receipt is
 * explained with the same rules that verify it:
 * - the receipt line: `checkSegment` on that one line (stored form, schema, key at its
 *   time, signature, bundle in effect) with the per-receipt controls (decision
 *   re-evaluation, denied-but-executed, tier, recipient, approval);
 * - its links: `linkProblems` with the line stored before it, and the line after it with it;
 * - its transaction: the transaction control over every step found;
 * - its checkpoint: the one that seals it, read by `LedgerMerger` (only the lines that can
 *   decide which one that is: sealing.ts), and the seal as the host established it (a scan from the receipt to the checkpoint, or the stored report);
 * - keys, manifest and bundles with `buildKeyring`, `checkManifest`, `checkBundleFile`.
 * Checks that need the whole archive (archive-wide unique ids, determinism, the SLO) are
 * listed as not checked here unless the host passes a full verification's findings.
 */
import type { LineRead } from '../archive/lines.ts';
import { approvalMessage } from '../controls/approval.ts';
import { controlChecks, controlChecksWithoutCedar } from '../controls/index.ts';
import { REPLAY_PENDING } from './replay-pending.ts';
import { readSealingCheckpoint } from './sealing.ts';
import { transactionCheck } from '../controls/transactions.ts';
import { checkBundlePolicies } from '../decisions/policies.ts';
import { evaluatePolicies, type CedarFormatting, type PolicyVerdict } from '../decisions/policy-status.ts';
import { bundleSigners, type BundleSigner } from '../policy/sides.ts';
import { linkProblems, UNKNOWN_SPAN, type ChainTail } from '../engine/chain.ts';
import { finding, sortFindings, type Finding } from '../engine/findings.ts';
import { buildKeyring, type KeySetResult } from '../engine/keys.ts';
import { checkManifest, type ManifestCheck } from '../engine/manifest.ts';
import type { Manifest } from '../format/schema.ts';
import { checkBundleFile } from '../engine/policies.ts';
import { readStoredLine } from '../engine/record.ts';
import { checkSegment } from '../engine/segment.ts';
import type { CheckStatus, ControlCheck, ReceiptContext, ResolvedBundle } from '../engine/types.ts';
import { categoryOf } from '../codes.ts';
import { fromHex, utf8 } from '../format/bytes.ts';
import { canonicalize } from '../format/canonical.ts';
import type { SignatureVerifier } from '../format/ed25519.ts';
import { hashOf, type FileDigest } from '../format/hash.ts';
import { checkpointsPath } from '../format/layout.ts';
import { KeyEntrySchema, RevocationSchema, validate, validateReceipt, type Receipt } from '../format/schema.ts';
import { instantOf, type Instant } from '../format/time.ts';

/** One stored line and where it is. */
export interface LineAt {
  readonly ledger: string;
  readonly path: string;
  /** 1-based line within `path`. */
  readonly line: number;
  readonly text: string;
  /** `H(line)`. */
  readonly hash: string;
}

/** How the host established whether the receipt is sealed by a checkpoint. */
export type SealWitness =
  /** It read the ledger from the receipt on: each line's prev against the line before, to `checkpointSeq`. */
  | {
      readonly via: 'scan';
      readonly checkpointSeq: number;
      /** Hash of the line that carries `checkpointSeq`, or null when none was found. */
      readonly headHash: string | null;
      /** The first place between the receipt and the checkpoint where the chain as stored breaks. */
      readonly brokenAt: { readonly path: string; readonly line: number; readonly seq: number | null } | null;
    }
  /** A full verification of the archive said how far the ledger is proven sealed. */
  | { readonly via: 'report'; readonly sealedSeq: number | null; readonly ledgerState: string }
  /** Not established (say why). */
  | { readonly via: 'none'; readonly reason: string };

export interface AttachmentMaterial {
  /** `sha256:` + hex, as named. */
  readonly name: string;
  readonly path: string;
  readonly size: number;
  /** Hash of the content as read. */
  readonly sha256: string;
  /** The content, or its beginning when `truncated`; absent when it was not kept. */
  readonly bytes?: Uint8Array;
  readonly truncated?: boolean;
}

/** Everything about one receipt that the host could find, unjudged. */
export interface ExplainMaterials {
  /** The archive's name, for messages. */
  readonly source: string;
  readonly target: LineAt;
  /** The line stored before it in its ledger; null when it is the ledger's first line. */
  readonly previous: LineAt | null;
  /**
   * Why the line stored before it could not be found, when the host could not find it (a
   * segment not stored, a span not read): then `previous` is null but does NOT mean "first of
   * the ledger", and the link before it is not checked.
   */
  readonly previousUnknown?: string;
  /** The line stored after it; null when it is the ledger's last. */
  readonly next: LineAt | null;
  /** Every line of its transaction in its ledger, in stored order (the target included). */
  readonly transaction: readonly LineAt[];
  /** Part of the ledger could not be read: a transaction may look incomplete that is not. */
  readonly ledgerPartlyRead: boolean;
  /**
   * Parsed JSON values, undefined when absent or unreadable. The manifest is read only to
   * check it: not when the documents named by {@link documentsId} were checked before.
   */
  readonly manifest: unknown;
  readonly keys: unknown;
  /**
   * Names {@link manifest} and {@link keys} as given (the same id, the same two documents: the
   * app gives the archive and their SHA-256s), so that a host judging receipt after receipt of
   * one archive checks them once ({@link ExplainDeps.documents}); a manifest of 100,000 files
   * cost each walk a third of a second.
   */
  readonly documentsId?: string;
  readonly bundles: readonly { readonly path: string; readonly value: unknown }[];
  /** Lines of the ledger's checkpoints.jsonl, as stored. */
  readonly checkpointLines: readonly string[];
  readonly seal: SealWitness;
  /** Attachments named after one of the receipt's io hashes, by that hash. */
  readonly attachments: ReadonlyMap<string, AttachmentMaterial>;
  /** Size and hash of files the host read whole (the receipt's segment, keys, bundles), for the manifest. */
  readonly digests: ReadonlyMap<string, FileDigest>;
  /**
   * Findings of a full verification touching this receipt or its transaction (the app's
   * stored report). When given, these are the findings; the local checks still fill the evidence.
   */
  readonly reportFindings?: readonly Finding[];
}

export { REPLAY_PENDING };

export interface ExplainDeps {
  /**
   * Cedar, or null while it is still loading: then everything but Cedar's part is judged
   * (the receipt's bundle's policies are not parsed, its decision is not re-evaluated), and
   * the explanation says `replayPending`: a host shows it as in progress, never as holding.
   */
  readonly cedar: CedarFormatting | null;
  readonly verifier: SignatureVerifier;
  readonly trustedRoots: readonly string[];
  /** Where keys.json and the manifest, once checked, are kept by their materials' `documentsId`. */
  readonly documents?: DocumentsCache;
}

/** keys.json and the manifest as checked for a receipt: the same for every receipt of an archive. */
export interface DocumentsChecked {
  readonly keySet: KeySetResult;
  readonly manifestCheck: ManifestCheck | null;
  /** The manifest's files by path, when it could be read. */
  readonly listed: ReadonlyMap<string, Manifest['files'][number]> | null;
}

/**
 * A host's store of {@link DocumentsChecked}, by `documentsId` and the trusted roots. A check
 * whose verifier's answers are made up (the listing pass of `ahead.ts`) reads it, and fills it
 * only once its answers are known to be the real ones.
 */
export interface DocumentsCache {
  get(key: string): DocumentsChecked | undefined;
  set(key: string, checked: DocumentsChecked): void;
}

/** What {@link DocumentsCache} keeps a check of documents under: they and the roots they were checked against. */
export function documentsKey(documentsId: string, trustedRoots: readonly string[]): string {
  return `${documentsId}\n${[...trustedRoots].sort().join(',')}`;
}

/** An archive's keys.json and manifest as {@link ExplainMaterials} give them, named by their `documentsId`. */
export type ArchiveDocuments = Pick<ExplainMaterials, 'manifest' | 'keys' | 'documentsId'>;

/**
 * keys.json and the manifest checked, or as checked before for the same documents and roots:
 * a receipt's judgment checks them here, and a host may check an archive's documents before
 * its first receipt is asked for (`checkDocumentsAhead` in ahead.ts), kept in `deps.documents`.
 */
export function documentsChecked(m: ArchiveDocuments, deps: Omit<ExplainDeps, 'cedar'>): DocumentsChecked {
  const key = m.documentsId === undefined || !deps.documents ? null : documentsKey(m.documentsId, deps.trustedRoots);
  const known = key === null ? undefined : deps.documents?.get(key);
  if (known) return known;
  const keySet = buildKeyring(m.keys, deps.trustedRoots, deps.verifier);
  const manifestCheck = m.manifest === undefined ? null : checkManifest(m.manifest, keySet.keyring, deps.verifier);
  const listed = manifestCheck?.manifest ? new Map(manifestCheck.manifest.files.map((f) => [f.path, f])) : null;
  const checked = { keySet, manifestCheck, listed };
  if (key !== null) deps.documents?.set(key, checked);
  return checked;
}

export type Tri = boolean | null;

export interface ReceiptRef {
  readonly id: string;
  readonly ledger: string;
  readonly seq: number;
  readonly hash: string;
  readonly ts: string;
  readonly path: string;
  readonly line: number;
}

export interface StepRef {
  readonly receipt: string;
  readonly ledger: string;
  readonly seq: number;
  readonly step: number;
  readonly end: 'commit' | 'abort' | null;
  readonly effect: 'allow' | 'deny';
  readonly status: 'ok' | 'error' | 'blocked';
  readonly ts: string;
  readonly hash: string;
  readonly path: string;
  readonly line: number;
}

export interface IoItem {
  readonly hash: string;
  readonly attachment: {
    readonly path: string;
    readonly size: number;
    /** The content's SHA-256 equals the hash the receipt records (and the attachment's name). */
    readonly matched: boolean;
    readonly kind: 'text' | 'json' | 'binary' | 'not kept';
    /** Text (pretty-printed for JSON), or hex of the first bytes for binary. */
    readonly content: string | null;
    readonly truncated: boolean;
  } | null;
}

export interface KeyEvidence {
  readonly kid: string;
  readonly listed: boolean;
  readonly roles: readonly string[];
  readonly publicKey: string | null;
  readonly notBefore: string | null;
  readonly notAfter: string | null;
  /** The root that certifies it, and whether the caller pinned that root. */
  readonly certifiedBy: string | null;
  readonly rootPinned: Tri;
  readonly revocation: { readonly revokedAt: string; readonly reason: string; readonly by: string } | null;
  /** May sign for this role at the receipt's time (certified, in its window, not revoked). */
  readonly usable: boolean;
  readonly anchored: boolean;
  readonly problem: string | null;
}

export interface Explanation {
  readonly source: string;
  readonly receipt: ReceiptRef;
  /** The receipt as stored (null when the line is not a valid receipt: then most below is empty). */
  readonly value: Receipt | null;
  readonly malformed: string | null;
  readonly intent: {
    readonly request: Receipt['request'] | null;
    readonly entities: Receipt['entities'];
    readonly agent: Receipt['agent'] | null;
  };
  readonly data: {
    readonly tier: number | null;
    readonly tierName: string | null;
    readonly personal: readonly string[];
    readonly undeclaredPersonal: readonly string[];
    readonly subjects: readonly string[];
    readonly recipient: string | null;
    /** Null when there is no recipient or no bundle to say. */
    readonly recipientApproved: Tri;
  };
  readonly io: {
    readonly input: IoItem;
    readonly reasoning: IoItem;
    readonly output: IoItem;
    readonly reasoningSummary: string | null;
  } | null;
  readonly decision: {
    readonly bundle: {
      readonly hash: string;
      readonly id: string | null;
      readonly version: number | null;
      readonly path: string | null;
      readonly effectiveFrom: string | null;
      readonly effectiveUntil: string | null;
      readonly signers: readonly BundleSigner[];
      readonly signatureValid: Tri;
      readonly inEffect: Tri;
      readonly found: boolean;
    };
    readonly recorded: { readonly effect: 'allow' | 'deny'; readonly policies: readonly string[] } | null;
    readonly replayed: {
      readonly effect: 'allow' | 'deny';
      readonly policies: readonly string[];
      readonly errors: readonly string[];
    } | null;
    /** Why it was not replayed, when it was not. */
    readonly notReplayed: string | null;
    /** Recorded and replayed agree on effect and determining policies (null: not replayed). */
    readonly agrees: Tri;
    readonly policies: readonly PolicyVerdict[];
  } | null;
  readonly approval: {
    readonly required: Tri;
    readonly present: boolean;
    readonly approver: string | null;
    readonly key: KeyEvidence | null;
    readonly signatureValid: Tri;
  } | null;
  readonly evidence: {
    readonly signature: { readonly valid: Tri; readonly problem: string | null };
    readonly key: KeyEvidence | null;
    readonly chain: {
      readonly prev: string | null;
      readonly previous:
        (ReceiptRef & { readonly linked: boolean }) | { readonly first: true; readonly linked: boolean } | null;
      readonly next: (ReceiptRef & { readonly linked: boolean }) | null;
    };
    readonly checkpoint: {
      readonly status: 'sealed' | 'unsealed' | 'broken' | 'not checked';
      readonly sentence: string;
      readonly seq: number | null;
      readonly ts: string | null;
      readonly head: string | null;
      readonly kid: string | null;
      readonly path: string;
      readonly line: number | null;
    };
    readonly file: { readonly path: string; readonly listed: Tri; readonly matches: Tri };
    readonly manifest: { readonly present: boolean; readonly signatureValid: Tri; readonly anchored: boolean };
    readonly exec: Receipt['exec'] | null;
  };
  readonly transaction: { readonly id: string; readonly steps: readonly StepRef[] } | null;
  readonly findings: readonly Finding[];
  /** What was and was not checked for this explanation. */
  readonly checks: readonly CheckStatus[];
  /**
   * No finding touches the receipt or its decision (not its transaction's other steps).
   * Never true while `replayPending`.
   */
  readonly holds: boolean;
  /** Judged without Cedar (`ExplainDeps.cedar` null): the decision's replay is still to come. */
  readonly replayPending: boolean;
}

const ARCHIVE_WIDE = new Set(['RECEIPT_ID_DUPLICATE', 'NONDETERMINISTIC_OUTPUT', 'SLO_BREACH']);

/** Judges the materials of one receipt. Never throws for bad evidence. */
export async function explainReceipt(m: ExplainMaterials, deps: ExplainDeps): Promise<Explanation> {
  const local: Finding[] = [];
  const checks: CheckStatus[] = [];
  const cedar = deps.cedar;
  const { keySet, manifestCheck, listed } = documentsChecked(m, deps);
  const keyring = keySet.keyring;
  const notAsListed = (path: string): string | null => {
    if (!listed) return null;
    const file = listed.get(path);
    const got = m.digests.get(path);
    if (!file) return 'it is not listed in the manifest';
    if (got && (got.sha256 !== file.sha256 || got.bytes !== file.bytes))
      return 'its bytes are not those the manifest lists';
    return null;
  };

  const stored = readStoredLine(m.target.path, lineRead(m.target), m.target.ledger);
  const schema = stored.value === undefined ? null : validateReceipt(stored.value);
  const receipt = schema?.ok ? schema.value : null;

  // Bundles, with the same rules as verification (Cedar only for signed, listed text). Only the
  // bundle the receipt names is given to Cedar to parse: no other bundle's parse bears on this
  // receipt's judgment (its findings below are its own bundle's), and in a fresh worker each
  // bundle's first parse took tens of ms (docs/PERFORMANCE.md).
  const parse =
    cedar && receipt
      ? (hash: string, policies: Readonly<Record<string, string>>) =>
          hash === receipt.decision.bundle ? checkBundlePolicies(cedar, hash, policies) : null
      : undefined;
  const bundlesByHash = new Map<string, ResolvedBundle>();
  const bundleFindings = new Map<string, Finding[]>();
  const bundleSignatures = new Map<string, { signatures: unknown; text: string }>();
  for (const { path, value } of m.bundles) {
    const checked = checkBundleFile(path, value, keyring, deps.verifier, parse, notAsListed(path));
    if (checked.bundle && !bundlesByHash.has(checked.bundle.hash)) {
      bundlesByHash.set(checked.bundle.hash, checked.bundle);
      bundleFindings.set(checked.bundle.hash, checked.findings);
      bundleSignatures.set(checked.bundle.hash, {
        signatures: (value as { signatures?: unknown }).signatures,
        text: canonicalize((value as { bundle: unknown }).bundle),
      });
    }
  }

  const ref: ReceiptRef = {
    id: receipt?.id ?? '',
    ledger: m.target.ledger,
    seq: receipt?.seq ?? 0,
    hash: m.target.hash,
    ts: receipt?.ts ?? '',
    path: m.target.path,
    line: m.target.line,
  };
  const bundle = receipt ? bundlesByHash.get(receipt.decision.bundle) : undefined;

  // The receipt line through the engine's own per-receipt checks and the per-receipt controls.
  const archive = { bundlesByHash, keyring, verifier: deps.verifier };
  const controls: ControlCheck[] = [];
  for (const factory of cedar ? controlChecks(cedar) : controlChecksWithoutCedar()) {
    const control = await factory(archive);
    if (control.parallel === 'stateless') controls.push(control);
  }
  const segment = await checkSegment(m.target.ledger, m.target.path, once(lineRead(m.target)), {
    keyring,
    verifier: deps.verifier,
    bundlesByHash,
    checkpointSeqs: new Set(),
    controls,
  });
  local.push(...segment.findings);
  for (const control of controls) local.push(...(await control.finish()));
  checks.push({ check: 'The receipt: stored form, schema, key, signature, bundle in effect', status: 'ran' });
  if (cedar)
    checks.push({ check: 'Its decision re-evaluated, tier, recipient, approval, denied-but-executed', status: 'ran' });
  else
    checks.push(
      {
        check: 'Its decision re-evaluated, its bundle’s policies parsed',
        status: 'not checked',
        reason: REPLAY_PENDING,
      },
      { check: 'Its tier, recipient, approval, denied-but-executed', status: 'ran' },
    );

  // Links with the neighbours as stored.
  const previousRef = m.previous ? refOf(m.previous) : null;
  const nextRef = m.next ? refOf(m.next) : null;
  let linkedBefore: boolean | null = null;
  let linkedAfter: boolean | null = null;
  if (receipt) {
    const tail = previousRef?.tail ?? null;
    // A neighbour the host could not find is an unknown span: no link before it is judged.
    const unreadable =
      m.previousUnknown !== undefined ? UNKNOWN_SPAN : m.previous && !previousRef?.tail ? m.previous.hash : null;
    const problems = linkProblems(tail, unreadable, linkInput(receipt));
    for (const p of problems)
      local.push(finding(p.code, p.message, { ...where(m.target), seq: receipt.seq, receipt: receipt.id }));
    linkedBefore = m.previousUnknown !== undefined ? null : !problems.some((p) => p.code === 'CHAIN_BROKEN');
    if (nextRef?.receipt) {
      const nextProblems = linkProblems(tailOf(receipt, m.target.hash), null, linkInput(nextRef.receipt));
      for (const p of nextProblems)
        local.push(
          finding(p.code, p.message, {
            ...where(m.next as LineAt),
            seq: nextRef.receipt.seq,
            receipt: nextRef.receipt.id,
          }),
        );
      linkedAfter = !nextProblems.some((p) => p.code === 'CHAIN_BROKEN');
    }
    checks.push(
      m.previousUnknown !== undefined
        ? { check: 'Its link with the line stored before it', status: 'not checked', reason: m.previousUnknown }
        : { check: 'Its links with the receipts stored before and after it', status: 'ran' },
    );
  }

  // The checkpoint that seals it, read as verification reads the ledger's checkpoints (sealing.ts).
  const read = receipt
    ? readSealingCheckpoint(m.target.ledger, keyring, deps.verifier, m.checkpointLines, receipt.seq)
    : null;
  const checkpoint = receipt
    ? judgeSeal(receipt.seq, read?.sealing ? [read.sealing] : [], m.seal, m.target.ledger)
    : null;
  const sealing = checkpoint?.line ?? null;
  for (const f of read?.findings ?? []) if (sealing !== null && f.line === sealing) local.push(f);
  // What the seal found wrong, where no finding says it yet (a broken link right after the
  // receipt is already the next line's CHAIN_BROKEN).
  const sealProblem = checkpoint?.problem;
  if (
    sealProblem &&
    !local.some((f) => f.code === sealProblem.code && f.path === sealProblem.path && f.line === sealProblem.line)
  )
    local.push(
      finding(sealProblem.code, sealProblem.message, {
        path: sealProblem.path,
        ...(sealProblem.line !== null ? { line: sealProblem.line } : {}),
        ledger: m.target.ledger,
        ...(sealProblem.seq !== null ? { seq: sealProblem.seq } : {}),
      }),
    );

  // The transaction, judged by the transaction control over every step found.
  let transaction: Explanation['transaction'] = null;
  if (receipt) {
    const txn = transactionCheck(archive) as ControlCheck;
    const steps: StepRef[] = [];
    for (const line of m.transaction) {
      const r = refOf(line).receipt;
      if (!r || r.txn.id !== receipt.txn.id) continue;
      const context: ReceiptContext = {
        path: line.path,
        line: line.line,
        ledger: line.ledger,
        hash: line.hash,
        bundle: bundlesByHash.get(r.decision.bundle),
      };
      await txn.visit(r, context);
      steps.push({
        receipt: r.id,
        ledger: r.ledger,
        seq: r.seq,
        step: r.txn.step,
        end: r.txn.end,
        effect: r.decision.effect,
        status: r.exec.status,
        ts: r.ts,
        hash: line.hash,
        path: line.path,
        line: line.line,
      });
    }
    if (m.ledgerPartlyRead) txn.ledgerUnreadable?.(m.target.ledger);
    local.push(...(await txn.finish()));
    transaction = { id: receipt.txn.id, steps };
    checks.push(
      m.ledgerPartlyRead
        ? {
            check: 'Its transaction complete, steps 1..n',
            status: 'not checked',
            reason: 'part of the ledger could not be read',
          }
        : { check: 'Its transaction complete, steps 1..n', status: 'ran' },
    );
  }

  // Keys, manifest and bundle findings that bear on this receipt.
  const kids = new Set([receipt?.kid, receipt?.decision.approval?.kid].filter((k): k is string => !!k));
  const rootsOf = new Set<string>();
  for (const kid of kids) {
    const cert = keyEntry(m.keys, kid)?.cert?.kid;
    if (cert) rootsOf.add(cert);
  }
  for (const f of keySet.findings) {
    const kid = (f.detail?.kid as string | undefined) ?? '';
    if (kids.has(kid) || rootsOf.has(kid) || [...kids].some((k) => f.message.includes(k))) local.push(f);
  }
  if (manifestCheck) local.push(...manifestCheck.findings);
  if (bundle) local.push(...(bundleFindings.get(bundle.hash) ?? []));
  const segmentListing = notAsListed(m.target.path);
  const segmentDigest = m.digests.get(m.target.path);
  if (listed && segmentDigest && segmentListing)
    local.push(
      finding(
        listed.has(m.target.path) ? 'FILE_HASH_MISMATCH' : 'FILE_UNLISTED',
        `${m.target.path}: ${segmentListing}.`,
        { path: m.target.path },
      ),
    );

  // Attachments of its inputs, reasoning and output.
  const io = receipt ? explainIo(receipt, m.attachments, local) : null;

  // The decision, replayed policy by policy.
  const signed = bundle ? bundleSignatures.get(bundle.hash) : undefined;
  const signers =
    bundle && signed
      ? bundleSigners(bundle.body.effective_from, signed.signatures, signed.text, keyring, deps.verifier)
      : [];
  const decision = receipt ? explainDecision(receipt, bundle, signers, m.bundles.length > 0, deps) : null;

  const findings = sortFindings(m.reportFindings !== undefined ? [...m.reportFindings] : dedupe(local));
  if (m.reportFindings === undefined)
    checks.push({
      check: 'Archive-wide checks (receipt id unique in the archive, deterministic output, p99 latency)',
      status: 'not checked',
      reason: 'they need the whole archive: run tickmark verify',
    });
  else checks.push({ check: 'Findings: from the full verification made at import', status: 'ran' });

  const touches = (f: Finding) =>
    (f.receipt === ref.id && f.seq === ref.seq && f.ledger === ref.ledger) ||
    (f.path === m.target.path && (f.line === m.target.line || f.line === undefined)) ||
    (bundle !== undefined && f.path === bundle.path && categoryOf(f.code) === 'integrity') ||
    (sealing !== null && f.path === checkpointsPath(m.target.ledger) && f.line === sealing) ||
    f.path === 'manifest.json' ||
    f.path === 'keys.json' ||
    [...m.attachments.values()].some((a) => a.path === f.path);
  const replayPending = cedar === null && receipt !== null;
  const holds =
    !replayPending &&
    receipt !== null &&
    !findings.some((f) => f.code !== 'CHAIN_UNSEALED' && !ARCHIVE_WIDE.has(f.code) && touches(f)) &&
    (decision?.agrees ?? true) !== false;

  return {
    source: m.source,
    receipt: ref,
    value: receipt,
    malformed:
      receipt === null
        ? stored.value === undefined
          ? (stored.findings[0]?.message ?? 'the line could not be read')
          : schema && !schema.ok
            ? `Receipt is not valid: ${schema.message}.`
            : null
        : null,
    intent: { request: receipt?.request ?? null, entities: receipt?.entities ?? [], agent: receipt?.agent ?? null },
    data: explainData(receipt, bundle),
    io,
    decision,
    approval: receipt ? explainApproval(receipt, bundle, m.keys, keySet, deps) : null,
    evidence: {
      signature: signatureEvidence(receipt, local, keyring.check.bind(keyring)),
      key: receipt ? keyEvidence(m.keys, keySet, receipt.kid, 'gate', receipt.ts) : null,
      chain: {
        prev: receipt?.prev ?? null,
        previous: previousRef?.ref
          ? { ...previousRef.ref, linked: linkedBefore === true }
          : m.previous === null && m.previousUnknown === undefined && receipt
            ? { first: true, linked: linkedBefore === true }
            : null,
        next: nextRef?.ref ? { ...nextRef.ref, linked: linkedAfter === true } : null,
      },
      checkpoint: checkpoint
        ? {
            status: checkpoint.status,
            sentence: checkpoint.sentence,
            seq: checkpoint.seq,
            ts: checkpoint.ts,
            head: checkpoint.head,
            kid: checkpoint.kid,
            path: checkpointsPath(m.target.ledger),
            line: checkpoint.line,
          }
        : {
            status: 'not checked',
            sentence: 'The line is not a valid receipt.',
            seq: null,
            ts: null,
            head: null,
            kid: null,
            path: checkpointsPath(m.target.ledger),
            line: null,
          },
      file: {
        path: m.target.path,
        listed: listed ? listed.has(m.target.path) : null,
        matches: listed && segmentDigest ? segmentListing === null : null,
      },
      manifest: {
        present: manifestCheck !== null,
        signatureValid: manifestCheck
          ? !manifestCheck.findings.some((f) => f.code === 'MANIFEST_SIGNATURE_INVALID' || f.code.startsWith('KEY_')) &&
            manifestCheck.manifest !== null
          : null,
        anchored: manifestCheck?.anchored ?? false,
      },
      exec: receipt?.exec ?? null,
    },
    transaction,
    findings,
    checks,
    holds,
    replayPending,
  };
}

function lineRead(line: { readonly text: string; readonly line: number }): LineRead {
  return { kind: 'line', line: line.line, bytes: utf8(line.text) };
}

async function* once<T>(value: T): AsyncGenerator<T> {
  yield value;
}

function where(line: LineAt) {
  return { path: line.path, line: line.line, ledger: line.ledger };
}

function refOf(line: LineAt): { receipt: Receipt | null; ref: ReceiptRef | null; tail: ChainTail | null } {
  let value: unknown;
  try {
    value = JSON.parse(line.text);
  } catch {
    return { receipt: null, ref: null, tail: null };
  }
  const checked = validateReceipt(value);
  if (!checked.ok) return { receipt: null, ref: null, tail: null };
  const r = checked.value;
  return {
    receipt: r,
    ref: { id: r.id, ledger: line.ledger, seq: r.seq, hash: line.hash, ts: r.ts, path: line.path, line: line.line },
    tail: tailOf(r, line.hash),
  };
}

function tailOf(r: Receipt, hash: string): ChainTail {
  return { seq: r.seq, hash, ts: r.ts, instant: instantOf(r.ts) as Instant };
}

function linkInput(r: Receipt) {
  return { seq: r.seq, prev: r.prev, ts: r.ts, instant: instantOf(r.ts) as Instant };
}

function dedupe(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.code}\n${f.path ?? ''}\n${f.line ?? ''}\n${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

interface SealJudgement {
  readonly status: 'sealed' | 'unsealed' | 'broken' | 'not checked';
  /** A problem the seal found, as a finding's parts; null when none (or none of its own). */
  readonly problem: {
    readonly code: 'CHECKPOINT_MISMATCH' | 'CHAIN_BROKEN' | 'CHAIN_TRUNCATED';
    readonly message: string;
    readonly path: string;
    readonly line: number | null;
    readonly seq: number | null;
  } | null;
  readonly sentence: string;
  readonly seq: number | null;
  readonly ts: string | null;
  readonly head: string | null;
  readonly kid: string | null;
  readonly line: number | null;
}

function judgeSeal(
  seq: number,
  checkpoints: readonly { checkpoint: { seq: number; head: string; ts: string; kid: string }; line: number }[],
  seal: SealWitness,
  ledger: string,
): SealJudgement {
  const cp = checkpoints.find((c) => c.checkpoint.seq >= seq);
  const base = {
    problem: null,
    seq: cp?.checkpoint.seq ?? null,
    ts: cp?.checkpoint.ts ?? null,
    head: cp?.checkpoint.head ?? null,
    kid: cp?.checkpoint.kid ?? null,
    line: cp?.line ?? null,
  };
  if (!cp)
    return {
      ...base,
      status: 'unsealed',
      sentence: `No valid checkpoint of ledger ${ledger} reaches seq ${seq}: the receipt is not sealed (not proven complete).`,
    };
  const at = `checkpoint seq ${cp.checkpoint.seq} (${checkpointsPath(ledger)} line ${cp.line}, ${cp.checkpoint.ts})`;
  switch (seal.via) {
    case 'none':
      return { ...base, status: 'not checked', sentence: `Sealed by ${at}: not checked (${seal.reason}).` };
    case 'report':
      return seal.sealedSeq !== null && seal.sealedSeq >= seq
        ? {
            ...base,
            status: 'sealed',
            sentence: `Sealed: the full verification proved ledger ${ledger} chained and sealed to seq ${seal.sealedSeq}; the first checkpoint at or after this receipt is ${at}.`,
          }
        : {
            ...base,
            status: 'broken',
            sentence: `Not proven sealed: the full verification proved ledger ${ledger} (${seal.ledgerState}) only ${seal.sealedSeq === null ? 'nowhere' : `to seq ${seal.sealedSeq}`}, before this receipt; ${at} does not seal it.`,
          };
    case 'scan':
      if (seal.checkpointSeq !== cp.checkpoint.seq)
        return {
          ...base,
          status: 'not checked',
          sentence: `Sealed by ${at}: not checked (the chain was followed to seq ${seal.checkpointSeq}).`,
        };
      if (seal.brokenAt) {
        const broken = seal.brokenAt;
        const place = `${broken.path} line ${broken.line}${broken.seq !== null ? ` (seq ${broken.seq})` : ''}`;
        return {
          ...base,
          status: 'broken',
          sentence: `Not sealed: the chain from this receipt to ${at} breaks at ${place}.`,
          problem:
            broken.line > 0
              ? {
                  code: 'CHAIN_BROKEN',
                  message: `The line at ${place} does not link to the line stored before it.`,
                  path: broken.path,
                  line: broken.line,
                  seq: broken.seq,
                }
              : null,
        };
      }
      if (seal.headHash === null) {
        const message = `Ledger ${ledger} ends before seq ${cp.checkpoint.seq}, which ${at} seals: receipts after this one are missing.`;
        return {
          ...base,
          status: 'broken',
          sentence: `Not sealed: ${message.charAt(0).toLowerCase()}${message.slice(1)}`,
          problem: {
            code: 'CHAIN_TRUNCATED',
            message,
            path: checkpointsPath(ledger),
            line: cp.line,
            seq: cp.checkpoint.seq,
          },
        };
      }
      if (seal.headHash !== cp.checkpoint.head) {
        const message = `${at} signs head ${cp.checkpoint.head}, but receipt seq ${cp.checkpoint.seq} hashes to ${seal.headHash}.`;
        return {
          ...base,
          status: 'broken',
          sentence: `Not sealed: ${message.charAt(0).toLowerCase()}${message.slice(1)}`,
          problem: {
            code: 'CHECKPOINT_MISMATCH',
            message,
            path: checkpointsPath(ledger),
            line: cp.line,
            seq: cp.checkpoint.seq,
          },
        };
      }
      return {
        ...base,
        status: 'sealed',
        sentence: `Sealed by ${at}: its signed head is the hash of receipt seq ${cp.checkpoint.seq}, and every line from this receipt to it links to the one before.`,
      };
  }
}

function explainData(receipt: Receipt | null, bundle: ResolvedBundle | undefined): Explanation['data'] {
  if (!receipt)
    return {
      tier: null,
      tierName: null,
      personal: [],
      undeclaredPersonal: [],
      subjects: [],
      recipient: null,
      recipientApproved: null,
    };
  const d = receipt.data;
  const declared = bundle?.body.data_handling?.personal_categories;
  const approved = bundle?.body.data_handling?.approved_recipients;
  return {
    tier: d.tier,
    tierName: bundle?.body.tiers?.[String(d.tier)] ?? null,
    personal: d.personal,
    undeclaredPersonal: declared ? d.personal.filter((c) => !declared.includes(c)) : [],
    subjects: d.subjects,
    recipient: d.recipient,
    recipientApproved: d.recipient === null || !bundle ? null : (approved ?? []).includes(d.recipient),
  };
}

const SHOWN_BYTES = 64 * 1024;

function explainIo(receipt: Receipt, attachments: ReadonlyMap<string, AttachmentMaterial>, findings: Finding[]) {
  const item = (hash: string): IoItem => {
    const a = attachments.get(hash);
    if (!a) return { hash, attachment: null };
    const matched = a.sha256 === hash;
    if (!matched)
      findings.push(
        finding(
          'ATTACHMENT_HASH_MISMATCH',
          `Attachment content hashes to ${a.sha256}, not to its name: it was changed.`,
          { path: a.path },
        ),
      );
    return { hash, attachment: { path: a.path, size: a.size, matched, ...renderContent(a) } };
  };
  return {
    input: item(receipt.io.input),
    reasoning: item(receipt.io.reasoning),
    output: item(receipt.io.output),
    reasoningSummary: receipt.reasoning_summary ?? null,
  };
}

function renderContent(a: AttachmentMaterial): {
  kind: 'text' | 'json' | 'binary' | 'not kept';
  content: string | null;
  truncated: boolean;
} {
  if (!a.bytes) return { kind: 'not kept', content: null, truncated: false };
  const shown = a.bytes.subarray(0, SHOWN_BYTES);
  const truncated = (a.truncated ?? false) || a.bytes.length > SHOWN_BYTES;
  let text: string | null = null;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(shown);
  } catch {
    text = null;
  }
  // Printable text only: control characters other than tab and newlines mean binary.
  if (text !== null && !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text)) {
    if (!truncated) {
      try {
        return { kind: 'json', content: JSON.stringify(JSON.parse(text), null, 2), truncated };
      } catch {
        // Plain text.
      }
    }
    return { kind: 'text', content: text, truncated };
  }
  const hex = Array.from(shown.subarray(0, 512), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return { kind: 'binary', content: hex, truncated: truncated || shown.length > 512 };
}

function explainDecision(
  receipt: Receipt,
  bundle: ResolvedBundle | undefined,
  signers: readonly BundleSigner[],
  anyBundles: boolean,
  deps: ExplainDeps,
): NonNullable<Explanation['decision']> {
  const recorded = { effect: receipt.decision.effect, policies: [...receipt.decision.policies].sort() };
  const info = {
    hash: receipt.decision.bundle,
    id: bundle?.body.id ?? null,
    version: bundle?.body.version ?? null,
    path: bundle?.path ?? null,
    effectiveFrom: bundle?.body.effective_from ?? null,
    effectiveUntil: bundle?.body.effective_until ?? null,
    signers: [],
    signatureValid: bundle ? bundle.signatureValid : null,
    inEffect: bundle ? isInEffect(bundle, receipt.ts) : null,
    found: bundle !== undefined,
  };
  if (!bundle)
    return {
      bundle: info,
      recorded,
      replayed: null,
      notReplayed: anyBundles
        ? `the archive holds no bundle with hash ${receipt.decision.bundle}`
        : 'no policy bundle was available',
      agrees: null,
      policies: [],
    };
  if (!bundle.policiesUsable)
    return {
      bundle: { ...info, signers },
      recorded,
      replayed: null,
      notReplayed: 'the bundle is not validly signed and listed in the manifest, so its text is not given to Cedar',
      agrees: null,
      policies: [],
    };
  if (!deps.cedar)
    return {
      bundle: { ...info, signers },
      recorded,
      replayed: null,
      notReplayed: REPLAY_PENDING,
      agrees: null,
      policies: [],
    };
  const evaluation = evaluatePolicies(deps.cedar, bundle.body.cedar.policies, receipt.request, receipt.entities);
  if (!evaluation.ok)
    return {
      bundle: { ...info, signers },
      recorded,
      replayed: null,
      notReplayed: evaluation.error,
      agrees: null,
      policies: evaluation.texts.map((t) => ({
        ...t,
        effect: 'unknown',
        determining: false,
        status: 'errored',
        errors: [],
      })),
    };
  const replayed = {
    effect: evaluation.decision.effect,
    policies: [...evaluation.decision.policies],
    errors: [...evaluation.decision.errors],
  };
  const agrees =
    replayed.effect === recorded.effect &&
    replayed.policies.length === recorded.policies.length &&
    replayed.policies.every((p, i) => p === recorded.policies[i]);
  return { bundle: { ...info, signers }, recorded, replayed, notReplayed: null, agrees, policies: evaluation.policies };
}

function isInEffect(bundle: ResolvedBundle, ts: string): boolean | null {
  const at = instantOf(ts);
  if (at === null) return null;
  return at >= bundle.effectiveFrom && (bundle.effectiveUntil === null || at < bundle.effectiveUntil);
}

function keyEntry(keys: unknown, kid: string) {
  const list = (keys as { keys?: unknown } | null | undefined)?.keys;
  if (!Array.isArray(list)) return null;
  for (const raw of list) {
    const checked = validate(KeyEntrySchema, raw);
    if (checked.ok && checked.value.kid === kid) return checked.value;
  }
  return null;
}

function keyEvidence(
  keys: unknown,
  keySet: ReturnType<typeof buildKeyring>,
  kid: string,
  role: 'gate' | 'approver',
  at: string,
): KeyEvidence {
  const entry = keyEntry(keys, kid);
  const use = keySet.keyring.check(kid, role, at);
  const certifiedBy = entry?.cert?.kid ?? null;
  const root = certifiedBy ? keySet.roots.find((r) => r.kid === certifiedBy) : undefined;
  let revocation: KeyEvidence['revocation'] = null;
  const revocations = (keys as { revocations?: unknown } | null | undefined)?.revocations;
  if (Array.isArray(revocations))
    for (const raw of revocations) {
      const checked = validate(RevocationSchema, raw);
      if (
        checked.ok &&
        checked.value.kid === kid &&
        (revocation === null || checked.value.revoked_at < revocation.revokedAt)
      )
        revocation = { revokedAt: checked.value.revoked_at, reason: checked.value.reason, by: checked.value.by };
    }
  return {
    kid,
    listed: entry !== null,
    roles: entry?.roles ?? [],
    publicKey: entry?.public_key ?? null,
    notBefore: entry?.not_before ?? null,
    notAfter: entry?.not_after ?? null,
    certifiedBy,
    rootPinned: root ? root.trusted : null,
    revocation,
    usable: use.ok,
    anchored: use.ok && use.anchored,
    problem: use.ok ? null : use.message,
  };
}

function signatureEvidence(
  receipt: Receipt | null,
  findings: readonly Finding[],
  check: (kid: string, role: 'gate', at: string) => { ok: boolean; message?: string },
): { valid: Tri; problem: string | null } {
  if (!receipt) return { valid: null, problem: 'the line is not a valid receipt' };
  const use = check(receipt.kid, 'gate', receipt.ts);
  if (!use.ok) return { valid: null, problem: `not checked: ${use.message ?? 'the key cannot be used'}` };
  const bad = findings.find((f) => f.code === 'SIGNATURE_INVALID' && f.receipt === receipt.id);
  return bad ? { valid: false, problem: bad.message } : { valid: true, problem: null };
}

function explainApproval(
  receipt: Receipt,
  bundle: ResolvedBundle | undefined,
  keys: unknown,
  keySet: ReturnType<typeof buildKeyring>,
  deps: ExplainDeps,
): NonNullable<Explanation['approval']> {
  const approval = receipt.decision.approval;
  const action = receipt.request.action.id;
  const required = bundle
    ? receipt.decision.effect === 'allow' && (bundle.body.approval_required ?? []).includes(action)
    : null;
  if (!approval) return { required, present: false, approver: null, key: null, signatureValid: null };
  const key = keyEvidence(keys, keySet, approval.kid, 'approver', receipt.ts);
  let signatureValid: Tri = null;
  const use = keySet.keyring.check(approval.kid, 'approver', receipt.ts);
  if (use.ok) {
    try {
      signatureValid = deps.verifier.verify(fromHex(approval.sig), utf8(approvalMessage(receipt)), use.publicKey);
    } catch {
      signatureValid = false;
    }
  }
  return { required, present: true, approver: approval.approver, key, signatureValid };
}

/** The hash of a line's text, as the engine computes it (exported for hosts that gather lines). */
export function lineHash(text: string): string {
  return hashOf(utf8(text));
}
