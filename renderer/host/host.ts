/**
 * What the window asks of whatever hosts it: pick an archive, read its bytes by random
 * access, save a file, list recent archives. Two implementations: the browser (File API,
 * Blob slicing, an anchor download) and Electron (the `window.tickmark` bridge).
 */
import type { RandomAccessBytes } from '../../shared/archive/source.ts';
import type { EnvelopeSigner } from '../../shared/workpaper/dsse.ts';
import type { ArchiveBytesSource } from '../workers/verify-protocol.ts';

/** An archive the user chose, ready to verify. */
export interface PickedArchive {
  readonly name: string;
  readonly size: number;
  /** Random access to its bytes in the window. */
  readonly bytes: RandomAccessBytes;
  /** How the verify worker reaches the bytes (a Blob directly, or relayed through the window). */
  readonly workerSource: ArchiveBytesSource;
  /** Releases host resources (an Electron file token). */
  close(): Promise<void>;
}

export interface RecentArchiveEntry {
  readonly id: string;
  readonly name: string;
  /** Where it is, as the host can tell (a path under Electron). */
  readonly location: string;
  readonly size: number;
  readonly lastOpenedAt: string;
}

/** A file the user chose that is not an archive to import (a workpaper, a PDF). */
export interface PickedFile {
  readonly name: string;
  readonly size: number;
  readonly bytes: RandomAccessBytes;
  /** Releases host resources (an Electron file token). */
  close(): Promise<void>;
}

/** What a file picker is asked for: it filters by the usual extension, with "All files" as well. */
export type PickedFileKind = 'workpaper' | 'pdf';

/** An auditor's Ed25519 signing key made on this machine (the private key never leaves its keeper). */
export interface SigningKeyInfo {
  /** Hex of the raw 32-byte public key: what a verifier names with `--signer`. */
  readonly publicKey: string;
  /** Whose key it is, as the auditor named it. */
  readonly label: string;
  readonly createdAt: string;
}

export interface SigningKeyList {
  readonly keys: readonly SigningKeyInfo[];
  /** How private keys are protected on this host, one sentence. */
  readonly protection: string;
  /** Why no key can be made or used here, or null. */
  readonly unavailable: string | null;
}

/**
 * The auditor's signing keys. Signing is asynchronous and happens where the key is kept
 * (a non-extractable WebCrypto key in a browser, Electron's main process in the desktop
 * app): the window only ever holds public keys.
 */
export interface SigningKeys {
  list(): Promise<SigningKeyList>;
  /** Makes a key; rejects with a sentence saying why when it cannot. */
  create(label: string): Promise<SigningKeyInfo>;
  /** A signer for one key of {@link list}; `sign` rejects when the key is not kept here. */
  signer(publicKey: string): EnvelopeSigner;
}

export interface Host {
  readonly kind: 'browser' | 'electron';
  /** Asks the user for an archive; null when they cancel. */
  pickArchive(): Promise<PickedArchive | null>;
  /**
   * Asks the user for evidence to import: an archive, an ExecLayer log, or a v4 journal's
   * `ledger.jsonl` and `dag_head.json` together (both hosts' choosers take several files).
   * Empty when they cancel.
   */
  pickEvidence(): Promise<readonly PickedArchive[]>;
  /** An archive from a file dropped on the window. */
  droppedArchive(file: File): Promise<PickedArchive>;
  /** Saves bytes under a suggested name; false when the user cancelled. */
  saveFile(name: string, bytes: Uint8Array): Promise<boolean>;
  /** Archives this host remembers opening (empty where the host cannot reopen files). */
  recentArchives(): Promise<readonly RecentArchiveEntry[]>;
  /** Reopens a recent archive; null when it is gone. */
  openRecent(id: string): Promise<PickedArchive | null>;
  /** Remembers an archive the user opened (no-op where the host cannot). */
  rememberArchive(archive: PickedArchive): Promise<void>;
  /**
   * Calls `listener` each time the user asks the host itself to open an archive:
   * File → Open Archive… (Ctrl/Cmd+O) in the desktop app's menu, Ctrl/Cmd+O in a
   * browser. The window answers with the same action as its "Open evidence archive…"
   * button. Returns a function that unsubscribes.
   */
  onOpenArchiveRequest(listener: () => void): () => void;
  /** Asks the user for a file of `kind`; null when they cancel. */
  pickFile(kind: PickedFileKind): Promise<PickedFile | null>;
  readonly signingKeys: SigningKeys;
}
