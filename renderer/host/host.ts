/**
 * What the window asks of whatever hosts it: pick an archive, read its bytes by random
 * access, save a file, list recent archives. Two implementations: the browser (File API,
 * Blob slicing, an anchor download) and Electron (the `window.tickmark` bridge).
 */
import type { RandomAccessBytes } from '../../shared/archive/source.ts';
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

export interface Host {
  readonly kind: 'browser' | 'electron';
  /** Asks the user for an archive; null when they cancel. */
  pickArchive(): Promise<PickedArchive | null>;
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
}
