/**
 * Signature throughput, measured side by side in one run: `@noble/ed25519` (strict) in
 * this thread, native (node:crypto behind the strict checks) in this thread, and native
 * in a pool of W worker threads. Target: pool ≥ 0.8 × W × single-thread native.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { nativeStrictVerifier } from '../../cli/native-ed25519.ts';
import { nobleStrictVerifier, publicKeyOf, signBytes } from '../../shared/format/ed25519.ts';

export interface SignatureFigures {
  readonly nobleRate: number;
  readonly nativeRate: number;
  readonly poolRate: number;
  readonly workers: number;
}

function rate(count: number, ms: number): number {
  return Math.round((count * 1000) / ms);
}

export async function benchSignatures(count = 20_000, workers = availableParallelism()): Promise<SignatureFigures> {
  const secret = new Uint8Array(32).fill(7);
  const pk = publicKeyOf(secret);
  const msgs = Array.from({ length: count }, (_, i) =>
    new TextEncoder().encode(`{"receipt":${i},"payload":"${'x'.repeat(600)}"}`),
  );
  const sigs = msgs.map((m) => signBytes(m, secret));

  const nobleCount = Math.min(1000, count);
  let t = performance.now();
  for (let i = 0; i < nobleCount; i++) nobleStrictVerifier.verify(sigs[i] as Uint8Array, msgs[i] as Uint8Array, pk);
  const nobleRate = rate(nobleCount, performance.now() - t);

  t = performance.now();
  for (let i = 0; i < count; i++) nativeStrictVerifier.verify(sigs[i] as Uint8Array, msgs[i] as Uint8Array, pk);
  const nativeRate = rate(count, performance.now() - t);

  const pool = await Promise.all(
    Array.from(
      { length: workers },
      () =>
        new Promise<Worker>((resolve) => {
          const w = new Worker(fileURLToPath(new URL('../../cli/pool/worker-bootstrap.mjs', import.meta.url)), {
            workerData: { module: new URL('./signature-worker.ts', import.meta.url).href },
          });
          w.once('message', () => resolve(w));
        }),
    ),
  );
  const batch = 500;
  t = performance.now();
  let next = 0;
  await Promise.all(
    pool.map(async (w) => {
      while (next < count) {
        const from = next;
        next += batch;
        await new Promise<number>((resolve) => {
          w.once('message', resolve);
          w.postMessage({ sigs: sigs.slice(from, from + batch), msgs: msgs.slice(from, from + batch), pk });
        });
      }
    }),
  );
  const poolRate = rate(count, performance.now() - t);
  await Promise.all(pool.map((w) => w.terminate()));
  return { nobleRate, nativeRate, poolRate, workers };
}
