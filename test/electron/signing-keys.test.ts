/**
 * The desktop app's signing keys (electron/main/signing-keys.ts) and their bridge calls:
 * keys made in the main process, the private half only ever on disk encrypted by
 * safeStorage (here a stand-in that really encrypts, AES-256-GCM under a key the "keychain"
 * holds), signatures only over DSSE in-toto encodings, and a workpaper signed through the
 * handlers that `tickmark workpaper verify`'s check accepts.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WebContents } from 'electron';
import { OpenedFiles } from '../../electron/main/archive-files.ts';
import { createIpcHandlers, openFileDialogOptions, type HandlerDependencies } from '../../electron/main/handlers.ts';
import { validateIpcCall } from '../../electron/main/ipc.ts';
import {
  createSigningKey,
  listSigningKeys,
  protectionProblem,
  signingMessageProblem,
  signWithKey,
  SigningKeysFileError,
  type SafeStorageLike,
  type SigningKeyStoreOptions,
} from '../../electron/main/signing-keys.ts';
import { IPC_CALLS, IPC_CHANNELS, type TickmarkBridge } from '../../electron/ipc-contract.ts';
import { createBridge, type BridgeIpc } from '../../electron/preload/bridge.ts';
import { nobleStrictVerifier } from '../../shared/format/ed25519.ts';
import { fromHex, utf8 } from '../../shared/format/bytes.ts';
import { pae } from '../../shared/workpaper/dsse.ts';
import {
  checkWorkpaper,
  PAYLOAD_TYPE,
  signReview,
  signWorkpaper,
  workpaperFile,
} from '../../shared/workpaper/workpaper.ts';

/** A keychain stand-in that really encrypts: AES-256-GCM under a key only it holds. */
function keychain(backend = 'gnome_libsecret'): SafeStorageLike & { readonly key: Buffer } {
  const key = randomBytes(32);
  return {
    key,
    isEncryptionAvailable: () => true,
    getSelectedStorageBackend: () => backend,
    encryptString(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    decryptString(sealed) {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
      decipher.setAuthTag(sealed.subarray(12, 28));
      return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}

let dir: string;
let options: SigningKeyStoreOptions;
const message = pae(PAYLOAD_TYPE, utf8('{"_type":"https://in-toto.io/Statement/v1"}'));

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tickmark-keys-'));
  options = { file: path.join(dir, 'userData', 'signing-keys.json'), safeStorage: keychain(), platform: 'linux' };
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('signing keys kept by the main process', () => {
  it('makes a key, lists its public half, and signs with it (the signature verifies)', async () => {
    expect((await listSigningKeys(options)).keys).toEqual([]);
    const made = await createSigningKey(options, '  A. Auditor ');
    expect(made.label).toBe('A. Auditor');
    expect(made.publicKey).toMatch(/^[0-9a-f]{64}$/);
    const list = await listSigningKeys(options);
    expect(list.keys).toEqual([made]);
    expect(list.unavailable).toBeNull();
    expect(list.protection).toContain('gnome_libsecret');
    const signature = await signWithKey(options, made.publicKey, message);
    expect(nobleStrictVerifier.verify(signature, message, fromHex(made.publicKey))).toBe(true);
  });

  it('writes the private key only encrypted, in a file only the user can read', async () => {
    const made = await createSigningKey(options, 'A. Auditor');
    const text = await readFile(options.file, 'utf8');
    const stored = JSON.parse(text) as { keys: { sealed: string }[] };
    const pkcs8 = Buffer.from(
      options.safeStorage.decryptString(Buffer.from(stored.keys[0]!.sealed, 'base64')),
      'base64',
    );
    // The decrypted blob is the PKCS#8 DER of an Ed25519 key (OID 1.3.101.112) whose seed never appears in the file.
    expect(pkcs8.subarray(0, 16).toString('hex')).toBe('302e020100300506032b657004220420');
    const seed = pkcs8.subarray(16);
    expect(text).not.toContain(seed.toString('hex'));
    expect(text).not.toContain(seed.toString('base64'));
    expect(text).not.toContain(pkcs8.toString('base64'));
    expect(text).toContain(made.publicKey);
    if (process.platform !== 'win32') expect((await stat(options.file)).mode & 0o777).toBe(0o600);
  });

  it('another keychain cannot use the file', async () => {
    const made = await createSigningKey(options, 'A. Auditor');
    const elsewhere = { ...options, safeStorage: keychain() };
    await expect(signWithKey(elsewhere, made.publicKey, message)).rejects.toThrow(
      `The signing key ${made.publicKey} cannot be decrypted on this machine`,
    );
  });

  it('keeps two keys apart (preparer and reviewer on one machine)', async () => {
    const a = await createSigningKey(options, 'Preparer');
    const b = await createSigningKey(options, 'Reviewer');
    expect(a.publicKey).not.toBe(b.publicKey);
    expect((await listSigningKeys(options)).keys.map((k) => k.label)).toEqual(['Preparer', 'Reviewer']);
    const sb = await signWithKey(options, b.publicKey, message);
    expect(nobleStrictVerifier.verify(sb, message, fromHex(b.publicKey))).toBe(true);
    expect(nobleStrictVerifier.verify(sb, message, fromHex(a.publicKey))).toBe(false);
  });

  it.each([
    ['no keychain at all', { ...keychain(), isEncryptionAvailable: (): boolean => false }, 'darwin', /no keychain/],
    ["Linux's basic_text fallback (a fixed password)", keychain('basic_text'), 'linux', /fixed password/],
    ['an unknown Linux backend', keychain('unknown'), 'linux', /fixed password/],
  ] as const)('makes no key where it cannot be protected: %s', async (_case, safe, platform, reason) => {
    const weak = { ...options, safeStorage: safe, platform };
    expect(protectionProblem(safe, platform)).toMatch(reason);
    await expect(createSigningKey(weak, 'A. Auditor')).rejects.toThrow(reason);
    await expect(readFile(options.file)).rejects.toThrow(/ENOENT/);
    expect((await listSigningKeys(weak)).unavailable).toMatch(reason);
  });

  it('protects keys with the OS store on macOS and Windows whatever the Linux backend says', () => {
    expect(protectionProblem(keychain('basic_text'), 'darwin')).toBeNull();
    expect(protectionProblem(keychain('basic_text'), 'win32')).toBeNull();
  });

  it('never overwrites a damaged keys file', async () => {
    await createSigningKey(options, 'A. Auditor');
    await writeFile(options.file, '{"version":1,"keys":[{"publicKey":"zz"');
    await expect(createSigningKey(options, 'B')).rejects.toBeInstanceOf(SigningKeysFileError);
    await expect(listSigningKeys(options)).rejects.toThrow(/is damaged .* left as it is/);
    expect(await readFile(options.file, 'utf8')).toBe('{"version":1,"keys":[{"publicKey":"zz"');
  });

  it('refuses a file that pairs a public key with another private key', async () => {
    const a = await createSigningKey(options, 'A');
    const b = await createSigningKey(options, 'B');
    const stored = JSON.parse(await readFile(options.file, 'utf8')) as { keys: { sealed: string }[] };
    [stored.keys[0]!.sealed, stored.keys[1]!.sealed] = [stored.keys[1]!.sealed, stored.keys[0]!.sealed];
    await writeFile(options.file, JSON.stringify(stored));
    await expect(signWithKey(options, a.publicKey, message)).rejects.toThrow(
      `pairs ${a.publicKey} with another private key`,
    );
    expect(b.publicKey).not.toBe(a.publicKey);
  });

  it('refuses an unknown key', async () => {
    await expect(signWithKey(options, 'ab'.repeat(32), message)).rejects.toThrow(
      `No signing key ${'ab'.repeat(32)} is kept on this machine.`,
    );
  });
});

describe('what the main process agrees to sign', () => {
  it.each([
    ['a DSSE in-toto encoding', message, null],
    ['an empty payload', pae(PAYLOAD_TYPE, new Uint8Array(0)), null],
    ['arbitrary bytes', utf8('transfer 1,000,000 to account 42'), /only the DSSE pre-authentication encoding/],
    ['another payload type', pae('application/json', utf8('{}')), /only the DSSE/],
    ['a payload longer than it says', utf8(`DSSEv1 28 ${PAYLOAD_TYPE} 2 {}}`), /says 2 payload bytes, but 3 follow/],
    ['a payload shorter than it says', utf8(`DSSEv1 28 ${PAYLOAD_TYPE} 9 {}`), /says 9 payload bytes, but 2 follow/],
    ['no length', utf8(`DSSEv1 28 ${PAYLOAD_TYPE} x{}`), /no payload length/],
    ['a length with a leading zero', utf8(`DSSEv1 28 ${PAYLOAD_TYPE} 02 {}`), /no payload length/],
  ])('%s', async (_case, bytes, problem) => {
    if (problem === null) expect(signingMessageProblem(bytes)).toBeNull();
    else {
      expect(signingMessageProblem(bytes)).toMatch(problem);
      const made = await createSigningKey(options, 'A');
      await expect(signWithKey(options, made.publicKey, bytes)).rejects.toThrow(/^Not signed: /);
    }
  });
});

describe('the bridge calls', () => {
  const caller = { ownerId: 3, sender: {} as WebContents };
  const APP = 'tickmark://app/index.html';
  function handlers(open?: { canceled: boolean; filePaths: string[] }) {
    const dialog = {
      showOpenDialog: vi.fn(async () => open ?? { canceled: true, filePaths: [] }),
      showSaveDialog: vi.fn(async () => ({ canceled: true, filePath: '' })),
    };
    const deps: HandlerDependencies = {
      dialog: dialog as unknown as HandlerDependencies['dialog'],
      files: new OpenedFiles(),
      recentFile: path.join(dir, 'userData', 'recent.json'),
      saveDirectory: dir,
      windowFor: () => null,
      signingKeys: options,
    };
    return { handlers: createIpcHandlers(deps), dialog };
  }

  it('prepare and review a workpaper with two keys through the handlers; the check accepts both', async () => {
    const { handlers: h } = handlers();
    const preparer = await h.createSigningKey(['Preparer'], caller);
    const reviewer = await h.createSigningKey(['Reviewer'], caller);
    expect((await h.signingKeys([], caller)).keys).toHaveLength(2);
    const signer = (publicKey: string) => ({
      publicKey,
      sign: (m: Uint8Array) => h.signWithKey([publicKey, m as Uint8Array<ArrayBuffer>], caller),
    });
    const envelope = await signWorkpaper(
      { format: 'tickmark.workpaper.v1', note: 'test' },
      [{ name: 'a.zip', sha256: 'ab'.repeat(32) }],
      signer(preparer.publicKey),
    );
    const review = await signReview(
      envelope,
      { reviewer: 'Reviewer', reviewedAt: '2026-01-01T00:00:00Z', decision: 'approved', note: '' },
      signer(reviewer.publicKey),
    );
    const check = checkWorkpaper(workpaperFile([envelope, review]), {
      signers: [preparer.publicKey, reviewer.publicKey],
      verifier: nobleStrictVerifier,
    });
    expect(check.problems).toEqual([]);
    expect(check.ok).toBe(true);
    expect(check.preparedBy).toEqual([preparer.publicKey]);
    expect(check.review?.signers).toEqual([reviewer.publicKey]);
  });

  it('opens a workpaper or a PDF the user picked, read by token like an archive', async () => {
    const file = path.join(dir, 'wp.jsonl');
    await writeFile(file, '{"payloadType":"x"}\n');
    const { handlers: h, dialog } = handlers({ canceled: false, filePaths: [file] });
    const opened = await h.openFileDialog(['workpaper'], caller);
    expect(opened).toMatchObject({ name: 'wp.jsonl', size: 20 });
    expect(dialog.showOpenDialog).toHaveBeenCalledWith(openFileDialogOptions('workpaper'));
    const bytes = await h.readArchiveChunk([opened!.token, 0, 20], caller);
    expect(Buffer.from(bytes).toString('utf8')).toBe('{"payloadType":"x"}\n');
    expect(openFileDialogOptions('pdf').filters?.[0]?.extensions).toEqual(['pdf']);
  });

  it('returns null when the user cancels the dialog', async () => {
    expect(await handlers().handlers.openFileDialog(['pdf'], caller)).toBeNull();
  });

  const call = (channel: string, args: unknown[]) => ({ channel, senderUrl: APP, isMainFrame: true, args });
  it.each([
    ['createSigningKey', ['A. Auditor']],
    ['signingKeys', []],
    ['signWithKey', ['ab'.repeat(32), new Uint8Array([1])]],
    ['openFileDialog', ['workpaper']],
    ['openFileDialog', ['pdf']],
  ] as const)('accepts a good %s call', (name, args) => {
    expect(validateIpcCall(call(IPC_CALLS[name].channel, [...args]))).toMatchObject({ ok: true, name });
  });

  it.each([
    ['empty key name', 'tickmark:create-signing-key', ['   '], /argument 1 must not be empty/],
    ['key name too long', 'tickmark:create-signing-key', ['x'.repeat(121)], /at most 120 characters/],
    ['control character in key name', 'tickmark:create-signing-key', ['A\nB'], /control characters/],
    [
      'public key not hex',
      'tickmark:sign-with-key',
      ['XY'.repeat(32), new Uint8Array(1)],
      /argument 1 must be an Ed25519/,
    ],
    ['message as array', 'tickmark:sign-with-key', ['ab'.repeat(32), [1, 2]], /argument 2 must be a Uint8Array/],
    ['unknown file kind', 'tickmark:open-file-dialog', ['archive'], /argument 1 must be one of workpaper, pdf/],
    ['a path for the dialog', 'tickmark:open-file-dialog', ['/etc/passwd'], /must be one of/],
  ])('refuses a wrong payload: %s', (_case, channel, args, reason) => {
    const verdict = validateIpcCall(call(channel, args));
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.reason).toMatch(reason);
  });
});

describe('the preload bridge', () => {
  it.each<[string, (b: TickmarkBridge) => Promise<unknown>, string, unknown[]]>([
    ['openFileDialog', (b) => b.openFileDialog('pdf'), IPC_CHANNELS.openFileDialog, ['pdf']],
    ['signingKeys', (b) => b.signingKeys(), IPC_CHANNELS.signingKeys, []],
    ['createSigningKey', (b) => b.createSigningKey('A'), IPC_CHANNELS.createSigningKey, ['A']],
    [
      'signWithKey',
      (b) => b.signWithKey('ab'.repeat(32), message),
      IPC_CHANNELS.signWithKey,
      ['ab'.repeat(32), message],
    ],
  ])('%s is one invoke on its channel', async (_name, run, channel, args) => {
    const invoke = vi.fn(async () => 'ok');
    const bridge = createBridge({ invoke, on: vi.fn(), removeListener: vi.fn() } as unknown as BridgeIpc, {
      getPathForFile: () => '',
    });
    expect(await run(bridge)).toBe('ok');
    expect(invoke).toHaveBeenCalledTimes(1);
    expect(invoke).toHaveBeenCalledWith(channel, ...args);
  });
});
