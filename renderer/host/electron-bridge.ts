/**
 * The part of `window.tickmark` (electron/ipc-contract.ts, `TickmarkBridge`) the window
 * uses. The renderer may not import from electron/ (lint boundary), so the shape is
 * restated here; electron-bridge.contract.test.ts fails to compile if the two drift apart.
 */
export interface BridgeOpenedArchive {
  readonly token: string;
  readonly name: string;
  readonly size: number;
}

export interface BridgeRecentArchive {
  readonly id: string;
  readonly name: string;
  readonly path: string;
  readonly size: number;
  readonly lastOpenedAt: string;
}

export interface BridgeSigningKey {
  readonly publicKey: string;
  readonly label: string;
  readonly createdAt: string;
}

export interface BridgeSigningKeyList {
  readonly keys: readonly BridgeSigningKey[];
  readonly protection: string;
  readonly unavailable: string | null;
}

/** Commands the application menu sends (`MENU_COMMANDS` in electron/ipc-channels.ts). */
export type BridgeMenuCommand = 'open-archive';

export interface WindowBridge {
  openArchiveDialog(): Promise<BridgeOpenedArchive | null>;
  openEvidenceDialog(): Promise<readonly BridgeOpenedArchive[]>;
  registerDroppedFile(file: File): Promise<BridgeOpenedArchive>;
  readArchiveChunk(token: string, offset: number, length: number): Promise<Uint8Array>;
  closeArchive(token: string): Promise<void>;
  recentArchives(): Promise<readonly BridgeRecentArchive[]>;
  addRecent(token: string): Promise<readonly BridgeRecentArchive[]>;
  openRecent(id: string): Promise<BridgeOpenedArchive | null>;
  saveFile(suggestedName: string, bytes: Uint8Array): Promise<{ readonly path: string } | null>;
  /**
   * Calls `listener` for each application-menu command (File → Open Archive… sends
   * `'open-archive'`); returns a function that unsubscribes.
   */
  onMenuCommand(listener: (command: BridgeMenuCommand) => void): () => void;
  openFileDialog(kind: 'workpaper' | 'pdf'): Promise<BridgeOpenedArchive | null>;
  signingKeys(): Promise<BridgeSigningKeyList>;
  createSigningKey(label: string): Promise<BridgeSigningKey>;
  /** Signs in the main process; the private key never reaches the window. */
  signWithKey(publicKey: string, message: Uint8Array): Promise<Uint8Array>;
}

/** Largest single read the main process accepts (`MAX_CHUNK_BYTES` in the contract). */
export const BRIDGE_MAX_CHUNK_BYTES = 16 * 1024 * 1024;

declare global {
  interface Window {
    tickmark?: WindowBridge;
  }
}
