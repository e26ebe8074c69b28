/**
 * The workpaper's sign-offs and exports, put together as `tickmark workpaper build` and
 * `review` do (cli/commands/workpaper.ts): the predicate, its hash, the PDF carrying that
 * hash, the statement naming the archive file and the PDF, the preparer's envelope; the
 * reviewer's envelope over the preparer's. Each signature is checked against its key
 * before it is kept, so a signer that returns something else is caught here.
 */
import { toHex } from '../../../shared/format/bytes.ts';
import { nobleStrictVerifier } from '../../../shared/format/ed25519.ts';
import { sha256Bytes } from '../../../shared/format/hash.ts';
import { checkEnvelope, type DsseEnvelope, type EnvelopeSigner } from '../../../shared/workpaper/dsse.ts';
import {
  PAYLOAD_TYPE,
  signReview,
  signWorkpaper,
  workpaperFile,
  workpaperHash,
} from '../../../shared/workpaper/workpaper.ts';
import type { PreparedSignOff, ReviewSignOff } from '../../store/db.ts';
import {
  MAX_TEXT,
  nameProblem,
  recordPrepared,
  recordReview,
  signedPredicate,
  type Workpaper,
  type WorkpaperKey,
  type WriteResult,
} from '../../store/workpapers.ts';
import { buildDraft, exportNames, signingBlocker, type DraftSource } from './draft.ts';

/** pdf-lib is loaded when a PDF is first made, not with the window. */
export async function renderPdf(predicate: Record<string, unknown>, hash: string): Promise<Uint8Array> {
  const { renderWorkpaperPdf } = await import('../../../shared/workpaper/pdf.ts');
  return renderWorkpaperPdf(predicate, hash);
}

export const hexSha256 = (bytes: Uint8Array): string => toHex(sha256Bytes(bytes));

export function workpaperKey(source: DraftSource): WorkpaperKey {
  return {
    engagementId: source.engagement.id,
    archiveId: source.archive.id,
    title: `${source.engagement.name}: ${source.archive.name}`,
  };
}

/** Why `envelope` is not a good signature by `publicKey` (a signer that misbehaved), or null. */
function signatureProblem(envelope: DsseEnvelope, publicKey: string): string | null {
  const check = checkEnvelope(envelope, PAYLOAD_TYPE, nobleStrictVerifier);
  if (check.ok && check.validSigners.length === 1 && check.validSigners[0] === publicKey && check.problems.length === 0)
    return null;
  return `The signature made with key ${publicKey} does not verify (${check.problems.join('; ') || 'signed by another key'}); nothing was kept.`;
}

/** Signs the draft as it is now as the preparer, and keeps the sign-off. */
export async function signAsPreparer(
  source: DraftSource,
  signer: EnvelopeSigner,
  preparer: string,
): Promise<WriteResult<PreparedSignOff>> {
  const problem = nameProblem(preparer, 'preparer') ?? signingBlocker(source);
  if (problem) return { ok: false, message: problem };
  const createdAt = new Date().toISOString();
  const predicate = buildDraft(source, { createdAt, preparer: preparer.trim() });
  const hash = workpaperHash(predicate);
  const pdf = await renderPdf(predicate, hash);
  const names = exportNames(source.archive.name);
  const pdfSha256 = hexSha256(pdf);
  const envelope = await signWorkpaper(
    predicate,
    [
      { name: source.archive.name, sha256: source.archive.fileSha256 as string },
      { name: names.pdf, sha256: pdfSha256 },
    ],
    signer,
  );
  const bad = signatureProblem(envelope, signer.publicKey);
  if (bad) return { ok: false, message: bad };
  const signOff: PreparedSignOff = {
    name: preparer.trim(),
    publicKey: signer.publicKey,
    signedAt: createdAt,
    envelope,
    workpaperHash: hash,
    pdfName: names.pdf,
    pdfSha256,
  };
  const written = await recordPrepared(workpaperKey(source), signOff);
  return written.ok ? { ok: true, value: signOff } : written;
}

export interface ReviewInput {
  readonly reviewer: string;
  readonly decision: 'approved' | 'returned';
  readonly note: string;
}

/** Signs the preparer's envelope as the reviewer saw it, and keeps the review. */
export async function signAsReviewer(
  source: DraftSource,
  reviewed: Workpaper,
  signer: EnvelopeSigner,
  input: ReviewInput,
): Promise<WriteResult<ReviewSignOff>> {
  const prepared = reviewed.prepared;
  if (!prepared) return { ok: false, message: 'There is no preparer’s sign-off to review.' };
  const problem =
    nameProblem(input.reviewer, 'reviewer') ??
    (signer.publicKey === prepared.publicKey
      ? 'The reviewer signs with their own key, not the preparer’s: choose or make the reviewer’s key.'
      : input.note.length > MAX_TEXT
        ? `A note is at most ${MAX_TEXT} characters: this one has ${input.note.length}.`
        : input.decision === 'returned' && input.note.trim() === ''
          ? 'Say why the workpaper is returned: the note is signed with the review.'
          : null);
  if (problem) return { ok: false, message: problem };
  const reviewedAt = new Date().toISOString();
  const envelope = await signReview(
    prepared.envelope,
    { reviewer: input.reviewer.trim(), reviewedAt, decision: input.decision, note: input.note.trim() },
    signer,
  );
  const bad = signatureProblem(envelope, signer.publicKey);
  if (bad) return { ok: false, message: bad };
  const signOff: ReviewSignOff = {
    name: input.reviewer.trim(),
    publicKey: signer.publicKey,
    signedAt: reviewedAt,
    decision: input.decision,
    note: input.note.trim(),
    envelope,
  };
  const written = await recordReview(workpaperKey(source), prepared.envelope, signOff);
  return written.ok ? { ok: true, value: signOff } : written;
}

export interface ExportFiles {
  readonly envelope: { readonly name: string; readonly bytes: Uint8Array };
  readonly pdf: { readonly name: string; readonly bytes: Uint8Array };
}

/**
 * The files of a signed workpaper: the envelopes (JSON Lines: the preparer's, then the
 * review when there is one) and the PDF, rendered again from the signed content and
 * refused if it is not the PDF the signature names.
 */
export async function exportFiles(workpaper: Workpaper): Promise<WriteResult<ExportFiles>> {
  const prepared = workpaper.prepared;
  if (!prepared) return { ok: false, message: 'Nothing is signed yet: sign as preparer first.' };
  const predicate = signedPredicate(prepared.envelope);
  if (!predicate) return { ok: false, message: 'The stored envelope does not hold a workpaper.' };
  const hash = workpaperHash(predicate);
  const pdf = await renderPdf(predicate, hash);
  const sha = hexSha256(pdf);
  if (hash !== prepared.workpaperHash || sha !== prepared.pdfSha256)
    return {
      ok: false,
      message: `The PDF made now (SHA-256 ${sha}) is not the one the signature names (${prepared.pdfSha256}): it was not saved.`,
    };
  const envelopes = workpaper.review ? [prepared.envelope, workpaper.review.envelope] : [prepared.envelope];
  const text = workpaperFile(envelopes);
  return {
    ok: true,
    value: {
      envelope: { name: prepared.pdfName.replace(/\.pdf$/, '.jsonl'), bytes: new TextEncoder().encode(text) },
      pdf: { name: prepared.pdfName, bytes: pdf },
    },
  };
}
