/**
 * The built-in demo evidence (made at build time by build/make-demo-asset.ts): its root
 * is pinned with a recorded note saying why, then the archive is imported like any other.
 */
import type { Host } from '../../host/host.ts';
import { blobArchive } from '../../host/browser-host.ts';
import { db } from '../../store/db.ts';
import { pinRoot } from '../../store/trust.ts';
import { parsePublicKeyInput } from '../../store/trust-keys.ts';
import { startImport } from '../import/start-import.ts';

export const DEMO_PIN_NOTE = 'built-in demo root, pinned because you opened the demo';

interface DemoManifest {
  readonly rootPublicKey: string;
  readonly plantedFailures?: unknown;
}

/** @returns null on success, else a sentence saying why the demo could not be opened. */
export async function openDemo(host: Host): Promise<string | null> {
  let manifest: DemoManifest;
  let zip: Blob;
  try {
    const [jsonResponse, zipResponse] = await Promise.all([fetch('./demo/demo.json'), fetch('./demo/demo.zip')]);
    if (!jsonResponse.ok || !zipResponse.ok)
      return 'The built-in demo evidence is not part of this build (run npm run build:renderer with the producer available).';
    manifest = (await jsonResponse.json()) as DemoManifest;
    zip = await zipResponse.blob();
  } catch (error) {
    return `The built-in demo evidence could not be read: ${(error as Error).message}`;
  }
  const key = parsePublicKeyInput(String(manifest.rootPublicKey ?? ''));
  if (!key.ok) return `The demo's root key is not usable: ${key.reason}`;
  if (!(await db.trustedRoots.get(key.publicKey))) {
    await pinRoot({
      publicKey: key.publicKey,
      label: 'Tickmark demo root',
      method: 'demo',
      note: DEMO_PIN_NOTE,
      sourceArchive: { id: 'built-in', name: 'demo.zip' },
    });
  }
  await startImport(host, blobArchive(zip, 'demo.zip'), { origin: 'demo' });
  return null;
}
