/**
 * The built-in demo evidence for the workbench (first half of `npm run build:renderer`):
 * writes renderer/public/demo/demo.zip and demo.json (the root public key to pin and the
 * control failures planted in it), made by the project's own producer with Node's Cedar.
 *
 * Deterministic (fixed seed), so the asset only changes when the producer does. Soft
 * failure: if the producer cannot run, the build goes on without a demo and the
 * workbench says that the demo is not part of this build.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const outDir = fileURLToPath(new URL('../renderer/public/demo/', import.meta.url));

async function main(): Promise<void> {
  let producer: typeof import('../shared/producer/demo.ts');
  let zip: typeof import('../shared/producer/zip.ts');
  let cedar: typeof import('../cli/cedar-node.ts');
  let demoCommand: typeof import('../cli/commands/demo.ts');
  try {
    [producer, zip, cedar, demoCommand] = await Promise.all([
      import('../shared/producer/demo.ts'),
      import('../shared/producer/zip.ts'),
      import('../cli/cedar-node.ts'),
      import('../cli/commands/demo.ts'),
    ]);
  } catch (error) {
    console.warn(
      `make-demo-asset: the demo asset is not available yet (${(error as Error).message}); building without it.`,
    );
    return;
  }
  const started = performance.now();
  const demo = await producer.makeDemoArchive({
    cedar: cedar.nodeCedar,
    seed: producer.DEFAULT_DEMO_SEED,
    receipts: producer.DEFAULT_DEMO_RECEIPTS,
    sign: demoCommand.nodeCryptoSigner(),
  });
  const bytes = zip.zipFiles(demo.files);
  await mkdir(outDir, { recursive: true });
  await writeFile(`${outDir}demo.zip`, bytes);
  const manifest = {
    note: 'Built-in demo evidence made by build/make-demo-asset.ts. Its root is pinned only when the user opens the demo, and that pin is recorded.',
    seed: producer.DEFAULT_DEMO_SEED,
    receipts: demo.receipts,
    rootPublicKey: demo.rootPublicKey,
    ledgers: demo.ledgers,
    plantedFailures: demo.plantedFailures,
  };
  await writeFile(`${outDir}demo.json`, JSON.stringify(manifest, null, 2) + '\n');
  console.log(
    `make-demo-asset: wrote demo.zip (${bytes.length} bytes, ${demo.receipts} receipts, ${demo.plantedFailures.length} planted failures) in ${Math.round(performance.now() - started)} ms`,
  );
}

await main();
