/**
 * A verification worker (Node worker_threads): opens the archive itself, rebuilds the
 * keyring, bundles and controls from the setup, and checks the segments it is sent with
 * exactly the code the main thread would use (shared/engine/segment-task.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { buildKeyring } from '../../shared/engine/keys.ts';
import { runSegmentTask } from '../../shared/engine/segment-task.ts';
import type { Finding } from '../../shared/engine/findings.ts';
import type { ControlCheck, ResolvedBundle } from '../../shared/engine/types.ts';
import type { RawEntry } from '../../shared/archive/source.ts';
import { nativeStrictVerifier } from '../native-ed25519.ts';
import { useNativeSha256 } from '../native-sha256.ts';
import { openArchivePath } from '../open-archive.ts';
import { buildControls } from '../engine-options.ts';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.ts';

useNativeSha256();
const init = workerData as WorkerInit;
const port = parentPort;
if (!port) throw new Error('verify-worker must run as a worker thread');

const { setup } = init;
const source = await openArchivePath(init.archivePath, setup.limits);
const entries = new Map<string, RawEntry>((await source.entries()).map((e) => [e.name, e]));
const keyring = buildKeyring(setup.keys, setup.trustedRoots, nativeStrictVerifier).keyring;
const bundlesByHash = new Map<string, ResolvedBundle>(setup.bundles.map((b) => [b.hash, b]));
const controls: ControlCheck[] = await buildControls(setup.controlNames, { bundlesByHash, keyring, verifier: nativeStrictVerifier });
/** Stateless checks keep one instance across segments; findings already sent, per check. */
const sent = controls.map(() => 0);

async function drainStateless(): Promise<Finding[]> {
  const fresh: Finding[] = [];
  for (const [i, control] of controls.entries()) {
    if (control.parallel !== 'stateless') continue;
    const all = await control.finish();
    fresh.push(...all.slice(sent[i]));
    sent[i] = all.length;
  }
  return fresh;
}

port.on('message', async (message: ToWorker) => {
  try {
    const entry = entries.get(message.task.path);
    if (!entry) throw new Error(`no entry ${message.task.path} in the archive`);
    const result = await runSegmentTask(source, entry, message.task, { keyring, verifier: nativeStrictVerifier, bundlesByHash, controls, checkpointSeqs: new Set(message.task.checkpointSeqs) }, setup.limits.maxLineBytes);
    result.findings.push(...(await drainStateless()));
    port.postMessage({ type: 'result', id: message.id, result } satisfies FromWorker);
  } catch (error) {
    port.postMessage({ type: 'error', id: message.id, message: (error as Error).stack ?? String(error) } satisfies FromWorker);
  }
});
port.postMessage({ type: 'ready' } satisfies FromWorker);
