/**
 * The engine's public shape: what a caller passes to verification, what it gets back,
 * and where the decision and control checks plug in.
 */
import type { RawEntry, ReadLimits } from '../archive/source.ts';
import type { EngineResumePoints, NativeInflate, StoredData } from '../archive/zip.ts';
import type { SignatureVerifier } from '../format/ed25519.ts';
import type { AsyncSignatureVerifier } from '../format/webcrypto-ed25519.ts';
import type { BundleBody, Receipt, Role } from '../format/schema.ts';
import type { Instant } from '../format/time.ts';
import type { Finding } from './findings.ts';
import type { SpillStore } from './spill.ts';
import type { FORMAT_ID } from '../format/layout.ts';

export { FORMAT_ID } from '../format/layout.ts';

/** Per-ledger verdict (FORMAT.md §8). */
export type LedgerState = 'verified' | 'unsealed' | 'truncated' | 'tampered' | 'unverifiable';

export interface Period {
  readonly from: string;
  readonly to: string;
}

export interface LedgerSummary {
  readonly ledger: string;
  readonly receipts: number;
  readonly segments: readonly string[];
  readonly firstSeq: number | null;
  readonly lastSeq: number | null;
  /** Highest seq sealed by a valid, matching checkpoint; null when none. */
  readonly sealedSeq: number | null;
  readonly checkpoints: number;
  readonly state: LedgerState;
  /** One sentence on why the state is what it is. */
  readonly stateReason: string;
  /** First to last receipt time found in the ledger. */
  readonly claimed: Period | null;
  /**
   * The period the evidence proves continuous: from seq 1 to the last receipt that is
   * chained without a break, correctly signed by an anchored key, and sealed by a checkpoint.
   * Null when nothing is proven.
   */
  readonly proven: Period | null;
}

export interface BundleSummary {
  readonly path: string;
  readonly hash: string;
  readonly id: string;
  readonly version: number;
  readonly effectiveFrom: string;
  readonly effectiveUntil: string | null;
  /** At least one valid signature by an anchored `policy` key. */
  readonly signatureValid: boolean;
  readonly policyIds: readonly string[];
}

/** Whether a family of checks ran: a check that did not run is never shown as passed. */
export interface CheckStatus {
  readonly check: string;
  readonly status: 'ran' | 'not checked';
  readonly reason?: string;
}

export interface VerifySummary {
  readonly receipts: number;
  readonly ledgers: number;
  readonly bundles: number;
  readonly integrity_findings: number;
  readonly control_findings: number;
  /** Every root in the archive is pinned by the caller and the key set is sound. */
  readonly trusted: boolean;
  /** A sentence the summary must carry (ExecLayer logs: why HMAC is not independent evidence). */
  readonly note?: string;
}

export interface ArchiveInfo {
  readonly archive_id: string;
  readonly organization: string;
  readonly created_at: string;
  readonly period: Period;
  readonly producer: { readonly name: string; readonly version: string };
}

/** What was verified: a FORMAT.md archive, or an ExecLayer kernel's log (docs/FORMAT-EXECLAYER.md). */
export type ReportFormat = typeof FORMAT_ID | 'execlayer-py' | 'execlayer-v4';

export interface VerifyReport {
  readonly format: ReportFormat;
  readonly source: string;
  readonly archive: ArchiveInfo | null;
  readonly findings: readonly Finding[];
  readonly ledgers: readonly LedgerSummary[];
  readonly bundles: readonly BundleSummary[];
  readonly checks: readonly CheckStatus[];
  readonly summary: VerifySummary;
}

export interface Progress {
  readonly phase: 'listing' | 'manifest' | 'keys' | 'policies' | 'checkpoints' | 'ledgers' | 'controls' | 'done';
  /**
   * Bytes of ledger data read so far, and in all (from the container's declared sizes): the
   * checkpoints files (read first, phase `checkpoints`), then the segments (`ledgers`).
   * Phase `checkpoints` comes again after `ledgers` when checkpoints are still being verified
   * after the last receipt (an asynchronous verifier judges them while the segments are checked).
   */
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly receiptsDone: number;
  /**
   * Checkpoint lines judged so far, and in all (counted as the checkpoints files are first
   * read; 0 where the archive has none).
   */
  readonly checkpointsDone: number;
  readonly checkpointsTotal: number;
}

/** A receipt line as read, for callers that store or index receipts while verifying. */
export interface RecordRead {
  readonly ledger: string;
  readonly path: string;
  readonly line: number;
  /** The stored line, exactly (without its newline). */
  readonly text: string;
  /**
   * `text`'s UTF-8 bytes when the reader has them (the line's own bytes, where they are UTF-8):
   * a view that is only valid during the call. Absent: encode `text`.
   */
  readonly bytes?: Uint8Array;
  /** `H(line)`. */
  readonly hash: string;
  /** The parsed receipt when the line is schema-valid, otherwise null. */
  readonly receipt: Receipt | null;
}

/** A policy bundle as the engine resolved it. */
export interface ResolvedBundle {
  readonly path: string;
  readonly hash: string;
  readonly body: BundleBody;
  readonly signatureValid: boolean;
  /**
   * Its policy text may be given to Cedar: validly signed and, where there is a manifest,
   * listed with these bytes. Decisions are re-evaluated only under such bundles.
   */
  readonly policiesUsable: boolean;
  /** `effective_from` and `effective_until` as exactly comparable instants. */
  readonly effectiveFrom: Instant;
  readonly effectiveUntil: Instant | null;
}

/** Result of checking that key `kid` may sign as `role` at time `at`. */
export type KeyUse =
  | { readonly ok: true; readonly publicKey: Uint8Array; readonly anchored: boolean }
  | {
      readonly ok: false;
      readonly code: 'KEY_UNKNOWN' | 'KEY_CERT_INVALID' | 'KEY_ROLE_MISMATCH' | 'KEY_NOT_VALID_AT' | 'KEY_REVOKED';
      readonly message: string;
    };

export interface Keyring {
  /** @param at the signature's claimed time, an RFC 3339 UTC text (compared exactly) */
  check(kid: string, role: Role, at: string): KeyUse;
}

/** What a control check can see of the archive as a whole. */
export interface ArchiveContext {
  readonly bundlesByHash: ReadonlyMap<string, ResolvedBundle>;
  readonly keyring: Keyring;
  readonly verifier: SignatureVerifier;
  /**
   * The run's asynchronous verifier, when it has one (the app's WebCrypto): a check that
   * verifies a signature per receipt uses it instead of {@link verifier}, whose pure-JS
   * form costs milliseconds a signature there. Same answers (the same strict checks).
   */
  readonly bulkVerifier?: AsyncSignatureVerifier | undefined;
  /**
   * Where a check may keep per-receipt facts on disk instead of in memory (spill.ts): given
   * by the command line for large archives; undefined otherwise.
   */
  readonly spill?: SpillStore | undefined;
}

/** Where a receipt was found; handed to control checks with each receipt. */
export interface ReceiptContext {
  readonly path: string;
  readonly line: number;
  readonly ledger: string;
  readonly hash: string;
  /** The bundle the receipt names, when it is in the archive. */
  readonly bundle: ResolvedBundle | undefined;
  /**
   * The canonical texts of the receipt's `request` and `entities`, as stored, when its line is
   * its own canonical form: equal texts are equal values, so they key the decision memo
   * without serializing the request again.
   */
  readonly requestText?: string | undefined;
  readonly entitiesText?: string | undefined;
}

/**
 * The plug-in point for decision re-evaluation and control checks (FORMAT.md §7 control
 * codes). A check sees every schema-valid receipt of every ledger, in ledger order then
 * seq order, and reports its findings at the end.
 */
export interface ControlCheck {
  /**
   * Stable, kebab-case ('decision-mismatch'): how a pool worker rebuilds the run's controls
   * (RunnerSetup.controlIds). Never changes with the wording; `name` is for display.
   */
  readonly id: string;
  /** For people: may be reworded freely. */
  readonly name: string;
  visit(receipt: Receipt, context: ReceiptContext): void | Promise<void>;
  finish(): readonly Finding[] | Promise<readonly Finding[]>;
  /**
   * How the check runs when segments are verified in parallel (map, then merge):
   * - `stateless`: judges each receipt alone; a worker keeps one instance for all the
   *   segments it checks and takes the new findings after each segment, so `finish` of a
   *   stateless check returns every finding so far and may be called more than once.
   * - `projected`: a worker calls the pure {@link ControlCheck.project} for each receipt and
   *   ships the small projections; the main side folds them in ledger and seq order with
   *   {@link ControlCheck.visitProjection}, then calls `finish`.
   * A check with neither cannot run in parallel, and the engine runs it on one thread.
   */
  readonly parallel?: 'stateless' | 'projected';
  /** Pure and stateless; the result must survive structured clone. Null: nothing to fold. */
  project?(receipt: Receipt, context: ReceiptContext): unknown;
  /** `visit(r, c)` must equal `visitProjection(project(r, c))` for every receipt. */
  visitProjection?(projection: unknown): void;
  /**
   * Part of `ledger` could not be read (unreadable lines, a refused or failed segment):
   * called on the main side before the ledger's projections end, so a check that judges a
   * ledger as a whole (completeness of transactions) does not assert what it cannot see.
   */
  ledgerUnreadable?(ledger: string): void;
}

export type ControlCheckFactory = (archive: ArchiveContext) => ControlCheck | Promise<ControlCheck>;

export interface VerifyOptions {
  /** Root public keys the caller trusts, 64 hex digits each. */
  readonly trustedRoots: readonly string[];
  readonly limits?: Partial<ReadLimits>;
  /**
   * A runtime's own inflate for ZIP entries (the command line's zlib, the app's
   * DecompressionStream); zip.js's otherwise.
   */
  readonly inflate?: NativeInflate | undefined;
  /**
   * Told, for each ZIP entry read whole through `inflate` (its size and CRC-32 checked), where
   * its stored data lies in the file. An entry of at most 4 MiB is told before any of its lines
   * is given (it is held until checked). The app keeps a small segment file's stored bytes
   * instead of its lines (renderer/store/line-files.ts).
   */
  readonly onStoredData?: ((entryName: string, stored: StoredData) => void) | undefined;
  /**
   * Asked as each ZIP entry starts to inflate through `inflate` (one that tells resume points)
   * where its resume points go (shared/archive/resume-points.ts): the app keeps a large segment
   * file's stored bytes and these points instead of its lines.
   */
  readonly resumePointsFor?: EngineResumePoints | undefined;
  /**
   * The archive's entries as its directory lists them, once, before any is read (the app
   * decides from them how it keeps the small segment files: renderer/workers/kept-files.ts).
   */
  readonly onEntries?: ((entries: readonly RawEntry[]) => void) | undefined;
  /** Defaults to the strict `@noble/ed25519` reference verifier. */
  readonly verifier?: SignatureVerifier;
  /** Receipt signatures through an asynchronous native verifier (WebCrypto in workers). */
  readonly bulkVerifier?: AsyncSignatureVerifier;
  /**
   * The archive's own signatures verified ahead, many at once, through an asynchronous verifier:
   * keys.json's (before the keyring is built) and the checkpoints' (in batches, while the
   * segments are checked). The command line gives Node's WebCrypto, which verifies on libuv's
   * thread pool while this thread goes on; `bulkVerifier` by default.
   */
  readonly aheadVerifier?: AsyncSignatureVerifier;
  /** Decision and control checks to run (none by default). */
  readonly controls?: readonly ControlCheckFactory[];
  readonly onProgress?: (progress: Progress) => void;
  readonly onRecord?: (record: RecordRead) => void | Promise<void>;
  /**
   * Each archive file other than a ledger segment once it has been read in full (manifest,
   * keys, bundles, checkpoints, attachments), for hosts that keep them (the app's
   * reconstruction view). Not called for a file that could not be read to its end.
   */
  readonly onFile?: (file: KeptFile) => void;
  readonly signal?: AbortSignal;
}

/** A file as read by a verification, handed to `VerifyOptions.onFile`. */
export interface KeptFile {
  readonly path: string;
  readonly kind: 'manifest' | 'keys' | 'bundle' | 'checkpoints' | 'attachment';
  readonly size: number;
  /** `sha256:` + hex of every byte read. */
  readonly sha256: string;
  /** The content; null when it is larger than the verifier keeps (`MAX_KEPT_FILE_BYTES`). */
  readonly bytes: Uint8Array | null;
}
