/**
 * Signing keys in a plain browser: Ed25519 through WebCrypto, the private key generated
 * non-extractable (no script, ours included, can read it out: it can only be used to sign
 * in this origin) and kept in IndexedDB, whose structured clone stores a CryptoKey as it is.
 * The public key is exported raw: it is what a verifier names.
 */
import { toHex } from '../../shared/format/bytes.ts';
import type { EnvelopeSigner } from '../../shared/workpaper/dsse.ts';
import type { SigningKeyInfo, SigningKeyList, SigningKeys } from './host.ts';

/** The key store's part of Dexie's table that this module uses (the real one is `db.signingKeys`). */
export interface StoredKey {
  readonly publicKey: string;
  readonly label: string;
  readonly createdAt: string;
  readonly privateKey: CryptoKey;
}
export interface KeyStore {
  all(): Promise<readonly StoredKey[]>;
  get(publicKey: string): Promise<StoredKey | undefined>;
  add(key: StoredKey): Promise<void>;
}

export const BROWSER_KEY_PROTECTION =
  'Kept in this browser profile as a non-extractable WebCrypto key: it can sign here but cannot be copied out, and it is lost if the browser data is cleared. Anyone who can use this browser profile can sign with it.';

export const MAX_KEY_LABEL = 120;

/** Why `label` cannot name a key, or null. */
export function keyLabelProblem(label: string): string | null {
  const trimmed = label.trim();
  if (trimmed === '') return 'Give the key a name: whose key it is (for example, the auditor’s name).';
  if (trimmed.length > MAX_KEY_LABEL)
    return `A key’s name is at most ${MAX_KEY_LABEL} characters: this one has ${trimmed.length}.`;
  return null;
}

/** Whether this browser's WebCrypto makes Ed25519 keys (null), or why not. */
export async function ed25519Unavailable(subtle: SubtleCrypto | undefined): Promise<string | null> {
  if (!subtle)
    return 'This browser offers no WebCrypto here (the page is not a secure context), so no key can be made.';
  try {
    await subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
    return null;
  } catch (error) {
    return `This browser cannot make Ed25519 keys through WebCrypto (${(error as Error).message}); use the desktop app or a current browser.`;
  }
}

/** A new key pair: the private half non-extractable, the public half as raw hex. */
export async function makeEd25519Key(subtle: SubtleCrypto): Promise<{ publicKey: string; privateKey: CryptoKey }> {
  const pair = (await subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair;
  const raw = new Uint8Array(await subtle.exportKey('raw', pair.publicKey));
  return { publicKey: toHex(raw), privateKey: pair.privateKey };
}

export function browserSigningKeys(
  store: KeyStore,
  subtle: SubtleCrypto | undefined = globalThis.crypto?.subtle,
): SigningKeys {
  let unavailable: Promise<string | null> | null = null;
  const check = () => (unavailable ??= ed25519Unavailable(subtle));
  const info = (k: StoredKey): SigningKeyInfo => ({ publicKey: k.publicKey, label: k.label, createdAt: k.createdAt });
  return {
    async list(): Promise<SigningKeyList> {
      const keys = [...(await store.all())].sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1)).map(info);
      return { keys, protection: BROWSER_KEY_PROTECTION, unavailable: await check() };
    },
    async create(label) {
      const problem = keyLabelProblem(label) ?? (await check());
      if (problem) throw new Error(problem);
      const made = await makeEd25519Key(subtle as SubtleCrypto);
      const row: StoredKey = { ...made, label: label.trim(), createdAt: new Date().toISOString() };
      await store.add(row);
      return info(row);
    },
    signer(publicKey): EnvelopeSigner {
      return {
        publicKey,
        async sign(message) {
          const key = await store.get(publicKey);
          if (!key) throw new Error(`The signing key ${publicKey} is not kept in this browser.`);
          if (!subtle) throw new Error('This browser offers no WebCrypto here.');
          return new Uint8Array(
            await subtle.sign({ name: 'Ed25519' }, key.privateKey, message as Uint8Array<ArrayBuffer>),
          );
        },
      };
    },
  };
}
