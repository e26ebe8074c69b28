/**
 * The signatures one receipt's judgment will check, listed before it runs, so a host can
 * verify them all at once with an asynchronous verifier (the window's WebCrypto: native,
 * where its synchronous reference is pure JavaScript, slow until the JIT has warmed up) and
 * hand the answers to the judgment through a verifier that remembers them.
 *
 * The list comes from a first pass of `explainReceipt` without Cedar, with a verifier that
 * records each question and answers "valid", so that every check a valid signature leads
 * to is reached (a certified key's receipts, a valid manifest's listing). Those made-up
 * answers are never shown unchecked: the pass's result stands as the judgment only when the
 * real answers to every question it asked are "valid" too (then the judgment would be the
 * same pass, see {@link explainWithAnswersAhead}); otherwise the judgment proper asks its
 * own verifier, which answers a listed question from the asynchronous verifier's answer and
 * any other one (a check reached only after a signature fails) itself. So the list affects
 * how fast, never what is judged.
 */
import type { SignedTriple } from '../engine/ledger.ts';
import { questionRecorder, type RememberingVerifier } from '../format/remembering-verifier.ts';
import type { AsyncSignatureVerifier } from '../format/webcrypto-ed25519.ts';
import {
  documentsChecked,
  explainReceipt,
  type ArchiveDocuments,
  type DocumentsCache,
  type DocumentsChecked,
  type ExplainMaterials,
  type Explanation,
} from './explain.ts';

export async function signaturesAsked(
  materials: ExplainMaterials,
  trustedRoots: readonly string[],
): Promise<SignedTriple[]> {
  return (await listingPass(materials, trustedRoots)).asked;
}

/**
 * The listing pass: the judgment without Cedar with every signature answered "valid", and the
 * questions. It reads keys.json and the manifest as checked before (by real answers) from
 * `documents`; what it checks itself it only sets aside (`staged`), made-up answers included.
 */
async function listingPass(
  materials: ExplainMaterials,
  trustedRoots: readonly string[],
  documents?: DocumentsCache,
): Promise<{
  readonly asked: SignedTriple[];
  readonly explanation: Explanation;
  readonly staged: ReadonlyMap<string, DocumentsChecked>;
}> {
  const asked: SignedTriple[] = [];
  const staged = new Map<string, DocumentsChecked>();
  const aside: DocumentsCache | undefined = documents && {
    get: (key) => documents.get(key),
    set: (key, checked) => void staged.set(key, checked),
  };
  const explanation = await explainReceipt(materials, {
    cedar: null,
    verifier: questionRecorder(asked),
    trustedRoots,
    ...(aside ? { documents: aside } : {}),
  });
  return { asked, explanation, staged };
}

/**
 * Each listed signature's answer, as `verifier` gives it once `bulk` has verified them together
 * (read from `answerAhead` rather than asked again: every question to `verifier` hashes the
 * signed message in JavaScript).
 */
async function answersAhead(
  verifier: RememberingVerifier,
  bulk: AsyncSignatureVerifier,
  asked: readonly SignedTriple[],
): Promise<readonly (boolean | null)[]> {
  try {
    return await verifier.answerAhead(bulk, asked);
  } catch {
    // Nothing remembered: `verifier` computes each answer itself.
    return asked.map((t) => verifier.verify(t.signature, t.message, t.publicKey));
  }
}

/** A judgment without Cedar made by {@link explainWithAnswersAhead}, and how. */
export interface JudgedAhead {
  readonly explanation: Explanation;
  /** Signatures the listing pass named. */
  readonly listed: number;
  /** When the listed signatures had been verified, ms after the call. */
  readonly verifiedMs: number;
  /** False when the listing pass was the judgment (every listed signature valid). */
  readonly judgedAgain: boolean;
}

/**
 * The receipt's judgment without Cedar, its signatures verified ahead with `bulk` and
 * remembered in `verifier`, in one pass of the judgment when they all hold.
 *
 * The listing pass asks its questions in the judgment's own order and answers each "valid".
 * When `verifier` (which now remembers `bulk`'s answers, and computes any it lacks) answers
 * every one of them "valid" too, the judgment proper would ask the same first question and
 * get the same answer, hence the same next question, and so on: the judgment is deterministic
 * in its materials and its verifier's answers, so it would reach exactly the listing pass's
 * result, which is then returned instead of being computed a second time. Otherwise (a
 * signature fails) the judgment runs again with `verifier`. In a fresh worker
 * that second pass cost as much as the first (both are run before the JIT has warmed up).
 * `ahead.test.ts` requires the result to equal the judgment with the reference verifier, on
 * clean receipts and on forged evidence.
 */
export async function explainWithAnswersAhead(
  materials: ExplainMaterials,
  trustedRoots: readonly string[],
  bulk: AsyncSignatureVerifier,
  verifier: RememberingVerifier,
  /** keys.json and the manifest as checked for earlier receipts (`ExplainDeps.documents`). */
  documents?: DocumentsCache,
): Promise<JudgedAhead> {
  const started = performance.now();
  const listing = await listingPass(materials, trustedRoots, documents);
  const answers = await answersAhead(verifier, bulk, listing.asked);
  const verifiedMs = performance.now() - started;
  const base = { listed: listing.asked.length, verifiedMs };
  if (answers.every((answer) => answer === true)) {
    // Every made-up answer was the real one: what the listing pass checked is what a judgment
    // with real answers checks, so keys.json and the manifest as it checked them are kept.
    for (const [key, checked] of listing.staged) documents?.set(key, checked);
    return { ...base, explanation: listing.explanation, judgedAgain: false };
  }
  const explanation = await explainReceipt(materials, {
    cedar: null,
    verifier,
    trustedRoots,
    ...(documents ? { documents } : {}),
  });
  return { ...base, explanation, judgedAgain: true };
}

/**
 * An archive's keys.json and manifest checked before any of its receipts is asked for, and kept
 * in `documents` as a receipt's judgment would keep them (a manifest of 100,000 files took
 * 0.4 s of the first walk): their signatures listed by a pass that answers each "valid",
 * verified together with `bulk` and remembered in `verifier`; the pass's check is kept when
 * every answer holds, else the documents are checked again with `verifier`'s answers. Either
 * way what is kept is what a receipt's judgment would have checked. Does nothing without a
 * `documentsId` (nothing could find it again).
 */
export async function checkDocumentsAhead(
  given: ArchiveDocuments,
  trustedRoots: readonly string[],
  bulk: AsyncSignatureVerifier,
  verifier: RememberingVerifier,
  documents: DocumentsCache,
): Promise<void> {
  if (given.documentsId === undefined) return;
  const asked: SignedTriple[] = [];
  const staged = new Map<string, DocumentsChecked>();
  documentsChecked(given, {
    verifier: questionRecorder(asked),
    trustedRoots,
    documents: { get: (key) => documents.get(key), set: (key, checked) => void staged.set(key, checked) },
  });
  if (staged.size === 0) return; // checked before
  const answers = await answersAhead(verifier, bulk, asked);
  if (answers.every((answer) => answer === true)) for (const [key, checked] of staged) documents.set(key, checked);
  else documentsChecked(given, { verifier, trustedRoots, documents });
}
