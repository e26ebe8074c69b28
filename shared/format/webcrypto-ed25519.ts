/**
 * Ed25519 through WebCrypto (Chromium's and Electron's BoringSSL, Node's OpenSSL), about
 * fifteen times faster than JavaScript in a worker, behind the strict RFC 8032 encoding
 * checks. WebCrypto answers asynchronously, so this verifier is for bulk receipt
 * signatures, which the engine checks many at a time; the few other signatures of an
 * archive keep the synchronous reference.
 */
import { passesStrictEncodingChecks } from './ed25519-strict.ts';
import { fromHex, toHex } from './bytes.ts';

export interface AsyncSignatureVerifier {
  readonly name: string;
  /** Resolves false for a bad signature or key; never rejects for bad data. */
  verifyAsync(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): Promise<boolean>;
}

const ALGORITHM = { name: 'Ed25519' } as const;

/**
 * The part of WebCrypto's SubtleCrypto used here, typed structurally so that this module
 * compiles under every runtime's type library (Node's types do not name SubtleCrypto).
 */
export interface Ed25519Subtle {
  importKey(
    format: 'raw',
    keyData: Uint8Array<ArrayBuffer>,
    algorithm: { name: string },
    extractable: boolean,
    usages: ['verify'],
  ): Promise<unknown>;
  verify(
    algorithm: { name: string },
    key: unknown,
    signature: Uint8Array<ArrayBuffer>,
    data: Uint8Array<ArrayBuffer>,
  ): Promise<boolean>;
}

function runtimeSubtle(): Ed25519Subtle | null {
  return ((globalThis as { crypto?: { subtle?: unknown } }).crypto?.subtle as Ed25519Subtle | undefined) ?? null;
}

/**
 * A strict verifier on `subtle`, or null when that WebCrypto has no Ed25519 (then use the
 * reference). Checked on RFC 8032 TEST 1 before it is trusted with anything.
 */
export async function webCryptoVerifier(
  subtle: Ed25519Subtle | null = runtimeSubtle(),
): Promise<AsyncSignatureVerifier | null> {
  if (!subtle) return null;
  const keys = new Map<string, Promise<unknown>>();
  const keyOf = (publicKey: Uint8Array): Promise<unknown> => {
    const id = toHex(publicKey);
    let key = keys.get(id);
    if (key === undefined) {
      key = subtle
        .importKey('raw', publicKey as Uint8Array<ArrayBuffer>, ALGORITHM, false, ['verify'])
        .catch(() => null);
      if (keys.size > 10_000) keys.clear();
      keys.set(id, key);
    }
    return key;
  };
  const verifier: AsyncSignatureVerifier = {
    name: 'WebCrypto Ed25519 + strict RFC 8032 encoding checks',
    async verifyAsync(signature, message, publicKey) {
      if (!passesStrictEncodingChecks(signature, publicKey)) return false;
      const key = await keyOf(publicKey);
      if (!key) return false;
      try {
        return await subtle.verify(
          ALGORITHM,
          key,
          signature as Uint8Array<ArrayBuffer>,
          message as Uint8Array<ArrayBuffer>,
        );
      } catch {
        return false;
      }
    },
  };
  try {
    // RFC 8032 §7.1 TEST 1 (empty message): must verify, and must not once a bit flips.
    const pk = fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    const sig = fromHex(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
    const good = await verifier.verifyAsync(sig, new Uint8Array(0), pk);
    sig[0] = (sig[0] as number) ^ 1;
    const bad = await verifier.verifyAsync(sig, new Uint8Array(0), pk);
    return good && !bad ? verifier : null;
  } catch {
    return null;
  }
}

let runtime: Promise<AsyncSignatureVerifier | null> | null = null;
/**
 * {@link webCryptoVerifier} on this thread's WebCrypto, made once per thread (the window, a
 * worker); null where it has no Ed25519, fails its check, or fails to load.
 */
export function runtimeWebCryptoVerifier(): Promise<AsyncSignatureVerifier | null> {
  runtime ??= webCryptoVerifier().catch(() => null);
  return runtime;
}
