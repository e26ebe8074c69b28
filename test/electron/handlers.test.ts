/**
 * What the bridge calls do (electron/main/handlers.ts), with a fake dialog module:
 * tokens only for files the user picked, dropped or opened before; exports written
 * only where the user chose.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WebContents } from 'electron';
import { OpenedFiles } from '../../electron/main/archive-files.ts';
import {
  createIpcHandlers,
  MAX_EVIDENCE_FILES,
  openArchiveDialogOptions,
  openEvidenceDialogOptions,
  safeFileName,
  type HandlerDependencies,
} from '../../electron/main/handlers.ts';
import type { IpcCaller } from '../../electron/main/ipc.ts';
import { RECENT_ARCHIVES_FILE } from '../../electron/main/recent-archives.ts';

let dir: string;
let archive: string;
const ARCHIVE_BYTES = 'PK\u0003\u0004 archive bytes';
const caller: IpcCaller = { ownerId: 3, sender: {} as WebContents };

function setup(
  dialogResults: {
    open?: { canceled: boolean; filePaths: string[] };
    save?: { canceled: boolean; filePath?: string };
  } = {},
) {
  const dialog = {
    showOpenDialog: vi.fn(async () => dialogResults.open ?? { canceled: true, filePaths: [] }),
    showSaveDialog: vi.fn(async () => dialogResults.save ?? { canceled: true, filePath: '' }),
  };
  const files = new OpenedFiles();
  const deps: HandlerDependencies = {
    dialog: dialog as unknown as HandlerDependencies['dialog'],
    files,
    recentFile: path.join(dir, 'userData', RECENT_ARCHIVES_FILE),
    saveDirectory: path.join(dir, 'Documents'),
    windowFor: () => null,
    // Signing keys have their own tests (signing-keys.test.ts, signing-bridge.test.ts).
    signingKeys: {
      file: path.join(dir, 'userData', 'signing-keys.json'),
      safeStorage: {
        isEncryptionAvailable: () => false,
        encryptString: () => Buffer.alloc(0),
        decryptString: () => '',
      },
      platform: 'darwin',
    },
  };
  return { handlers: createIpcHandlers(deps), dialog, files };
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tickmark-handlers-'));
  archive = path.join(dir, 'q3.zip');
  await writeFile(archive, ARCHIVE_BYTES);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('openArchiveDialog', () => {
  it('returns null when the user cancels', async () => {
    const { handlers, dialog } = setup();
    expect(await handlers.openArchiveDialog([], caller)).toBeNull();
    expect(dialog.showOpenDialog).toHaveBeenCalledWith(openArchiveDialogOptions());
  });

  it('opens the picked file and returns a token that reads it', async () => {
    const { handlers } = setup({ open: { canceled: false, filePaths: [archive] } });
    const opened = await handlers.openArchiveDialog([], caller);
    expect(opened).toMatchObject({ name: 'q3.zip', size: Buffer.byteLength(ARCHIVE_BYTES) });
    const bytes = await handlers.readArchiveChunk([opened!.token, 0, 4], caller);
    expect(Buffer.from(bytes).toString('latin1')).toBe('PK\u0003\u0004');
  });

  it('asks for one ZIP file', () => {
    const options = openArchiveDialogOptions();
    expect(options.properties).toEqual(['openFile']);
    expect(options.filters?.[0]?.extensions).toEqual(['zip']);
  });
});

describe('openEvidenceDialog (several files: a v4 journal is its ledger.jsonl and dag_head.json)', () => {
  it('asks for several files, offering archives, logs and all files', () => {
    const options = openEvidenceDialogOptions();
    expect(options.properties).toEqual(['openFile', 'multiSelections']);
    expect(options.filters?.[0]?.extensions).toEqual(['zip', 'jsonl', 'json']);
    expect(options.filters?.at(-1)?.extensions).toEqual(['*']);
  });

  it('returns nothing when the user cancels', async () => {
    const { handlers, dialog } = setup();
    expect(await handlers.openEvidenceDialog([], caller)).toEqual([]);
    expect(dialog.showOpenDialog).toHaveBeenCalledWith(openEvidenceDialogOptions());
  });

  it('opens every picked file, each with a token that reads it', async () => {
    const ledger = path.join(dir, 'ledger.jsonl');
    const head = path.join(dir, 'dag_head.json');
    await writeFile(ledger, '{"receipt_hash":"a"}\n');
    await writeFile(head, '{"head_hash":"a"}');
    const { handlers } = setup({ open: { canceled: false, filePaths: [ledger, head] } });
    const opened = await handlers.openEvidenceDialog([], caller);
    expect(opened.map((o) => o.name)).toEqual(['ledger.jsonl', 'dag_head.json']);
    const bytes = await handlers.readArchiveChunk([opened[1]!.token, 0, 13], caller);
    expect(Buffer.from(bytes).toString('utf8')).toBe('{"head_hash":');
  });

  it('all or none: a file that cannot be opened is named, and those opened before it are closed', async () => {
    const missing = path.join(dir, 'dag_head.json');
    const { handlers, files } = setup({ open: { canceled: false, filePaths: [archive, missing] } });
    const close = vi.spyOn(files, 'close');
    await expect(handlers.openEvidenceDialog([], caller)).rejects.toThrow(/^dag_head\.json could not be opened: /);
    expect(close).toHaveBeenCalledOnce();
    const token = close.mock.calls[0]![1];
    await expect(handlers.readArchiveChunk([token, 0, 4], caller)).rejects.toThrow(/unknown archive token/);
  });

  it(`refuses more than ${MAX_EVIDENCE_FILES} files at once, saying what it opens`, async () => {
    const many = Array.from({ length: MAX_EVIDENCE_FILES + 1 }, () => archive);
    const { handlers, files } = setup({ open: { canceled: false, filePaths: many } });
    const open = vi.spyOn(files, 'open');
    await expect(handlers.openEvidenceDialog([], caller)).rejects.toThrow(
      `${MAX_EVIDENCE_FILES + 1} files were picked; Tickmark opens at most ${MAX_EVIDENCE_FILES} together`,
    );
    expect(open).not.toHaveBeenCalled();
  });
});

describe('recent archives through the handlers', () => {
  it('adds an opened archive by token, reopens it by id, removes it', async () => {
    const { handlers } = setup();
    const dropped = await handlers.registerDroppedFile([archive], caller);
    const [entry] = await handlers.addRecent([dropped.token], caller);
    expect(entry).toMatchObject({ name: 'q3.zip', path: archive });
    expect(await handlers.recentArchives([], caller)).toHaveLength(1);
    const reopened = await handlers.openRecent([entry!.id], caller);
    expect(reopened).toMatchObject({ name: 'q3.zip' });
    expect(reopened?.token).not.toBe(dropped.token);
    expect(await handlers.removeRecent([entry!.id], caller)).toEqual([]);
  });

  it('returns null for a recent archive that is gone, or an unknown id', async () => {
    const { handlers } = setup();
    const dropped = await handlers.registerDroppedFile([archive], caller);
    const [entry] = await handlers.addRecent([dropped.token], caller);
    await handlers.closeArchive([dropped.token], caller);
    await rm(archive);
    expect(await handlers.openRecent([entry!.id], caller)).toBeNull();
    expect(await handlers.openRecent(['0'.repeat(32)], caller)).toBeNull();
  });

  it('cannot add a token the window does not hold', async () => {
    const { handlers } = setup();
    await expect(handlers.addRecent(['0'.repeat(32)], caller)).rejects.toThrow(/unknown archive token/);
  });
});

describe('saveFile', () => {
  it('writes the bytes where the user chose', async () => {
    const target = path.join(dir, 'findings.csv');
    const { handlers, dialog } = setup({ save: { canceled: false, filePath: target } });
    const saved = await handlers.saveFile(['findings.csv', new TextEncoder().encode('seq,finding\n')], caller);
    expect(saved).toEqual({ name: 'findings.csv', path: target, size: 12 });
    expect(await readFile(target, 'utf8')).toBe('seq,finding\n');
    expect(dialog.showSaveDialog).toHaveBeenCalledWith(
      expect.objectContaining({ defaultPath: path.join(dir, 'Documents', 'findings.csv') }),
    );
  });

  it('writes nothing when the user cancels', async () => {
    const { handlers } = setup();
    expect(await handlers.saveFile(['x.csv', new Uint8Array(1)], caller)).toBeNull();
  });

  it('suggests only a bare, harmless file name', async () => {
    const { handlers, dialog } = setup();
    await handlers.saveFile(['../../.ssh/authorized_keys', new Uint8Array(1)], caller);
    expect(dialog.showSaveDialog).toHaveBeenCalledWith(
      expect.objectContaining({ defaultPath: path.join(dir, 'Documents', 'authorized_keys') }),
    );
  });
});

describe('safeFileName', () => {
  it.each([
    ['report.html', 'report.html'],
    ['../../etc/passwd', 'passwd'],
    ['C:\\Windows\\win.ini', 'win.ini'],
    ['a<b>c:d"e|f?g*h.txt', 'a_b_c_d_e_f_g_h.txt'],
    ['tab\there.csv', 'tab_here.csv'],
    ['..', 'export'],
    ['', 'export'],
    ['  .hidden.  ', 'hidden'],
  ])('%j → %j', (input, expected) => {
    expect(safeFileName(input)).toBe(expected);
  });

  it('caps the length at 255', () => {
    expect(safeFileName('x'.repeat(300))).toHaveLength(255);
  });
});
