/**
 * The signatures one receipt's judgment will check, listed before it runs, so a host can
 * verify them all at once with an asynchronous verifier (the window's WebCrypto: native,
 * where its synchronous reference is pure JavaScript, slow until the JIT has warmed up) and
 * hand the answers to the judgment through a verifier that remembers them.
 *
 * The list comes from a first pass of `explainReceipt` without Cedar, with a verifier that
 * records each question and answers "valid", so that every check a valid signature leads
 * to is reached (a certified key's receipts, a valid manifest's listing). Those made-up
 * answers are never used: the judgment proper asks its own verifier, which answers a listed
 * question from the asynchronous verifier's answer and any other one (a check reached only
 * after a signature fails) itself. So the list affects how fast, never what is judged.
 */
import type { SignedTriple } from '../engine/ledger.ts';
import type { SignatureVerifier } from '../format/ed25519.ts';
import { explainReceipt, type ExplainMaterials } from './explain.ts';

export async function signaturesAsked(
  materials: ExplainMaterials,
  trustedRoots: readonly string[],
): Promise<SignedTriple[]> {
  const asked: SignedTriple[] = [];
  const recorder: SignatureVerifier = {
    name: 'records the questions, answers valid',
    verify(signature, message, publicKey) {
      asked.push({ signature, message, publicKey });
      return true;
    },
  };
  await explainReceipt(materials, { cedar: null, verifier: recorder, trustedRoots });
  return asked;
}
