/**
 * The auditor's Ed25519 signing keys in the desktop app, kept by the main process.
 *
 * A key is made here (`generateKeyPairSync('ed25519')`); its private half, as PKCS#8 DER,
 * is encrypted with Electron's `safeStorage` (the operating system's keychain: Keychain on
 * macOS, DPAPI on Windows, libsecret or KWallet on Linux) and written, with the public half
 * and the auditor's name for it, to one JSON file in userData (mode 0600). The page never
 * receives a private key, encrypted or not: it asks for a signature over a message and
 * gets 64 bytes back. And only over one kind of message: the DSSE pre-authentication
 * encoding of an in-toto statement (a workpaper or its review), so the key cannot be made
 * to sign anything else through the bridge.
 *
 * Where `safeStorage` cannot encrypt (no keychain; on Linux, its `basic_text` fallback,
 * which is a fixed password in Chromium's source) no key is made: a key on disk that
 * anyone can decrypt would make a signature prove nothing.
 *
 * Everything here is plain functions of a file path and a `safeStorage`-like object, so it
 * is tested under Node (test/electron/signing-keys.test.ts); main.ts passes the real ones.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { HEX64, type SigningKeyInfo, type SigningKeyList } from '../ipc-contract.ts';

/** Name of the file inside userData. */
export const SIGNING_KEYS_FILE = 'signing-keys.json';

/** The part of Electron's `safeStorage` used here. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only in Electron: which secret store encrypts. */
  getSelectedStorageBackend?(): string;
}

export interface SigningKeyStoreOptions {
  readonly file: string;
  readonly safeStorage: SafeStorageLike;
  readonly platform: NodeJS.Platform;
  readonly now?: () => Date;
}

/** Why keys cannot be protected here, or null. */
export function protectionProblem(safe: SafeStorageLike, platform: NodeJS.Platform): string | null {
  if (!safe.isEncryptionAvailable())
    return 'This machine offers no keychain to encrypt a signing key with (Electron safeStorage is not available), so no key is made or used.';
  if (platform === 'linux') {
    const backend = safe.getSelectedStorageBackend?.() ?? 'unknown';
    if (backend === 'basic_text' || backend === 'unknown')
      return `No secret service (GNOME Keyring, KWallet) is running: Electron would encrypt the key with a fixed password (backend ${backend}), so no key is made or used. Start a keyring and restart Tickmark.`;
  }
  return null;
}

export function protectionSentence(safe: SafeStorageLike, platform: NodeJS.Platform): string {
  const store =
    platform === 'darwin'
      ? 'the macOS Keychain'
      : platform === 'win32'
        ? 'Windows DPAPI (your Windows account)'
        : `the desktop keyring (${safe.getSelectedStorageBackend?.() ?? 'unknown'})`;
  return `The private key stays in Tickmark's main process, encrypted on disk with ${store}; the window only ever receives signatures.`;
}

const StoredKeySchema = z.object({
  publicKey: z.string().regex(HEX64),
  label: z.string().min(1),
  createdAt: z.string().min(1),
  /** Base64 of `safeStorage.encryptString(base64 of the PKCS#8 DER)`. */
  sealed: z.string().min(1),
});
const StoredSchema = z.object({ version: z.literal(1), keys: z.array(StoredKeySchema) });
type StoredKey = z.infer<typeof StoredKeySchema>;

/** The keys file is there but cannot be read as one: it is never overwritten. */
export class SigningKeysFileError extends Error {
  override name = 'SigningKeysFileError';
}

async function readStored(file: string): Promise<StoredKey[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new SigningKeysFileError(`The signing keys file ${file} cannot be read: ${(error as Error).message}`);
  }
  try {
    return StoredSchema.parse(JSON.parse(text)).keys;
  } catch {
    // Keys may be in it: never replace it with a fresh file.
    throw new SigningKeysFileError(
      `The signing keys file ${file} is damaged (not the JSON Tickmark writes); it is left as it is. Move it away to make new keys.`,
    );
  }
}

async function writeStored(file: string, keys: readonly StoredKey[]): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify({ version: 1, keys }, null, 2)}\n`, { encoding: 'utf8', mode: 0o600 });
  await rename(temporary, file);
}

function rawPublicKey(key: KeyObject): string {
  const der = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return Buffer.from(der.subarray(der.length - 32)).toString('hex');
}

const DSSE_TYPE = 'application/vnd.in-toto+json';
const DSSE_PREFIX = `DSSEv1 ${DSSE_TYPE.length} ${DSSE_TYPE} `;

/**
 * Why the main process will not sign `message`, or null: it must be exactly
 * PAE("application/vnd.in-toto+json", body) = "DSSEv1 28 application/vnd.in-toto+json <len> <body>".
 */
export function signingMessageProblem(message: Uint8Array): string | null {
  const head = Buffer.from(message.subarray(0, DSSE_PREFIX.length + 24)).toString('latin1');
  if (!head.startsWith(DSSE_PREFIX))
    return 'only the DSSE pre-authentication encoding of an in-toto statement is signed';
  const match = /^(0|[1-9]\d{0,15}) /.exec(head.slice(DSSE_PREFIX.length));
  if (!match) return 'the DSSE encoding has no payload length';
  const body = message.length - DSSE_PREFIX.length - match[0].length;
  if (Number(match[1]) !== body) return `the DSSE encoding says ${match[1]} payload bytes, but ${body} follow`;
  return null;
}

/** The keys, their protection, and why none can be used (or null). A damaged file rejects. */
export async function listSigningKeys(options: SigningKeyStoreOptions): Promise<SigningKeyList> {
  const keys = await readStored(options.file);
  return {
    keys: keys.map(({ publicKey, label, createdAt }) => ({ publicKey, label, createdAt })),
    protection: protectionSentence(options.safeStorage, options.platform),
    unavailable: protectionProblem(options.safeStorage, options.platform),
  };
}

/** Makes a key and adds it to the file. Rejects, writing nothing, when the key cannot be protected. */
export async function createSigningKey(options: SigningKeyStoreOptions, label: string): Promise<SigningKeyInfo> {
  const problem = protectionProblem(options.safeStorage, options.platform);
  if (problem) throw new Error(problem);
  const existing = await readStored(options.file);
  const { privateKey } = generateKeyPairSync('ed25519');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  const sealed = options.safeStorage.encryptString(der.toString('base64')).toString('base64');
  const stored: StoredKey = {
    publicKey: rawPublicKey(privateKey),
    label: label.trim(),
    createdAt: (options.now?.() ?? new Date()).toISOString(),
    sealed,
  };
  await writeStored(options.file, [...existing, stored]);
  return { publicKey: stored.publicKey, label: stored.label, createdAt: stored.createdAt };
}

/**
 * Signs `message` (pure Ed25519, RFC 8032) with the kept key whose public half is `publicKey`.
 * Rejects for a message that is not a DSSE in-toto encoding, an unknown key, a key that
 * does not decrypt, or a file whose private key is not the one its public key names.
 */
export async function signWithKey(
  options: SigningKeyStoreOptions,
  publicKey: string,
  message: Uint8Array,
): Promise<Uint8Array> {
  const refused = signingMessageProblem(message);
  if (refused) throw new Error(`Not signed: ${refused}.`);
  const problem = protectionProblem(options.safeStorage, options.platform);
  if (problem) throw new Error(problem);
  const stored = (await readStored(options.file)).find((k) => k.publicKey === publicKey);
  if (!stored) throw new Error(`No signing key ${publicKey} is kept on this machine.`);
  let key: KeyObject;
  try {
    const der = Buffer.from(options.safeStorage.decryptString(Buffer.from(stored.sealed, 'base64')), 'base64');
    key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch (error) {
    throw new Error(`The signing key ${publicKey} cannot be decrypted on this machine: ${(error as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519' || rawPublicKey(key) !== publicKey)
    throw new Error(`The signing keys file pairs ${publicKey} with another private key: nothing was signed.`);
  return new Uint8Array(sign(null, message, key));
}
