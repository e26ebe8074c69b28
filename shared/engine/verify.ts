/**
 * Verification of a whole archive: archive → reader → checks → findings (docs/DESIGN.md).
 *
 * Every entry is read once, streamed: its bytes feed its hash (for the manifest) and its
 * parser at the same time. Order matters only where checks depend on each other: keys
 * before anything signed, bundles before receipts, a ledger's checkpoints before its receipts.
 */
import { readLines } from '../archive/lines.ts';
import { unsafePathReason } from '../archive/paths.ts';
import { openZip } from '../archive/zip.ts';
import {
  ArchiveUnreadableError,
  DEFAULT_LIMITS,
  LimitExceededError,
  type ArchiveSource,
  type RandomAccessBytes,
  type RawEntry,
  type ReadLimits,
} from '../archive/source.ts';
import { concatBytes } from '../format/bytes.ts';
import { nobleStrictVerifier } from '../format/ed25519.ts';
import { hashingChunks } from '../format/hash.ts';
import { categoryOf, finding, sortFindings, type Finding } from './findings.ts';
import { buildKeyring, KEYS_PATH } from './keys.ts';
import { LedgerMerger } from './ledger.ts';
import { runInOrder } from './pool-core.ts';
import { ReceiptIds } from './receipt-ids.ts';
import { localRunner, readerErrorFinding, type SegmentRunner, type SegmentTask } from './segment-task.ts';
import { readStoredLine } from './record.ts';
import { checkManifest, compareFiles, MANIFEST_PATH } from './manifest.ts';
import { checkBundleFile, checkLineage, type PolicyParser } from './policies.ts';
import {
  FORMAT_ID,
  type ArchiveInfo,
  type BundleSummary,
  type CheckStatus,
  type ControlCheck,
  type LedgerSummary,
  type ResolvedBundle,
  type VerifyOptions,
  type VerifyReport,
} from './types.ts';

export type { PolicyParser } from './policies.ts';

/** Largest JSON document (manifest, keys, a bundle) read whole. */
const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;

const SEGMENT = /^ledgers\/([^/]+)\/(\d{6})\.jsonl$/;
const CHECKPOINTS = /^ledgers\/([^/]+)\/checkpoints\.jsonl$/;
const POLICY = /^policies\/[^/]+\.json$/;
const ATTACHMENT = /^attachments\/([^/]+)$/;

/** What a pool of workers needs to check segments the way this thread would. */
export interface RunnerSetup {
  /** keys.json as parsed (each worker rebuilds the keyring from it). */
  readonly keys: unknown;
  readonly trustedRoots: readonly string[];
  readonly bundles: readonly ResolvedBundle[];
  readonly limits: ReadLimits;
  /** The run's controls by id (`ControlCheck.id`), in order: workers build the same ones. */
  readonly controlIds: readonly string[];
}

export interface EngineOptions extends VerifyOptions {
  /** Checks that each bundle's Cedar text parses (POLICY_INVALID); "not checked" without it. */
  readonly policyParser?: PolicyParser;
  /**
   * Checks segments elsewhere (a worker pool). Without it, segments are checked one by one
   * in this thread. `onRecord` is only called by the in-thread runner.
   */
  readonly segmentRunner?: (setup: RunnerSetup) => Promise<SegmentRunner>;
  /** Ledger bytes below which segments are checked in this thread anyway (default 16 MiB). */
  readonly segmentRunnerMinBytes?: number;
}

/**
 * Verifies a ZIP archive given as random-access bytes. A file that is not a readable
 * ZIP gives the finding ARCHIVE_UNREADABLE, not an exception.
 */
export async function verifyZipBytes(
  bytes: RandomAccessBytes,
  name: string,
  options: EngineOptions,
): Promise<VerifyReport> {
  let source: ArchiveSource;
  try {
    source = await openZip(bytes, name, options.limits);
  } catch (error) {
    if (!(error instanceof ArchiveUnreadableError)) throw error;
    return unreadableReport(name, error.message);
  }
  try {
    return await verifyArchive(source, options);
  } finally {
    await source.close();
  }
}

function unreadableReport(name: string, message: string): VerifyReport {
  const findings = [finding('ARCHIVE_UNREADABLE', message)];
  return {
    format: FORMAT_ID,
    source: name,
    archive: null,
    findings,
    ledgers: [],
    bundles: [],
    checks: [{ check: 'everything', status: 'not checked', reason: 'the archive could not be read' }],
    summary: { receipts: 0, ledgers: 0, bundles: 0, integrity_findings: 1, control_findings: 0, trusted: false },
  };
}

/** Verifies an opened archive. Bad evidence gives findings; only misuse or cancellation throws. */
export async function verifyArchive(source: ArchiveSource, options: EngineOptions): Promise<VerifyReport> {
  const limits: ReadLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const verifier = options.verifier ?? nobleStrictVerifier;
  const findings: Finding[] = [];
  const checks: CheckStatus[] = [];
  const signal = options.signal;

  // Listing and path safety.
  options.onProgress?.({ phase: 'listing', bytesDone: 0, bytesTotal: 0, receiptsDone: 0 });
  let rawEntries: readonly RawEntry[];
  try {
    rawEntries = await source.entries();
  } catch (error) {
    return unreadableReport(source.name, (error as Error).message);
  }
  const files = new Map<string, RawEntry>();
  for (const entry of rawEntries) {
    if (entry.isDirectory) continue;
    const unsafe = entry.invalidName ?? unsafePathReason(entry.name);
    if (unsafe) {
      findings.push(
        finding(
          'ENTRY_UNSAFE_PATH',
          `Entry ${JSON.stringify(entry.name)} was refused: ${unsafe}.`,
          {},
          { entry: entry.name },
        ),
      );
      continue;
    }
    if (files.has(entry.name)) {
      findings.push(
        finding('ENTRY_UNSAFE_PATH', `Entry ${entry.name} appears more than once; only the first is read.`, {
          path: entry.name,
        }),
      );
      continue;
    }
    if (entry.unsupported) {
      findings.push(
        finding('ARCHIVE_UNREADABLE', `Entry ${entry.name} is ${entry.unsupported} and cannot be read.`, {
          path: entry.name,
        }),
      );
      continue;
    }
    if (files.size >= limits.maxEntries) {
      findings.push(
        finding(
          'ENTRY_TOO_LARGE',
          `The archive has more than ${limits.maxEntries} entries (the limit); the rest were not read.`,
        ),
      );
      break;
    }
    files.set(entry.name, entry);
  }

  // One total for the whole run, known from the directory: the ledger segments' declared sizes.
  const bytesTotal = [...files.entries()].reduce(
    (sum, [path, entry]) => sum + (SEGMENT.test(path) ? (entry.declaredSize ?? 0) : 0),
    0,
  );

  /** Size and hash of every entry read in full; null when reading stopped part-way. */
  const actual = new Map<string, { bytes: number; sha256: string } | null>();

  function streamEntry(path: string): AsyncGenerator<Uint8Array> {
    actual.set(path, null);
    return hashingChunks(source.read(files.get(path) as RawEntry, signal), (file) => void actual.set(path, file));
  }

  /** Runs `body` over an entry's stream; turns reader refusals into findings. Returns false if it failed. */
  async function guarded(path: string, body: () => Promise<void>): Promise<boolean> {
    try {
      await body();
      return true;
    } catch (error) {
      const f = signal?.aborted ? null : readerErrorFinding(path, error);
      if (!f) throw error;
      findings.push(f);
      return false;
    }
  }

  /** Reads a whole JSON document and checks its stored form; undefined when unusable. */
  async function readDocument(path: string): Promise<unknown> {
    let value: unknown;
    await guarded(path, async () => {
      const chunks: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of streamEntry(path)) {
        size += chunk.length;
        if (size > MAX_DOCUMENT_BYTES)
          throw new LimitExceededError(
            'maxEntryBytes',
            size,
            `a JSON document may be at most ${MAX_DOCUMENT_BYTES} bytes`,
          );
        chunks.push(chunk);
      }
      // A JSON document is one stored line without a newline (FORMAT.md §1).
      const stored = readStoredLine(path, { kind: 'line', line: 1, bytes: concatBytes(chunks) });
      findings.push(...stored.findings);
      value = stored.value;
    });
    return value;
  }

  // Manifest and keys.
  options.onProgress?.({ phase: 'manifest', bytesDone: 0, bytesTotal, receiptsDone: 0 });
  const manifestValue = files.has(MANIFEST_PATH) ? await readDocument(MANIFEST_PATH) : undefined;
  actual.delete(MANIFEST_PATH);
  if (!files.has(MANIFEST_PATH))
    findings.push(
      finding('MANIFEST_MISSING', 'The archive has no manifest.json, so nothing proves which files it should hold.'),
    );
  options.onProgress?.({ phase: 'keys', bytesDone: 0, bytesTotal, receiptsDone: 0 });
  const keysValue = files.has(KEYS_PATH) ? await readDocument(KEYS_PATH) : undefined;
  if (!files.has(KEYS_PATH))
    findings.push(
      finding('FILE_MISSING', 'The archive has no keys.json, so no signature in it can be checked.', {
        path: KEYS_PATH,
      }),
    );
  const keys = buildKeyring(keysValue, options.trustedRoots, verifier);
  findings.push(...keys.findings);

  const manifestCheck = manifestValue === undefined ? null : checkManifest(manifestValue, keys.keyring, verifier);
  if (manifestCheck) findings.push(...manifestCheck.findings);
  const manifest = manifestCheck?.manifest ?? null;

  // Policy bundles.
  options.onProgress?.({ phase: 'policies', bytesDone: 0, bytesTotal, receiptsDone: 0 });
  const bundles: ResolvedBundle[] = [];
  const bundleSummaries: BundleSummary[] = [];
  const bundlesByHash = new Map<string, ResolvedBundle>();
  for (const path of [...files.keys()].filter((p) => POLICY.test(p)).sort()) {
    const value = await readDocument(path);
    if (value === undefined) continue;
    const checked = checkBundleFile(path, value, keys.keyring, verifier, options.policyParser);
    findings.push(...checked.findings);
    if (!checked.bundle) continue;
    const b = checked.bundle;
    if (bundlesByHash.has(b.hash)) {
      findings.push(
        finding('POLICY_LINEAGE_BROKEN', `${path} holds the same bundle as ${bundlesByHash.get(b.hash)?.path}.`, {
          path,
        }),
      );
      continue;
    }
    bundles.push(b);
    bundlesByHash.set(b.hash, b);
    bundleSummaries.push({
      path,
      hash: b.hash,
      id: b.body.id,
      version: b.body.version,
      effectiveFrom: b.body.effective_from,
      effectiveUntil: b.body.effective_until ?? null,
      signatureValid: b.signatureValid,
      policyIds: Object.keys(b.body.cedar.policies).sort(),
    });
  }
  findings.push(...checkLineage(bundles));
  checks.push(
    options.policyParser
      ? { check: 'Policy text parses (Cedar)', status: 'ran' }
      : { check: 'Policy text parses (Cedar)', status: 'not checked', reason: 'no Cedar engine was given to this run' },
  );

  // Controls plug in here: they see every schema-valid receipt.
  const archiveContext = { bundlesByHash, keyring: keys.keyring, verifier };
  const controls: ControlCheck[] = [];
  for (const factory of options.controls ?? []) controls.push(await factory(archiveContext));

  // Ledgers, one chain each, in name order: checkpoints first (they say which receipt
  // hashes to keep), then segments, checked by the runner (possibly in parallel) and
  // merged here strictly in order.
  const ledgerNames = new Set<string>();
  for (const path of files.keys()) {
    const m = SEGMENT.exec(path) ?? CHECKPOINTS.exec(path);
    if (m) ledgerNames.add(m[1] as string);
    else if (path.startsWith('ledgers/'))
      findings.push(
        finding(
          'RECORD_MALFORMED',
          `${path} is not a ledger segment (ledgers/<ledger>/<six digits>.jsonl) or checkpoints file; it was not read as receipts.`,
          { path },
        ),
      );
  }
  const receiptIds = new ReceiptIds();
  const ledgers = new Map<string, LedgerMerger>();
  const tasks: SegmentTask[] = [];
  for (const name of [...ledgerNames].sort()) {
    const ledger = new LedgerMerger(name, keys.keyring, verifier, receiptIds);
    ledgers.set(name, ledger);
    const checkpointsPath = `ledgers/${name}/checkpoints.jsonl`;
    if (files.has(checkpointsPath)) {
      const ok = await guarded(checkpointsPath, async () => {
        for await (const read of readLines(streamEntry(checkpointsPath), limits.maxLineBytes))
          ledger.addCheckpointLine(read);
      });
      if (!ok) ledger.addFileFinding(findings.at(-1) as Finding);
    }
    const checkpointSeqs = [...ledger.checkpointSeqs];
    for (const path of [...files.keys()].filter((p) => SEGMENT.exec(p)?.[1] === name).sort())
      tasks.push({ ledger: name, path, checkpointSeqs });
  }
  let bytesDone = 0;
  let receiptsDone = 0;
  // A control that cannot run split (neither stateless nor projected) keeps the run in this thread.
  const splittable = controls.every(
    (c) => c.parallel === 'stateless' || (c.parallel === 'projected' && c.project && c.visitProjection),
  );
  // Starting workers costs about a second; below this much ledger data one thread is faster.
  const worthAPool = tasks.length > 1 && bytesTotal >= (options.segmentRunnerMinBytes ?? 16 * 1024 * 1024);
  let localRunnerUsed: SegmentRunner | null = null;
  let poolProblem: string | null = null;
  let runner: SegmentRunner | null = null;
  if (options.segmentRunner && splittable && worthAPool) {
    try {
      runner = await options.segmentRunner({
        keys: keysValue,
        trustedRoots: options.trustedRoots,
        bundles,
        limits,
        controlIds: controls.map((c) => c.id),
      });
    } catch (error) {
      signal?.throwIfAborted();
      // A pool that cannot start costs time, not checks: this thread checks every segment.
      poolProblem = (error as Error).message ?? String(error);
    }
  }
  runner ??= localRunnerUsed = localRunner(
    source,
    files,
    {
      keyring: keys.keyring,
      verifier,
      bulkVerifier: options.bulkVerifier,
      bundlesByHash,
      controls,
      onRecord: options.onRecord,
    },
    limits.maxLineBytes,
    signal,
  );
  try {
    await runInOrder(tasks, runner, signal, (task, result) => {
      if (result.file) actual.set(task.path, result.file);
      else actual.set(task.path, null);
      const ledger = ledgers.get(task.ledger) as LedgerMerger;
      const readerFinding = result.file === null ? result.findings.at(-1) : undefined;
      if (readerFinding) ledger.addFileFinding(readerFinding);
      ledger.absorb(result, controls);
      bytesDone += files.get(task.path)?.declaredSize ?? 0;
      receiptsDone += result.lines;
      options.onProgress?.({ phase: 'ledgers', bytesDone, bytesTotal, receiptsDone });
    });
  } finally {
    await runner.close();
  }
  checks.push({
    check: `Segments checked by ${runner.name}${poolProblem ? ` (the worker pool could not start: ${poolProblem})` : ''}`,
    status: 'ran',
  });
  if (runner === localRunnerUsed && options.bulkVerifier)
    checks.push({ check: `Receipt signatures verified with ${options.bulkVerifier.name}`, status: 'ran' });

  // Attachments and any other entry: hashed for the manifest; attachments also by name.
  for (const path of files.keys()) {
    if (actual.has(path) || path === MANIFEST_PATH) continue;
    await guarded(path, async () => {
      for await (const _chunk of streamEntry(path)) {
        // hashing happens in streamEntry
      }
    });
    const attachment = ATTACHMENT.exec(path);
    const got = actual.get(path);
    if (attachment && got) {
      const named = `sha256:${attachment[1]}`;
      if (!/^[0-9a-f]{64}$/.test(attachment[1] as string)) {
        findings.push(
          finding(
            'ATTACHMENT_HASH_MISMATCH',
            `Attachment name ${attachment[1]} is not a SHA-256 (64 lowercase hex digits).`,
            { path },
          ),
        );
      } else if (got.sha256 !== named) {
        findings.push(
          finding(
            'ATTACHMENT_HASH_MISMATCH',
            `Attachment content hashes to ${got.sha256}, not to its name: it was changed.`,
            { path },
          ),
        );
      }
    }
  }

  // Manifest against what was read.
  if (manifest) {
    const fileFindings = compareFiles(manifest, actual);
    findings.push(...fileFindings);
    for (const f of fileFindings) {
      const ledgerName = f.path ? (SEGMENT.exec(f.path) ?? CHECKPOINTS.exec(f.path))?.[1] : undefined;
      if (ledgerName) ledgers.get(ledgerName)?.addFileFinding(f);
    }
    checks.push({ check: 'Manifest lists every file with its hash', status: 'ran' });
  } else {
    checks.push({
      check: 'Manifest lists every file with its hash',
      status: 'not checked',
      reason: manifestValue === undefined ? 'there is no readable manifest' : 'the manifest is malformed',
    });
  }

  // Ledger verdicts, then the controls that need the whole archive.
  const ledgerSummaries: LedgerSummary[] = [];
  for (const ledger of ledgers.values()) {
    const summary = ledger.finish();
    findings.push(...ledger.findings);
    ledgerSummaries.push(summary);
  }
  options.onProgress?.({ phase: 'controls', bytesDone, bytesTotal, receiptsDone });
  for (const control of controls) findings.push(...(await control.finish()));
  checks.push(
    { check: 'Signatures, keys and trust anchors', status: 'ran' },
    { check: 'Hash chains and checkpoints', status: 'ran' },
    controls.length > 0
      ? { check: 'Decision re-evaluation and control checks', status: 'ran' }
      : {
          check: 'Decision re-evaluation and control checks',
          status: 'not checked',
          reason: 'no control checks were given to this run',
        },
  );

  const sorted = sortFindings(findings);
  const integrity = sorted.filter((f) => categoryOf(f.code) === 'integrity').length;
  const archive: ArchiveInfo | null = manifest
    ? {
        archive_id: manifest.archive_id,
        organization: manifest.organization,
        created_at: manifest.created_at,
        period: { from: manifest.period.from, to: manifest.period.to },
        producer: { name: manifest.producer.name, version: manifest.producer.version },
      }
    : null;
  options.onProgress?.({ phase: 'done', bytesDone, bytesTotal, receiptsDone });
  return {
    format: FORMAT_ID,
    source: source.name,
    archive,
    findings: sorted,
    ledgers: ledgerSummaries,
    bundles: bundleSummaries,
    checks,
    summary: {
      receipts: receiptsDone,
      ledgers: ledgerSummaries.length,
      bundles: bundleSummaries.length,
      integrity_findings: integrity,
      control_findings: sorted.length - integrity,
      trusted: keys.allRootsTrusted && (manifestCheck?.anchored ?? false),
    },
  };
}
