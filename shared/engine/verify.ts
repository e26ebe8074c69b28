/**
 * Verification of a whole archive: archive → reader → checks → findings (docs/DESIGN.md).
 *
 * Every entry is read once, streamed: its bytes feed its hash (for the manifest) and its
 * parser at the same time (a checkpoints file twice with an asynchronous verifier: for its
 * seqs, then to judge it, checkpoint-judging.ts). Order matters only where checks depend on
 * each other: keys before anything signed, bundles before receipts, a ledger's checkpoint
 * seqs before its receipts.
 *
 * The run is a sequence of named phases over one explicit state ({@link Run}): entries,
 * manifest and keys, bundles, ledgers, remaining entries, manifest comparison, summary.
 * A later feature plugs in at a named phase and reads what the earlier ones left in the state.
 */
import { pushAll } from './append.ts';
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
import { concatBytes, copyOf } from '../format/bytes.ts';
import { nobleStrictVerifier, type SignatureVerifier } from '../format/ed25519.ts';
import { hashingChunks, HEX64 } from '../format/hash.ts';
import { ATTACHMENT_PATH, checkpointsPath, CHECKPOINTS_PATH, SEGMENT_PATH } from '../format/layout.ts';
import { categoryOf, finding, sortFindings, type Finding } from './findings.ts';
import { buildKeyringAhead, KEYS_PATH, type KeyringData, type KeySetResult, type StoredForm } from './keys.ts';
import { RememberingVerifier } from '../format/remembering-verifier.ts';
import { LedgerMerger } from './ledger.ts';
import { toSeqRuns } from './seq-runs.ts';
import { CheckpointJudging, PACING_WINDOW } from './checkpoint-judging.ts';
import { runInOrder } from './pool-core.ts';
import { ReceiptIds, SpilledReceiptIds } from './receipt-ids.ts';
import type { SpillStore } from './spill.ts';
import { localRunner, readerErrorFinding, type SegmentRunner, type SegmentTask } from './segment-task.ts';
import {
  batchSmallFiles,
  FIRST_PIECE_BYTES,
  PIECE_BYTES,
  splitIntoPieces,
  type PieceBuffers,
  type PieceRead,
} from './pieces.ts';
import { readStoredLine, type StoredLine } from './record.ts';
import type { SegmentResult } from './segment.ts';
import { checkManifest, compareFiles, ListedFiles, MANIFEST_PATH, type ListedFile } from './manifest.ts';
import { FileDigests } from './file-digests.ts';
import { checkBundleFile, checkLineage, type PolicyParser } from './policies.ts';
import {
  FORMAT_ID,
  type ArchiveInfo,
  type BundleSummary,
  type CheckStatus,
  type KeptFile,
  type ControlCheck,
  type LedgerSummary,
  type Progress,
  type ResolvedBundle,
  type VerifyOptions,
  type VerifyReport,
} from './types.ts';
import type { Manifest } from '../format/schema.ts';

/** A checked manifest as a run keeps it: its file list in columns. */
type KeptManifest = Pick<Manifest, 'archive_id' | 'organization' | 'created_at' | 'period' | 'producer'> & {
  readonly files: ListedFiles;
};

export type { PolicyParser } from './policies.ts';

/** Largest JSON document (manifest, keys, a bundle) read whole. */
const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;

const SEGMENT = SEGMENT_PATH;
const CHECKPOINTS = CHECKPOINTS_PATH;
const POLICY = /^policies\/[^/]+\.json$/;
const ATTACHMENT = ATTACHMENT_PATH;

/** What a pool of workers needs to check segments the way this thread would. */
export interface RunnerSetup {
  /** keys.json as parsed: a worker not given {@link keyring} builds its keyring from it. */
  readonly keys: unknown;
  /**
   * This thread's keyring as built (`KeySetResult.data`): a worker checks keys with it rather
   * than validate keys.json and verify its signatures again (with 500 ledgers, 1,500 of them:
   * about 120 ms of each worker's start).
   */
  readonly keyring?: KeyringData;
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
  /**
   * Called once, right after the listing, when the ledgers are large enough for
   * {@link segmentRunner} to be asked for: a host may start its workers then, so their code
   * loads while this thread reads the manifest, keys and bundles. `segmentRunner` may still
   * not be called (a control that cannot run split): the host stops them after the run.
   */
  readonly warmSegmentRunner?: () => void;
  /** Ledger bytes below which segments are checked in this thread anyway (default 16 MiB). */
  readonly segmentRunnerMinBytes?: number;
  /** Bytes of segment data per piece for a runner that takes pieces (default 4 MiB; tests use tiny ones). */
  readonly pieceBytes?: number;
  /** The first piece of the run's first file; each next one twice as long, up to `pieceBytes` (default 256 KiB). */
  readonly firstPieceBytes?: number;
  /** Buffers of pieces already checked, to read the next pieces into (a runner that gives them back). */
  readonly pieceBuffers?: PieceBuffers;
  /**
   * With an asynchronous verifier, what a ledger may hold for the other side (judged checkpoints
   * waiting for their receipts, receipts' hashes waiting for their checkpoints) before the side
   * ahead waits (default {@link PACING_WINDOW}; tests use tiny ones).
   */
  readonly pacingWindow?: number;
  /**
   * Where the run may keep per-receipt facts on disk (receipt ids, outputs: spill.ts) instead
   * of in memory; the host owns the files and deletes them after the run. Without it, memory.
   */
  readonly spill?: SpillStore;
  /** Ledger bytes from which {@link spill} is used (default 256 MiB; below it, memory is small and faster). */
  readonly spillMinBytes?: number;
}

const SPILL_MIN_BYTES = 256 * 1024 * 1024;

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
    source = await openZip(bytes, name, options.limits, {
      inflate: options.inflate,
      onStoredData: options.onStoredData,
      resumePointsFor: options.resumePointsFor,
    });
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

/** The state of one verification, filled phase by phase. */
interface Run {
  readonly source: ArchiveSource;
  readonly options: EngineOptions;
  readonly limits: ReadLimits;
  readonly verifier: SignatureVerifier;
  readonly signal: AbortSignal | undefined;
  readonly findings: Finding[];
  readonly checks: CheckStatus[];
  /** Entries that will be read, by path. */
  readonly files: Map<string, RawEntry>;
  /** Entries present but refused before reading (unsupported, over the entry cap), with why and the finding that says so. */
  readonly refused: Map<string, { readonly reason: string; readonly finding: Finding }>;
  /** Size and hash of every entry read in full; null when it could not be read in full or was refused. */
  readonly actual: FileDigests;
  /** Ledger data to read (the segments' and checkpoints files' declared sizes), for progress. */
  bytesTotal: number;
  /** The segments' declared sizes: what decides a spill and a worker pool. */
  segmentBytes: number;
  bytesDone: number;
  receiptsDone: number;
  /** Checkpoint lines judged, and read in all, for progress. */
  checkpointsDone: number;
  checkpointsTotal: number;
  /** manifest.json as parsed, until it is checked (then null); undefined where none was read. */
  manifestValue: unknown;
  /** manifest.json was in the archive and its read failed part-way (its finding says where). */
  manifestReadFailed: boolean;
  /** The manifest as checked, its file list kept in columns; null until (or unless) it is. */
  manifestCheck: { readonly manifest: KeptManifest | null; readonly anchored: boolean } | null;
  keysValue: unknown;
  keys: KeySetResult | null;
  readonly bundles: ResolvedBundle[];
  readonly bundleSummaries: BundleSummary[];
  readonly bundlesByHash: Map<string, ResolvedBundle>;
  readonly controls: ControlCheck[];
  readonly ledgers: Map<string, LedgerMerger>;
  /** The host's spill store when this run is large enough to use it (EngineOptions.spill). */
  spill: SpillStore | undefined;
  /** Receipt ids on disk, settled before the ledgers end; null when they are kept in memory. */
  spilledIds: SpilledReceiptIds | null;
}

/** The first progress of every run: the archive's directory is being read, nothing is known yet. */
export const LISTING: Progress = Object.freeze({
  phase: 'listing',
  bytesDone: 0,
  bytesTotal: 0,
  receiptsDone: 0,
  checkpointsDone: 0,
  checkpointsTotal: 0,
});

/** Verifies an opened archive. Bad evidence gives findings; only misuse or cancellation throws. */
export async function verifyArchive(source: ArchiveSource, options: EngineOptions): Promise<VerifyReport> {
  options.onProgress?.(LISTING);
  let rawEntries: readonly RawEntry[];
  try {
    rawEntries = await source.entries();
  } catch (error) {
    return unreadableReport(source.name, (error as Error).message);
  }
  options.onEntries?.(rawEntries);
  const run: Run = {
    source,
    options,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    verifier: options.verifier ?? nobleStrictVerifier,
    signal: options.signal,
    findings: [],
    checks: [],
    files: new Map(),
    refused: new Map(),
    actual: new FileDigests(),
    bytesTotal: 0,
    segmentBytes: 0,
    bytesDone: 0,
    receiptsDone: 0,
    checkpointsDone: 0,
    checkpointsTotal: 0,
    manifestValue: undefined,
    manifestReadFailed: false,
    manifestCheck: null,
    keysValue: undefined,
    keys: null,
    bundles: [],
    bundleSummaries: [],
    bundlesByHash: new Map(),
    controls: [],
    ledgers: new Map(),
    spill: undefined,
    spilledIds: null,
  };
  admitEntries(run, rawEntries);
  if (options.spill && run.segmentBytes >= (options.spillMinBytes ?? SPILL_MIN_BYTES)) run.spill = options.spill;
  if (options.segmentRunner && options.warmSegmentRunner && poolWorthItsStart(run)) options.warmSegmentRunner();
  await readManifestAndKeys(run);
  await readBundles(run);
  await checkLedgers(run);
  await readRemainingEntries(run);
  compareWithManifest(run);
  return await summarize(run);
}

/**
 * Starting workers costs about a second; below this much ledger data one thread is faster.
 * One large file is worth a pool too: a runner that takes pieces splits it.
 */
function poolWorthItsStart(run: Run): boolean {
  const segments = [...run.files.keys()].some((path) => SEGMENT.test(path));
  return segments && run.segmentBytes >= (run.options.segmentRunnerMinBytes ?? 16 * 1024 * 1024);
}

/** Phase 1, entries: path safety, one copy of each name, what can be read, the entry cap. */
function admitEntries(run: Run, rawEntries: readonly RawEntry[]): void {
  const { files, refused, findings, limits } = run;
  const seen = new Set<string>();
  // manifest.json and keys.json are read whatever the cap: without them nothing else can be judged.
  const structural = (name: string) => name === MANIFEST_PATH || name === KEYS_PATH;
  let overCap = 0;
  const overCapNames: string[] = [];
  let admitted = 0;
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
    if (seen.has(entry.name)) {
      findings.push(
        finding(
          'ENTRY_UNSAFE_PATH',
          `Entry ${entry.name} appears more than once; only the first copy is read, so this copy was not checked.`,
          { path: entry.name },
        ),
      );
      continue;
    }
    seen.add(entry.name);
    if (entry.unsupported) {
      const reason = `it is ${entry.unsupported}`;
      const f = finding('ARCHIVE_UNREADABLE', `Entry ${entry.name} cannot be read: ${reason}.`, { path: entry.name });
      findings.push(f);
      refused.set(entry.name, { reason, finding: f });
      continue;
    }
    if (admitted >= limits.maxEntries && !structural(entry.name)) {
      overCap++;
      overCapNames.push(entry.name);
      continue;
    }
    if (!structural(entry.name)) admitted++;
    files.set(entry.name, entry);
  }
  if (overCap > 0) {
    const f = finding(
      'ENTRY_TOO_LARGE',
      `The archive has more than ${limits.maxEntries} entries (the limit); ${overCap} of them were not read.`,
      {},
      { limit: 'maxEntries', notRead: overCap },
    );
    findings.push(f);
    const reason = `the archive has more than ${limits.maxEntries} entries (the limit)`;
    for (const name of overCapNames) refused.set(name, { reason, finding: f });
  }
  for (const path of refused.keys()) run.actual.set(path, null);
  // One total for the whole run, known from the directory: the ledger data's declared sizes,
  // segments and checkpoints files (read first, for their seqs).
  for (const [path, entry] of files) {
    const size = entry.declaredSize ?? 0;
    if (SEGMENT.test(path)) run.segmentBytes += size;
    if (SEGMENT.test(path) || CHECKPOINTS.test(path)) run.bytesTotal += size;
  }
}

function progress(run: Run, phase: Progress['phase']): void {
  run.options.onProgress?.({
    phase,
    bytesDone: run.bytesDone,
    bytesTotal: run.bytesTotal,
    receiptsDone: run.receiptsDone,
    checkpointsDone: run.checkpointsDone,
    checkpointsTotal: run.checkpointsTotal,
  });
}

/**
 * An entry's chunks, hashed for the manifest (and kept for `onFile` where it asks). With
 * `transient` the caller is done with each chunk when it asks for the next: the reader may then
 * give views of memory it writes again (archive/zip.ts).
 */
function streamEntry(run: Run, path: string, transient = false): AsyncGenerator<Uint8Array> {
  run.actual.set(path, null);
  const onFile = run.options.onFile;
  const kind = onFile ? keptKind(path) : null;
  const kept: Uint8Array[] | null = kind ? [] : null;
  let keptBytes = 0;
  const chunks = run.source.read(run.files.get(path) as RawEntry, run.signal, transient ? { transient } : undefined);
  return hashingChunks(
    kept
      ? (async function* () {
          for await (const chunk of chunks) {
            if (keptBytes + chunk.length <= MAX_KEPT_FILE_BYTES) kept.push(copyOf(chunk));
            keptBytes += chunk.length;
            yield chunk;
          }
        })()
      : chunks,
    (file) => {
      run.actual.set(path, file);
      if (onFile && kind && kept)
        onFile({
          path,
          kind,
          size: file.bytes,
          sha256: file.sha256,
          bytes: keptBytes <= MAX_KEPT_FILE_BYTES ? concatBytes(kept) : null,
        });
    },
  );
}

/** Largest file handed whole to `onFile`; a larger one is reported with its size and hash only. */
export const MAX_KEPT_FILE_BYTES = 16 * 1024 * 1024;

function keptKind(path: string): KeptFile['kind'] | null {
  if (path === MANIFEST_PATH) return 'manifest';
  if (path === KEYS_PATH) return 'keys';
  if (POLICY.test(path)) return 'bundle';
  if (CHECKPOINTS.test(path)) return 'checkpoints';
  if (ATTACHMENT.test(path)) return 'attachment';
  return null;
}

/** Ledger data read between two progress reports while a checkpoints file is read. */
const PROGRESS_BYTES = 1 << 20;

/**
 * A checkpoints file's chunks, counted as ledger data read as they come (with a checkpoint for
 * every receipt, the file is a quarter of the ledger data, read before any segment); once it
 * ends, read or not, it counts as its declared size, as a segment file does.
 */
async function* countedAsRead(
  run: Run,
  chunks: AsyncIterable<Uint8Array>,
  declared: number,
): AsyncGenerator<Uint8Array> {
  const before = run.bytesDone;
  let counted = 0;
  let told = 0;
  try {
    for await (const chunk of chunks) {
      counted += chunk.length;
      run.bytesDone = before + counted;
      if (counted - told >= PROGRESS_BYTES) {
        told = counted;
        progress(run, 'checkpoints');
      }
      yield chunk;
    }
  } finally {
    run.bytesDone = before + Math.max(counted, declared);
  }
}

/** Runs `body` over an entry's stream; turns reader refusals into findings. Returns the finding if it failed. */
async function guarded(run: Run, path: string, body: () => Promise<void>): Promise<Finding | null> {
  try {
    await body();
    return null;
  } catch (error) {
    const f = run.signal?.aborted ? null : readerErrorFinding(path, error);
    if (!f) throw error;
    run.findings.push(f);
    return f;
  }
}

/**
 * Reads a whole JSON document and checks its stored form; undefined when unusable. With its
 * value comes what the read learnt of its text (`StoredForm`): a signature check then cuts the
 * signed bytes from the line instead of serializing the value again (a manifest of 100,000
 * files: 65 MB of strings made and let go on the engine's thread).
 */
async function readDocument(run: Run, path: string): Promise<StoredLine | undefined> {
  let document: StoredLine | undefined;
  await guarded(run, path, async () => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of streamEntry(run, path)) {
      size += chunk.length;
      if (size > MAX_DOCUMENT_BYTES)
        throw new LimitExceededError(
          'maxEntryBytes',
          size,
          `a JSON document may be at most ${MAX_DOCUMENT_BYTES} bytes`,
        );
      // Its own copy: a reader may hand each chunk in a buffer the next one overwrites.
      chunks.push(copyOf(chunk));
    }
    // A JSON document is one stored line without a newline (FORMAT.md §1).
    const stored = readStoredLine(path, { kind: 'line', line: 1, bytes: concatBytes(chunks) });
    pushAll(run.findings, stored.findings);
    if (stored.value !== undefined) document = stored;
  });
  return document;
}

/** Why `path` cannot be used though it is in the archive, or null when it can (or is absent). */
function whyNotRead(run: Run, path: string): string | null {
  const refused = run.refused.get(path);
  if (refused) return `${path} was not read: ${refused.reason}`;
  if (run.files.has(path) && run.actual.get(path) === null) return `${path} could not be read`;
  if (path === MANIFEST_PATH && run.manifestReadFailed) return `${path} could not be read`;
  return null;
}

/** Phase 2, manifest and keys: the keyring (anchored in the caller's roots) and the signed file list. */
async function readManifestAndKeys(run: Run): Promise<void> {
  progress(run, 'manifest');
  let manifestStored: StoredForm | undefined;
  if (run.files.has(MANIFEST_PATH)) {
    const document = await readDocument(run, MANIFEST_PATH);
    run.manifestValue = document?.value;
    manifestStored = document;
  } else if (!run.refused.has(MANIFEST_PATH)) {
    run.findings.push(
      finding('MANIFEST_MISSING', 'The archive has no manifest.json, so nothing proves which files it should hold.'),
    );
  }
  // The manifest does not list itself, so it is not among the files compared; a failed read
  // stays known for the manifest check's reason.
  run.manifestReadFailed = run.files.has(MANIFEST_PATH) && run.actual.get(MANIFEST_PATH) === null;
  run.actual.delete(MANIFEST_PATH);
  progress(run, 'keys');
  if (run.files.has(KEYS_PATH)) run.keysValue = (await readDocument(run, KEYS_PATH))?.value;
  else if (!run.refused.has(KEYS_PATH)) {
    run.findings.push(
      finding('FILE_MISSING', 'The archive has no keys.json, so no signature in it can be checked.', {
        path: KEYS_PATH,
      }),
    );
  }
  // Every answer kept until the build has read them (keys.json's signatures: the document itself is held as long).
  const keyVerifier = new RememberingVerifier(run.verifier, { maxEntries: Infinity });
  run.keys = await buildKeyringAhead(
    run.keysValue,
    run.options.trustedRoots,
    keyVerifier,
    run.options.aheadVerifier ?? run.options.bulkVerifier,
  );
  pushAll(run.findings, run.keys.findings);
  if (run.manifestValue !== undefined) {
    const check = checkManifest(run.manifestValue, run.keys.keyring, run.verifier, manifestStored);
    pushAll(run.findings, check.findings);
    const { manifest } = check;
    run.manifestCheck = {
      anchored: check.anchored,
      // The file list in columns, each path the entry's own string where it names one (100,000
      // files: some 5 MB of copies kept for the whole run otherwise).
      manifest: manifest && {
        archive_id: manifest.archive_id,
        organization: manifest.organization,
        created_at: manifest.created_at,
        period: manifest.period,
        producer: manifest.producer,
        files: new ListedFiles(manifest.files, (path) => run.files.get(path)?.name ?? path),
      },
    };
    // Checked: the parsed document is not read again (its checked copy is), and at 100,000 files
    // it is some megabytes of objects.
    run.manifestValue = null;
  }
}

/** Whether a file was read as the manifest lists it; null when it was (or there is no manifest to say). */
function notAsListed(run: Run, listed: ReadonlyMap<string, ListedFile> | null, path: string): string | null {
  if (!listed) return null;
  const file = listed.get(path);
  if (!file) return 'it is not listed in the manifest';
  const got = run.actual.get(path);
  if (!got || got.sha256 !== file.sha256 || got.bytes !== file.bytes)
    return 'its bytes are not those the manifest lists';
  return null;
}

/** Phase 3, bundles: signatures, Cedar parse (signed and listed text only), lineage; then the controls. */
async function readBundles(run: Run): Promise<void> {
  progress(run, 'policies');
  const keyring = (run.keys as KeySetResult).keyring;
  const notParsed: { path: string; why: string }[] = [];
  const manifest = run.manifestCheck?.manifest;
  // Only the bundles are looked up (not a map of every file: 100,000 of them, let go at once).
  let listed: Map<string, ListedFile> | null = null;
  if (manifest) {
    listed = new Map();
    for (const file of manifest.files.where((path) => POLICY.test(path))) listed.set(file.path, file);
  }
  for (const path of [...run.files.keys()].filter((p) => POLICY.test(p)).sort()) {
    const value = (await readDocument(run, path))?.value;
    if (value === undefined) continue;
    const checked = checkBundleFile(
      path,
      value,
      keyring,
      run.verifier,
      run.options.policyParser,
      notAsListed(run, listed, path),
    );
    pushAll(run.findings, checked.findings);
    if (checked.notParsed) notParsed.push({ path, why: checked.notParsed });
    if (!checked.bundle) continue;
    const b = checked.bundle;
    if (run.bundlesByHash.has(b.hash)) {
      run.findings.push(
        finding('POLICY_LINEAGE_BROKEN', `${path} holds the same bundle as ${run.bundlesByHash.get(b.hash)?.path}.`, {
          path,
        }),
      );
      continue;
    }
    run.bundles.push(b);
    run.bundlesByHash.set(b.hash, b);
    run.bundleSummaries.push({
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
  pushAll(run.findings, checkLineage(run.bundles));
  if (!run.options.policyParser) {
    run.checks.push({
      check: 'Policy text parses (Cedar)',
      status: 'not checked',
      reason: 'no Cedar engine was given to this run',
    });
  } else {
    run.checks.push({ check: 'Policy text parses (Cedar)', status: 'ran' });
    for (const { path, why } of notParsed) {
      run.checks.push({
        check: `Policy text parses (Cedar), and decisions under it are re-evaluated: ${path}`,
        status: 'not checked',
        reason: `${why}; its text is not given to Cedar`,
      });
    }
  }
  // Controls plug in here: they see every schema-valid receipt.
  const archiveContext = {
    bundlesByHash: run.bundlesByHash,
    keyring,
    verifier: run.verifier,
    bulkVerifier: run.options.bulkVerifier,
    ...(run.spill ? { spill: run.spill } : {}),
  };
  for (const factory of run.options.controls ?? []) run.controls.push(await factory(archiveContext));
}

/**
 * Phase 4, ledgers, one chain each, in name order: checkpoints first (they say which
 * receipt hashes to keep), then segments, checked by the runner (possibly in parallel) and
 * merged strictly in order; a refused segment is a span that could not be read.
 */
async function checkLedgers(run: Run): Promise<void> {
  const { files, findings, limits, signal, options, controls } = run;
  const keys = run.keys as KeySetResult;
  /** Each ledger's segments in name order, readable or refused. */
  const segmentsByLedger = new Map<string, string[]>();
  const ledgerNames = new Set<string>();
  for (const path of [...files.keys(), ...run.refused.keys()]) {
    const segment = SEGMENT.exec(path);
    const m = segment ?? CHECKPOINTS.exec(path);
    if (m) ledgerNames.add(m[1] as string);
    else if (path.startsWith('ledgers/') && files.has(path))
      findings.push(
        finding(
          'RECORD_MALFORMED',
          `${path} is not a ledger segment (ledgers/<ledger>/<six digits>.jsonl) or checkpoints file; it was not read as receipts.`,
          { path },
        ),
      );
    if (segment) {
      const list = segmentsByLedger.get(segment[1] as string);
      if (list) list.push(path);
      else segmentsByLedger.set(segment[1] as string, [path]);
    }
  }
  if (run.spill) run.spilledIds = new SpilledReceiptIds(run.spill);
  const receiptIds = run.spilledIds ?? new ReceiptIds();
  /**
   * Each ledger's readable segments, in name order, with the seqs of its checkpoints: the
   * tasks, made one at a time as they are run (`tasks()`), not an object each held for the run.
   */
  const planned: {
    readonly ledger: string;
    readonly checkpointRuns: SegmentTask['checkpointRuns'];
    readonly paths: readonly string[];
  }[] = [];
  const tasks = function* (): Generator<SegmentTask> {
    for (const { ledger, checkpointRuns, paths } of planned)
      for (const path of paths) yield { ledger, path, checkpointRuns };
  };
  /** Refused segments of each ledger still to be merged, in name order. */
  const refusedAhead = new Map<string, string[]>();
  const bulk = run.options.aheadVerifier ?? run.options.bulkVerifier;
  // With an asynchronous verifier, each checkpoints file is read now for its seqs alone (they
  // tell the segment checks which hashes to keep), and read again and judged in order while the
  // segments are checked, its signatures verified a batch at a time: a producer may write a
  // checkpoint for every receipt (checkpoint-judging.ts).
  /** Set once the last segment result is merged: checkpoints judged after it are their own phase. */
  let segmentsOver = false;
  const ahead = bulk
    ? new CheckpointJudging(
        bulk,
        {
          onChanged: (path, why) => {
            const f = finding('ARCHIVE_UNREADABLE', `${path} could not be verified: ${why}.`, { path });
            run.findings.push(f);
            return f;
          },
          onJudged: (lines) => {
            run.checkpointsDone += lines;
            progress(run, segmentsOver ? 'checkpoints' : 'ledgers');
          },
        },
        signal,
        options.pacingWindow ?? PACING_WINDOW,
      )
    : null;
  for (const name of [...ledgerNames].sort()) {
    const ledger = new LedgerMerger(name, keys.keyring, run.verifier, receiptIds, { keepValidCheckpoints: false });
    run.ledgers.set(name, ledger);
    /** Seqs of the lines read as this ledger's checkpoints, valid or not yet judged. */
    const named = new Set<number>();
    const checkpoints = checkpointsPath(name);
    let linesRead = 0;
    if (files.has(checkpoints)) {
      progress(run, 'checkpoints');
      const failed = await guarded(run, checkpoints, async () => {
        const lines = readLines(
          countedAsRead(run, streamEntry(run, checkpoints), files.get(checkpoints)?.declaredSize ?? 0),
          limits.maxLineBytes,
        );
        if (!ahead) {
          for await (const read of lines) {
            ledger.addCheckpointLine(read);
            linesRead++;
          }
          ledger.noMoreCheckpoints();
          return;
        }
        for await (const read of lines) {
          const seq = ledger.checkpointSeqOf(read);
          if (seq !== null) named.add(seq);
          linesRead++;
        }
      });
      run.checkpointsTotal += linesRead;
      // Judged as they were read, without an asynchronous verifier.
      if (!ahead) run.checkpointsDone += linesRead;
      if (failed) ledger.addFileFinding(failed);
      // Lines read before a reader failure count, as when each is judged as it comes.
      const entry = files.get(checkpoints) as RawEntry;
      ahead?.add({
        ledger,
        path: checkpoints,
        lines: linesRead,
        digest: failed ? null : (run.actual.get(checkpoints) ?? null),
        reread: (done) => readLines(hashingChunks(run.source.read(entry, signal), done), limits.maxLineBytes),
      });
    } else {
      const refused = run.refused.get(checkpoints);
      if (refused) ledger.checkpointsNotRead(refused.finding);
    }
    const checkpointRuns = toSeqRuns(ahead ? named : ledger.checkpointSeqs);
    const segments = (segmentsByLedger.get(name) ?? []).sort();
    refusedAhead.set(
      name,
      segments.filter((p) => run.refused.has(p)),
    );
    const readable = segments.filter((path) => files.has(path));
    planned.push({ ledger: name, checkpointRuns, paths: readable });
    ahead?.expectSegments(ledger, readable.length);
  }
  // Judged while the segments are checked; awaited before the ledgers are merged to their end.
  const judging = ahead?.judgeAll() ?? Promise.resolve();
  judging.catch(() => undefined); // a failure is thrown where it is awaited, below
  /** Merges a ledger's refused segments that come (by name) before `path`, or all of them. */
  const mergeRefused = (ledgerName: string, before?: string) => {
    const pending = refusedAhead.get(ledgerName) ?? [];
    const ledger = run.ledgers.get(ledgerName) as LedgerMerger;
    while (pending.length > 0 && (before === undefined || (pending[0] as string) < before)) {
      const path = pending.shift() as string;
      const refused = run.refused.get(path);
      if (refused) ledger.addFileFinding(refused.finding);
      ledger.markUnknownSpan();
    }
    ledger.tellControlsIfPartlyRead(controls);
  };
  let mergingLedger: string | null = null;
  // A control that cannot run split (neither stateless nor projected) keeps the run in this thread.
  const splittable = controls.every(
    (c) => c.parallel === 'stateless' || (c.parallel === 'projected' && c.project && c.visitProjection),
  );
  const worthAPool = planned.some((p) => p.paths.length > 0) && poolWorthItsStart(run);
  let localRunnerUsed: SegmentRunner | null = null;
  let poolProblem: string | null = null;
  let runner: SegmentRunner | null = null;
  if (options.segmentRunner && splittable && worthAPool) {
    try {
      runner = await options.segmentRunner({
        keys: run.keysValue,
        keyring: keys.data,
        trustedRoots: options.trustedRoots,
        bundles: run.bundles,
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
    run.source,
    files,
    {
      keyring: keys.keyring,
      verifier: run.verifier,
      bulkVerifier: options.bulkVerifier,
      bundlesByHash: run.bundlesByHash,
      controls,
      onRecord: options.onRecord,
    },
    limits.maxLineBytes,
    signal,
  );
  /**
   * Joins one result in order. `end` is set when the result ends a file: with the reader's
   * failure when the file could not be read to its end.
   */
  const mergeResult = (task: SegmentTask, result: SegmentResult, end: { failure: Finding | null } | null) => {
    // The task's path, not the copy a worker's message made: what the merge keeps names it (100,000 files: ~5 MB).
    if (result.path === task.path) (result as { path: string }).path = task.path;
    // A ledger's refused segments are merged before the next ledger's projections begin.
    if (mergingLedger !== null && mergingLedger !== task.ledger) mergeRefused(mergingLedger);
    mergingLedger = task.ledger;
    mergeRefused(task.ledger, task.path);
    const ledger = run.ledgers.get(task.ledger) as LedgerMerger;
    if (end?.failure) ledger.addFileFinding(end.failure);
    ledger.absorb(result, controls);
    if (end?.failure) ledger.markUnknownSpan();
    ledger.tellControlsIfPartlyRead(controls);
    run.receiptsDone += result.lines;
    if (end) ahead?.segmentFileMerged(ledger);
    else ahead?.merged();
    progress(run, 'ledgers');
  };
  progress(run, 'ledgers');
  try {
    if (runner.takesPieces) {
      // This thread reads each file once, in order, hashing it; workers check its pieces.
      const pieceBytes = Math.max(1, options.pieceBytes ?? PIECE_BYTES);
      const pieceTasks = async function* () {
        let first = true;
        for (const task of tasks()) {
          const ledger = run.ledgers.get(task.ledger) as LedgerMerger;
          // The declared size sizes the first buffer (a file smaller than a piece gets its own
          // size, not a whole piece's); a wrong declaration changes no piece.
          const declared = run.files.get(task.path)?.declaredSize;
          // The run's first file starts with small pieces (256 KiB, then twice each time):
          // its first answer, and progress, come soon after the workers are ready.
          for await (const read of splitIntoPieces(
            // Each chunk's bytes are copied into a piece before the next is asked for.
            streamEntry(run, task.path, true),
            pieceBytes,
            limits.maxLineBytes,
            declared,
            first ? Math.min(pieceBytes, options.firstPieceBytes ?? FIRST_PIECE_BYTES) : pieceBytes,
            options.pieceBuffers,
          )) {
            // Receipts' hashes for checkpoints not judged yet: not more than a window of them.
            if (ahead) await ahead.roomForSegments(ledger);
            yield { task: { ...task, piece: read.piece }, read };
          }
          first = false;
        }
      };
      type PieceItem = { task: SegmentTask; read: PieceRead };
      const mergePiece = ({ task, read }: PieceItem, result: SegmentResult) => {
        let end: { failure: Finding | null } | null = null;
        if (read.piece.last) {
          end = { failure: null };
          if ('failure' in read) {
            const f = readerErrorFinding(task.path, read.failure);
            if (!f) throw read.failure;
            end.failure = { ...f, ledger: task.ledger };
            result.findings.push(end.failure);
          }
        }
        if (!read.piece.last) result.continuedInFile = true;
        run.bytesDone += read.piece.span; // the bytes themselves went to a worker
        mergeResult(task, result, end);
      };
      const many = runner.runMany?.bind(runner);
      if (many) {
        // Whole small files go to a worker several at a time: one message each way for them all.
        const batchRunner = {
          concurrency: runner.concurrency,
          run: async (items: PieceItem[]) => {
            const results = await many(items.map((item) => item.task));
            if (results.length !== items.length)
              throw new Error(`the runner gave ${results.length} results for ${items.length} tasks`);
            return results;
          },
        };
        await runInOrder(batchSmallFiles(pieceTasks()), batchRunner, signal, (items, results) =>
          items.forEach((item, i) => mergePiece(item, results[i] as SegmentResult)),
        );
      } else {
        const pieceRunner = {
          concurrency: runner.concurrency,
          run: (item: PieceItem) => (runner as SegmentRunner).run(item.task),
        };
        await runInOrder(pieceTasks(), pieceRunner, signal, mergePiece);
      }
    } else {
      // A file at a time (this thread, or a runner that takes whole files such as the queue's
      // workers): the next waits while its ledger holds a window of hashes not asked for yet.
      const paced = async function* () {
        for (const task of tasks()) {
          await ahead?.roomForSegments(run.ledgers.get(task.ledger) as LedgerMerger);
          yield task;
        }
      };
      await runInOrder(ahead ? paced() : tasks(), runner, signal, (task, result) => {
        run.actual.set(task.path, result.file ?? null);
        const failure = result.file === null ? (result.findings.at(-1) ?? null) : null;
        run.bytesDone += files.get(task.path)?.declaredSize ?? 0;
        mergeResult(task, result, { failure });
      });
    }
  } catch (error) {
    ahead?.stop();
    throw error;
  } finally {
    ahead?.segmentsDone();
    await runner.close();
  }
  segmentsOver = true;
  if (run.checkpointsDone < run.checkpointsTotal) progress(run, 'checkpoints');
  await judging;
  for (const name of refusedAhead.keys()) mergeRefused(name);
  const partlyRead = [...run.ledgers.values()].filter((l) => l.partlyRead).map((l) => l.ledger);
  if (partlyRead.length > 0 && controls.some((c) => c.ledgerUnreadable)) {
    run.checks.push({
      check: `Transactions complete (TXN_STEP_GAP gaps, TXN_INCOMPLETE) in ${partlyRead.join(', ')}`,
      status: 'not checked',
      reason: 'part of the ledger could not be read, and the lines not read may hold the missing steps',
    });
  }
  run.checks.push({
    check: `Segments checked by ${runner.name}${poolProblem ? ` (the worker pool could not start: ${poolProblem})` : ''}`,
    status: 'ran',
  });
  if (runner === localRunnerUsed && options.bulkVerifier)
    run.checks.push({ check: `Receipt signatures verified with ${options.bulkVerifier.name}`, status: 'ran' });
}

/** Phase 5, remaining entries: attachments and anything else, hashed for the manifest; attachments also by name. */
async function readRemainingEntries(run: Run): Promise<void> {
  for (const path of run.files.keys()) {
    if (run.actual.has(path) || path === MANIFEST_PATH) continue;
    await guarded(run, path, async () => {
      for await (const _chunk of streamEntry(run, path, true)) {
        // hashing happens in streamEntry (and a kept file's chunks are copied there)
      }
    });
    const attachment = ATTACHMENT.exec(path);
    const got = run.actual.get(path);
    if (!attachment || !got) continue;
    const name = attachment[1] as string;
    if (!HEX64.test(name)) {
      run.findings.push(
        finding('ATTACHMENT_HASH_MISMATCH', `Attachment name ${name} is not a SHA-256 (64 lowercase hex digits).`, {
          path,
        }),
      );
    } else if (got.sha256 !== `sha256:${name}`) {
      run.findings.push(
        finding(
          'ATTACHMENT_HASH_MISMATCH',
          `Attachment content hashes to ${got.sha256}, not to its name: it was changed.`,
          { path },
        ),
      );
    }
  }
}

/** Phase 6, manifest comparison: every entry listed once with the size and hash read. */
function compareWithManifest(run: Run): void {
  const manifest = run.manifestCheck?.manifest;
  const check = 'Manifest lists every file with its hash';
  if (!manifest) {
    const reason =
      whyNotRead(run, MANIFEST_PATH) ??
      (run.manifestValue === undefined ? 'there is no readable manifest' : 'the manifest is malformed');
    run.checks.push({ check, status: 'not checked', reason });
    return;
  }
  const fileFindings = compareFiles(manifest, run.actual);
  pushAll(run.findings, fileFindings);
  for (const f of fileFindings) {
    const ledgerName = f.path ? (SEGMENT.exec(f.path) ?? CHECKPOINTS.exec(f.path))?.[1] : undefined;
    if (ledgerName) run.ledgers.get(ledgerName)?.addFileFinding(f);
  }
  const notRead = run.actual.notRead();
  run.checks.push(
    notRead === 0
      ? { check, status: 'ran' }
      : {
          check: `${check} (${notRead} entr${notRead === 1 ? 'y' : 'ies'} that could not be read: not compared)`,
          status: 'ran',
        },
  );
}

/** Phase 7, summary: ledger verdicts, the controls that need the whole archive, one order of findings. */
async function summarize(run: Run): Promise<VerifyReport> {
  const { findings, checks } = run;
  const ledgerSummaries: LedgerSummary[] = [];
  // Repeated ids count for their ledger's state, so they are known before the ledgers end.
  run.spilledIds?.settle((repeat) => run.ledgers.get(repeat.ledger)?.reportRepeat(repeat));
  for (const ledger of run.ledgers.values()) {
    const summary = ledger.finish();
    pushAll(findings, ledger.findings);
    ledgerSummaries.push(summary);
  }
  progress(run, 'controls');
  for (const control of run.controls) pushAll(findings, await control.finish());
  const keys = run.keys as KeySetResult;
  checks.push(
    keys.keyring && run.keysValue !== undefined
      ? { check: 'Signatures, keys and trust anchors', status: 'ran' }
      : {
          check: 'Signatures, keys and trust anchors',
          status: 'not checked',
          reason: whyNotRead(run, KEYS_PATH) ?? 'there is no readable keys.json, so no signature could be checked',
        },
    { check: 'Hash chains and checkpoints', status: 'ran' },
    run.controls.length > 0
      ? { check: 'Decision re-evaluation and control checks', status: 'ran' }
      : {
          check: 'Decision re-evaluation and control checks',
          status: 'not checked',
          reason: 'no control checks were given to this run',
        },
  );

  const sorted = sortFindings(findings);
  const integrity = sorted.filter((f) => categoryOf(f.code) === 'integrity').length;
  const manifest = run.manifestCheck?.manifest ?? null;
  const archive: ArchiveInfo | null = manifest
    ? {
        archive_id: manifest.archive_id,
        organization: manifest.organization,
        created_at: manifest.created_at,
        period: { from: manifest.period.from, to: manifest.period.to },
        producer: { name: manifest.producer.name, version: manifest.producer.version },
      }
    : null;
  progress(run, 'done');
  return {
    format: FORMAT_ID,
    source: run.source.name,
    archive,
    findings: sorted,
    ledgers: ledgerSummaries,
    bundles: run.bundleSummaries,
    checks,
    summary: {
      receipts: run.receiptsDone,
      ledgers: ledgerSummaries.length,
      bundles: run.bundleSummaries.length,
      integrity_findings: integrity,
      control_findings: sorted.length - integrity,
      trusted: keys.allRootsTrusted && (run.manifestCheck?.anchored ?? false),
    },
  };
}
