/**
 * SHA-256 in WebAssembly (hash-wasm), for the app's workers. In this machine's Chromium a
 * dedicated worker hashed 285–295 MB/s with it, against 44–62 MB/s with the JavaScript SHA-256
 * and 80 MB/s with WebCrypto once a file's chunks are held for its one-call digest; a 1.5 KB
 * receipt line took 5 µs against 25 µs (JavaScript) and 8 µs (WebCrypto, 256 lines in
 * flight). It is synchronous, so lines, keys and files are hashed where they are read, and a
 * file is hashed a chunk at a time without being held (docs/PERFORMANCE.md). WebCrypto's own
 * digest is faster on a buffer of 1–4 MiB (1.05–1.1 GB/s, forty-seventh session), but whole
 * files given to it (their chunks copied, joined, digested) saved under 1 s of an import's
 * ~135 s of CPU at 1,000,000 receipts: not used beside this one.
 *
 * The command line keeps node:crypto (about five times faster again).
 */
import { createSHA256, type IHasher } from 'hash-wasm';
import { utf8Transient } from './bytes.ts';
import type { Sha256 } from './hash.ts';

/** An incremental hasher made by {@link wasmSha256}'s `create`. */
interface Stepwise {
  update(chunk: Uint8Array): void;
  digest(): Uint8Array;
}

/**
 * A {@link Sha256} on two WebAssembly instances: one for one-shot digests, one shared by every
 * incremental hasher, each keeping its own state and loading it when it is its turn (the
 * engine hashes an entry and, beside it, the archive file; a switch costs one ~100-byte copy).
 * Resolves null where WebAssembly cannot run (then the JavaScript SHA-256 stays); the caller
 * installs it with `useSha256`, which checks it on "abc" first.
 */
export async function wasmSha256(): Promise<Sha256 | null> {
  let oneShot: IHasher;
  let shared: IHasher;
  try {
    [oneShot, shared] = await Promise.all([createSHA256(), createSHA256()]);
  } catch {
    return null;
  }
  shared.init();
  const blank = shared.save();
  // The hasher whose state is in `shared` now, or null when no hasher's state is there.
  let loaded: { state: Uint8Array } | null = null;

  const create = (): Stepwise => {
    const self = { state: blank, done: false };
    const take = (): void => {
      if (self.done) throw new Error('SHA-256: this hasher already gave its digest');
      if (loaded === self) return;
      if (loaded) loaded.state = shared.save();
      shared.load(self.state);
      loaded = self;
    };
    return {
      update(chunk) {
        take();
        shared.update(chunk);
      },
      digest() {
        take();
        loaded = null;
        self.done = true;
        return shared.digest('binary');
      },
    };
  };
  return {
    digest(data) {
      oneShot.init();
      oneShot.update(data);
      return oneShot.digest('binary');
    },
    hex(data) {
      oneShot.init();
      oneShot.update(typeof data === 'string' ? utf8Transient(data) : data);
      return oneShot.digest('hex');
    },
    create,
  };
}
