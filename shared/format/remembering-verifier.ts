/**
 * A signature verifier that answers from answers it remembers and asks the verifier it wraps
 * anything else. Ed25519 verification is a pure function of (signature, message, public key),
 * so an answer once given holds; the message is remembered by its SHA-256, the signature and
 * key by their bytes.
 *
 * The explain worker remembers every answer across requests: the next receipt of an archive
 * mostly checks the same signatures again (renderer/workers/explain.worker.ts). (The engine's
 * checkpoints verified ahead take their answers directly: `LedgerMerger.judgeCheckpoint`.)
 * An answer remembered from another verifier must come from one held to the same strict rules
 * (WebCrypto behind the strict encoding checks, held to the same vectors).
 */
import { toHex } from './bytes.ts';
import type { SignatureVerifier } from './ed25519.ts';
import { hashOf } from './hash.ts';
import type { AsyncSignatureVerifier } from './webcrypto-ed25519.ts';

/** A signature, the bytes it signs and the key to verify it with. */
export interface SignedTriple {
  readonly signature: Uint8Array;
  readonly message: Uint8Array;
  readonly publicKey: Uint8Array;
}

export interface RememberingOptions {
  /** Past this many answers, all are forgotten, so memory stays bounded. Default 10,000. */
  readonly maxEntries?: number;
}

export class RememberingVerifier implements SignatureVerifier {
  readonly name: string;
  private readonly answers = new Map<string, boolean>();
  private readonly maxEntries: number;

  constructor(
    private readonly inner: SignatureVerifier,
    options: RememberingOptions = {},
  ) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.name = `${inner.name}, answers remembered`;
  }

  private static key(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): string {
    return `${toHex(signature)}:${toHex(publicKey)}:${hashOf(message)}`;
  }

  private set(key: string, answer: boolean): void {
    if (this.answers.size >= this.maxEntries) this.answers.clear();
    this.answers.set(key, answer);
  }

  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
    const key = RememberingVerifier.key(signature, message, publicKey);
    const known = this.answers.get(key);
    if (known !== undefined) return known;
    const answer = this.inner.verify(signature, message, publicKey);
    this.set(key, answer);
    return answer;
  }

  /** True when the answer for this signature is remembered. */
  knows(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
    return this.answers.has(RememberingVerifier.key(signature, message, publicKey));
  }

  /** Remembers an answer given by another verifier of the same strict rules. */
  remember(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array, answer: boolean): void {
    this.set(RememberingVerifier.key(signature, message, publicKey), answer);
  }

  get size(): number {
    return this.answers.size;
  }

  /**
   * Verifies with `bulk`, all at once, each of these signatures not already remembered, and
   * remembers the answers. When `bulk` fails, this rejects and remembers none of this batch.
   * Resolves with each triple's answer, in order (as {@link verify} would give it; null for a
   * null triple), so a caller need not hash the messages again to read them.
   */
  async answerAhead(
    bulk: AsyncSignatureVerifier,
    triples: readonly (SignedTriple | null)[],
  ): Promise<(boolean | null)[]> {
    // Each key made once (it hashes the message): to look it up, then to remember the answer.
    const out: (boolean | null)[] = [];
    const asked: { readonly triple: SignedTriple; readonly key: string; readonly at: number }[] = [];
    for (const triple of triples) {
      out.push(null);
      if (triple === null) continue;
      const key = RememberingVerifier.key(triple.signature, triple.message, triple.publicKey);
      const known = this.answers.get(key);
      if (known === undefined) asked.push({ triple, key, at: out.length - 1 });
      else out[out.length - 1] = known;
    }
    const answers = await Promise.all(
      asked.map(({ triple: t }) => bulk.verifyAsync(t.signature, t.message, t.publicKey)),
    );
    asked.forEach(({ key, at }, i) => {
      const answer = answers[i] === true;
      this.set(key, answer);
      out[at] = answer;
    });
    return out;
  }
}

/**
 * A verifier that records each question in `asked` and answers "valid", for a first pass that
 * lists the signatures a check will ask about (so they can be verified together ahead of it);
 * its answers are never a check's result.
 */
export function questionRecorder(asked: SignedTriple[]): SignatureVerifier {
  return {
    name: 'records the questions, answers valid',
    verify(signature, message, publicKey) {
      asked.push({ signature, message, publicKey });
      return true;
    },
  };
}
