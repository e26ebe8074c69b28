/** The Host in a plain browser: File API for picking and dropping, anchor downloads. */
import { blobBytes } from '../../shared/archive/blob.ts';
import type { Host, PickedArchive, PickedFileKind, SigningKeys } from './host.ts';

/** An archive backed by a Blob or File (also used for the built-in demo). */
export function blobArchive(blob: Blob, name: string): PickedArchive {
  return {
    name,
    size: blob.size,
    bytes: blobBytes(blob),
    workerSource: { kind: 'blob', blob, name },
    close: async () => {},
  };
}

function chooseFile(accept: string): Promise<File | null> {
  return chooseFiles(accept, false).then((files) => files[0] ?? null);
}

function chooseFiles(accept: string, multiple: boolean): Promise<File[]> {
  return new Promise((resolve) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = accept;
    input.multiple = multiple;
    input.addEventListener('change', () => resolve([...(input.files ?? [])]), { once: true });
    input.addEventListener('cancel', () => resolve([]), { once: true });
    input.click();
  });
}

/**
 * What the evidence chooser offers: archives, and ExecLayer logs (JSON Lines, the v4 head's
 * JSON). Only a suggestion: any file can be chosen, and files are recognised by content.
 */
export const EVIDENCE_ACCEPT = '.zip,application/zip,.jsonl,.json,.log,application/json,application/jsonl';

/** The keys of a keyboard event that decide whether it is the open shortcut. */
export type ShortcutKeys = Pick<
  KeyboardEvent,
  'key' | 'code' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey' | 'repeat'
>;

/**
 * Ctrl+O (Cmd+O on macOS), the desktop menu's `CmdOrCtrl+O`: the same shortcut opens an
 * archive in a browser. `code` covers keyboard layouts whose O key types another letter.
 */
export function isOpenArchiveShortcut(event: ShortcutKeys, mac: boolean): boolean {
  if (event.altKey || event.shiftKey || event.repeat) return false;
  const modifier = mac ? event.metaKey && !event.ctrlKey : event.ctrlKey && !event.metaKey;
  return modifier && (event.key.toLowerCase() === 'o' || event.code === 'KeyO');
}

function isMac(): boolean {
  return /Mac|iPhone|iPad/.test(navigator.platform);
}

/** What the file chooser offers for each kind of file (the user can still pick any file). */
export const FILE_ACCEPT: Readonly<Record<PickedFileKind, string>> = {
  workpaper: '.jsonl,.json,application/jsonl,application/json',
  pdf: '.pdf,application/pdf',
};

/** @param signingKeys the auditor's keys (a non-extractable WebCrypto key store: browser-signing.ts). */
export function browserHost(signingKeys: SigningKeys): Host {
  return {
    kind: 'browser',
    signingKeys,
    async pickFile(kind) {
      const file = await chooseFile(FILE_ACCEPT[kind]);
      return file ? { name: file.name, size: file.size, bytes: blobBytes(file), close: async () => {} } : null;
    },
    async pickArchive() {
      const file = await chooseFile('.zip,application/zip');
      return file ? blobArchive(file, file.name) : null;
    },
    async pickEvidence() {
      return (await chooseFiles(EVIDENCE_ACCEPT, true)).map((file) => blobArchive(file, file.name));
    },
    async droppedArchive(file) {
      return blobArchive(file, file.name);
    },
    async saveFile(name, bytes) {
      const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>]));
      try {
        const anchor = document.createElement('a');
        anchor.href = url;
        anchor.download = name;
        anchor.rel = 'noopener';
        document.body.append(anchor);
        anchor.click();
        anchor.remove();
      } finally {
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
      }
      return true;
    },
    // A browser cannot reopen a file by path: the workbench lists what it imported instead.
    recentArchives: async () => [],
    openRecent: async () => null,
    rememberArchive: async () => {},
    onOpenArchiveRequest(listener) {
      const mac = isMac();
      const onKeyDown = (event: KeyboardEvent) => {
        if (!isOpenArchiveShortcut(event, mac)) return;
        // The browser's own Ctrl+O would open the file as a page.
        event.preventDefault();
        listener();
      };
      window.addEventListener('keydown', onKeyDown);
      return () => window.removeEventListener('keydown', onKeyDown);
    },
  };
}
