/** Bench worker: verifies the signatures it is sent with the command line's native verifier. */
import { parentPort } from 'node:worker_threads';
import { nativeStrictVerifier } from '../../cli/native-ed25519.ts';

const port = parentPort;
if (!port) throw new Error('signature-worker must run as a worker thread');
port.on('message', (batch: { sigs: Uint8Array[]; msgs: Uint8Array[]; pk: Uint8Array }) => {
  let valid = 0;
  for (let i = 0; i < batch.sigs.length; i++)
    if (nativeStrictVerifier.verify(batch.sigs[i] as Uint8Array, batch.msgs[i] as Uint8Array, batch.pk)) valid++;
  port.postMessage(valid);
});
port.postMessage('ready');
