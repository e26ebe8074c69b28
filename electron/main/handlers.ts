/**
 * What each bridge call does once electron/main/ipc.ts has validated it: native
 * dialogs, reads of opened files, the recent list, exports.
 *
 * Paths flow one way only. The page receives tokens and names; the one call that
 * carries a path into the main process is `registerDroppedFile`, and its path comes
 * from `webUtils.getPathForFile` in the preload, which only yields a path for a real
 * file the user dropped or chose in a file input (a `File` built by script has none).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BaseWindow, Dialog, OpenDialogOptions, SaveDialogOptions, WebContents } from 'electron';
import type { OpenedFiles } from './archive-files.ts';
import type { IpcHandlers } from './ipc.ts';
import { addRecentArchive, findRecentArchive, readRecentArchives, removeRecentArchive } from './recent-archives.ts';
import type { FileKind, OpenedArchive } from '../ipc-contract.ts';
import { createSigningKey, listSigningKeys, signWithKey, type SigningKeyStoreOptions } from './signing-keys.ts';

export interface HandlerDependencies {
  readonly dialog: Pick<Dialog, 'showOpenDialog' | 'showSaveDialog'>;
  readonly files: OpenedFiles;
  /** Absolute path of the recent-archives JSON file (in userData). */
  readonly recentFile: string;
  /** Folder the save dialog starts in (the user's Documents). */
  readonly saveDirectory: string;
  /** The window that hosts `sender`, to parent dialogs on it. */
  readonly windowFor: (sender: WebContents) => BaseWindow | null;
  /** Where the signing keys are kept and what encrypts them (signing-keys.ts). */
  readonly signingKeys: SigningKeyStoreOptions;
}

/** The open dialog: one file; Tickmark archives are ZIP files, "All files" for the odd extension. */
export function openArchiveDialogOptions(): OpenDialogOptions {
  return {
    title: 'Open archive',
    properties: ['openFile'],
    filters: [
      { name: 'Tickmark archive', extensions: ['zip'] },
      { name: 'All files', extensions: ['*'] },
    ],
  };
}

/** Most files the evidence dialog opens at once (an archive, a log, or a journal's two files; a few more to be told why). */
export const MAX_EVIDENCE_FILES = 8;

/**
 * The evidence dialog: several files at once, so a v4 ExecLayer journal's `ledger.jsonl` and
 * `dag_head.json` can be picked together; what they are is recognised by content in the
 * window (shared/execlayer/detect.ts), so "All files" is offered too.
 */
export function openEvidenceDialogOptions(): OpenDialogOptions {
  return {
    title: 'Open evidence',
    properties: ['openFile', 'multiSelections'],
    filters: [
      { name: 'Evidence (archive, ExecLayer log or journal)', extensions: ['zip', 'jsonl', 'json'] },
      { name: 'Tickmark archive', extensions: ['zip'] },
      { name: 'ExecLayer log or journal files', extensions: ['jsonl', 'json'] },
      { name: 'All files', extensions: ['*'] },
    ],
  };
}

/**
 * Opens every picked file for `ownerId`, all or none: past {@link MAX_EVIDENCE_FILES}, or when
 * one cannot be opened, the ones opened are closed again and the error names the file.
 */
export async function openPickedFiles(
  files: Pick<OpenedFiles, 'open' | 'close'>,
  ownerId: number,
  paths: readonly string[],
): Promise<OpenedArchive[]> {
  if (paths.length > MAX_EVIDENCE_FILES)
    throw new Error(
      `${paths.length} files were picked; Tickmark opens at most ${MAX_EVIDENCE_FILES} together (an archive, an ExecLayer log, or a v4 journal's ledger.jsonl and dag_head.json)`,
    );
  const opened: OpenedArchive[] = [];
  try {
    for (const picked of paths) {
      try {
        opened.push(await files.open(ownerId, picked));
      } catch (error) {
        throw new Error(`${path.basename(picked)} could not be opened: ${(error as Error).message}`);
      }
    }
  } catch (error) {
    await Promise.all(opened.map((o) => files.close(ownerId, o.token).catch(() => undefined)));
    throw error;
  }
  return opened;
}

/**
 * A safe default name for the save dialog: the last path segment only, without
 * control or reserved characters, at most 255 characters. The user still chooses
 * the folder and may change the name; this only keeps the suggestion harmless.
 */
export function safeFileName(suggested: string): string {
  const last = String(suggested).split(/[\\/]/).pop() ?? '';
  const cleaned = last.replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_').replace(/^[.\s]+|[.\s]+$/g, '');
  return cleaned === '' ? 'export' : cleaned.slice(0, 255);
}

/** The open dialog for a file that is not an archive: a workpaper (JSON Lines) or its PDF. */
export function openFileDialogOptions(kind: FileKind): OpenDialogOptions {
  const filter =
    kind === 'pdf'
      ? { name: 'PDF document', extensions: ['pdf'] }
      : { name: 'Workpaper (DSSE envelopes, JSON Lines)', extensions: ['jsonl', 'json'] };
  return {
    title: kind === 'pdf' ? 'Open the workpaper PDF' : 'Open a workpaper',
    properties: ['openFile'],
    filters: [filter, { name: 'All files', extensions: ['*'] }],
  };
}

async function showOpen(
  deps: HandlerDependencies,
  sender: WebContents,
  options: OpenDialogOptions = openArchiveDialogOptions(),
): Promise<string | null> {
  const parent = deps.windowFor(sender);
  const result = parent ? await deps.dialog.showOpenDialog(parent, options) : await deps.dialog.showOpenDialog(options);
  return result.canceled ? null : (result.filePaths[0] ?? null);
}

/** The paths the user picked in a dialog that takes several; empty when they cancelled. */
async function showOpenMany(deps: HandlerDependencies, sender: WebContents): Promise<string[]> {
  const parent = deps.windowFor(sender);
  const options = openEvidenceDialogOptions();
  const result = parent ? await deps.dialog.showOpenDialog(parent, options) : await deps.dialog.showOpenDialog(options);
  return result.canceled ? [] : result.filePaths;
}

async function showSave(deps: HandlerDependencies, sender: WebContents, suggestedName: string): Promise<string | null> {
  const parent = deps.windowFor(sender);
  const options: SaveDialogOptions = {
    title: 'Save export',
    defaultPath: path.join(deps.saveDirectory, safeFileName(suggestedName)),
    properties: ['createDirectory', 'showOverwriteConfirmation'],
  };
  const result = parent ? await deps.dialog.showSaveDialog(parent, options) : await deps.dialog.showSaveDialog(options);
  return result.canceled || !result.filePath ? null : result.filePath;
}

/** Builds the handler of every call of the contract. */
export function createIpcHandlers(deps: HandlerDependencies): IpcHandlers {
  return {
    async openArchiveDialog(_args, { ownerId, sender }) {
      const picked = await showOpen(deps, sender);
      return picked === null ? null : deps.files.open(ownerId, picked);
    },
    async openEvidenceDialog(_args, { ownerId, sender }) {
      return openPickedFiles(deps.files, ownerId, await showOpenMany(deps, sender));
    },
    async registerDroppedFile([droppedPath], { ownerId }) {
      return deps.files.open(ownerId, droppedPath);
    },
    async readArchiveChunk([token, offset, length], { ownerId }) {
      return deps.files.read(ownerId, token, offset, length);
    },
    async closeArchive([token], { ownerId }) {
      await deps.files.close(ownerId, token);
    },
    async recentArchives() {
      return readRecentArchives(deps.recentFile);
    },
    async addRecent([token], { ownerId }) {
      return addRecentArchive(deps.recentFile, deps.files.describe(ownerId, token));
    },
    async openRecent([id], { ownerId }) {
      // The path comes from our own store, written only from files the user opened.
      const entry = await findRecentArchive(deps.recentFile, id);
      if (entry === undefined) return null;
      try {
        return await deps.files.open(ownerId, entry.path);
      } catch {
        return null;
      }
    },
    async removeRecent([id]) {
      return removeRecentArchive(deps.recentFile, id);
    },
    async saveFile([suggestedName, bytes], { sender }) {
      const target = await showSave(deps, sender, suggestedName);
      if (target === null) return null;
      await writeFile(target, bytes);
      return { name: path.basename(target), path: target, size: bytes.byteLength };
    },
    async openFileDialog([kind], { ownerId, sender }) {
      const picked = await showOpen(deps, sender, openFileDialogOptions(kind));
      return picked === null ? null : deps.files.open(ownerId, picked);
    },
    async signingKeys() {
      return listSigningKeys(deps.signingKeys);
    },
    async createSigningKey([label]) {
      return createSigningKey(deps.signingKeys, label);
    },
    async signWithKey([publicKey, message]) {
      return signWithKey(deps.signingKeys, publicKey, message);
    },
  };
}
