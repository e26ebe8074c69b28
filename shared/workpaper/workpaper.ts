/**
 * The signed workpaper: an in-toto Statement v1 in a DSSE envelope. Its subjects are the
 * evidence archive file and the PDF rendering (SHA-256 of their bytes); its predicate is the
 * workpaper itself, serialized as canonical JSON (RFC 8785) — what was verified and what was
 * not, the findings, the samples and their evaluation, the conclusions. A reviewer's
 * sign-off is a second envelope whose statement's subject is the preparer's envelope, so
 * the reviewer signs exactly what the preparer signed. A workpaper file holds the envelopes
 * one per line (JSON Lines, as in-toto attestation bundles do): the preparer's, then the
 * reviewer's when there is one.
 */
import { canonicalize } from '../format/canonical.ts';
import type { SignatureVerifier } from '../format/ed25519.ts';
import { hashOf } from '../format/hash.ts';
import { checkEnvelope, signEnvelope, type DsseEnvelope, type EnvelopeSigner } from './dsse.ts';

export const PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const WORKPAPER_PREDICATE = 'urn:tickmark:workpaper:v1';
export const REVIEW_PREDICATE = 'urn:tickmark:review:v1';
export const WORKPAPER_FORMAT = 'tickmark.workpaper.v1';

export interface Subject {
  readonly name: string;
  /** Lowercase hex SHA-256 of the subject's bytes. */
  readonly sha256: string;
}

export interface Statement {
  readonly _type: typeof STATEMENT_TYPE;
  readonly subject: readonly { readonly name: string; readonly digest: { readonly sha256: string } }[];
  readonly predicateType: string;
  readonly predicate: Record<string, unknown>;
}

/** The workpaper's identity: the hex SHA-256 of its predicate's canonical JSON (printed on every PDF page). */
export function workpaperHash(predicate: Record<string, unknown>): string {
  return hashOf(canonicalize(predicate)).slice('sha256:'.length);
}

export function statementOf(
  predicateType: string,
  predicate: Record<string, unknown>,
  subjects: readonly Subject[],
): Statement {
  return {
    _type: STATEMENT_TYPE,
    subject: subjects.map((s) => ({ name: s.name, digest: { sha256: s.sha256 } })),
    predicateType,
    predicate,
  };
}

/** The preparer signs the workpaper statement. */
export function signWorkpaper(
  predicate: Record<string, unknown>,
  subjects: readonly Subject[],
  signer: EnvelopeSigner,
): Promise<DsseEnvelope> {
  const payload = new TextEncoder().encode(canonicalize(statementOf(WORKPAPER_PREDICATE, predicate, subjects)));
  return signEnvelope(PAYLOAD_TYPE, payload, [signer]);
}

/** The reviewer signs a statement whose subject is the preparer's envelope, as it is stored. */
export function signReview(
  workpaper: DsseEnvelope,
  review: {
    readonly reviewer: string;
    readonly reviewedAt: string;
    readonly decision: 'approved' | 'returned';
    readonly note: string;
  },
  signer: EnvelopeSigner,
): Promise<DsseEnvelope> {
  const statement = statementOf(
    REVIEW_PREDICATE,
    { reviewer: review.reviewer, reviewed_at: review.reviewedAt, decision: review.decision, note: review.note },
    [{ name: 'workpaper.dsse.json', sha256: envelopeDigest(workpaper) }],
  );
  return signEnvelope(PAYLOAD_TYPE, new TextEncoder().encode(canonicalize(statement)), [signer]);
}

/** The hex SHA-256 of an envelope's canonical JSON (what a review statement names). */
export function envelopeDigest(envelope: DsseEnvelope): string {
  return hashOf(canonicalize(envelope)).slice('sha256:'.length);
}

/** A workpaper file: one envelope per line. */
export function workpaperFile(envelopes: readonly DsseEnvelope[]): string {
  return envelopes.map((e) => canonicalize(e)).join('\n') + '\n';
}

/** A file given to be compared with the subjects: its name as given (any name) and the hex SHA-256 of its bytes. */
export interface GivenFile {
  readonly name: string;
  readonly sha256: string;
}

/** A subject of the statement, and the given file whose bytes it names, if one was given. */
export interface SubjectCheck extends Subject {
  /**
   * The index (in the files given) of the first file whose SHA-256 is this subject's,
   * whatever its name; null when none was: the subject was not checked, which is never a pass.
   */
  readonly file: number | null;
}

/** A given file, and the subject it is (matched by SHA-256), or null when the workpaper names no such bytes. */
export interface GivenFileCheck extends GivenFile {
  readonly subject: string | null;
}

export interface WorkpaperCheck {
  /** Every signature by a named signer, the content intact, and each file given one the workpaper names. */
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly predicate: Record<string, unknown> | null;
  readonly subjects: readonly SubjectCheck[];
  /** The files given, in the order given, each with the subject it matched. */
  readonly files: readonly GivenFileCheck[];
  readonly preparedBy: readonly string[];
  readonly review: { readonly reviewer: string; readonly decision: string; readonly signers: readonly string[] } | null;
  readonly workpaperHash: string | null;
}

export interface CheckOptions {
  /** Public keys (hex) whose signatures are accepted; a signature by any other key is a problem. */
  readonly signers: readonly string[];
  /**
   * Files in hand (the archive, the PDF), each matched to a subject by the SHA-256 of its
   * bytes, not by its name: a renamed copy is the same evidence, and a file of the right
   * name with other bytes is not.
   */
  readonly files?: readonly GivenFile[];
  readonly verifier: SignatureVerifier;
}

/** Checks a workpaper file's text. Never throws for bad content: `problems` says what is wrong. */
export function checkWorkpaper(text: string, options: CheckOptions): WorkpaperCheck {
  const problems: string[] = [];
  const accepted = new Set(options.signers.map((s) => s.toLowerCase()));
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const fail = (message: string): WorkpaperCheck => ({
    ok: false,
    problems: [...problems, message],
    predicate: null,
    subjects: [],
    files: [],
    preparedBy: [],
    review: null,
    workpaperHash: null,
  });
  if (lines.length === 0) return fail('the file holds no envelope');
  if (lines.length > 2)
    return fail(`the file holds ${lines.length} envelopes; a workpaper has one, and a review at most`);
  const envelopes: DsseEnvelope[] = [];
  for (const [i, line] of lines.entries()) {
    try {
      envelopes.push(JSON.parse(line) as DsseEnvelope);
    } catch (error) {
      return fail(`line ${i + 1} is not JSON: ${(error as Error).message}`);
    }
  }
  const main = checkEnvelope(envelopes[0], PAYLOAD_TYPE, options.verifier);
  if (!main.ok) return fail(`workpaper envelope (line 1): ${main.problems.join('; ')}`);
  problems.push(...main.problems.map((p) => `workpaper envelope: ${p}`));
  const preparedBy = main.validSigners;
  for (const key of preparedBy)
    if (!accepted.has(key)) problems.push(`the workpaper is signed by ${key}, which is not a signer you named`);
  if (!preparedBy.some((k) => accepted.has(k))) problems.push('no signature on the workpaper is by a signer you named');
  let statement: Statement;
  try {
    statement = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(main.payload)) as Statement;
  } catch {
    return fail('the workpaper payload is not JSON text');
  }
  if (statement._type !== STATEMENT_TYPE)
    problems.push(`the payload is not an in-toto Statement v1 (_type ${JSON.stringify(statement._type)})`);
  if (statement.predicateType !== WORKPAPER_PREDICATE)
    problems.push(`predicateType is ${JSON.stringify(statement.predicateType)}, expected ${WORKPAPER_PREDICATE}`);
  const predicate =
    typeof statement.predicate === 'object' && statement.predicate !== null ? statement.predicate : null;
  if (!predicate) problems.push('the statement has no predicate');
  const named: Subject[] = Array.isArray(statement.subject)
    ? statement.subject.map((s) => ({ name: String(s?.name), sha256: String(s?.digest?.sha256) }))
    : [];
  const { subjects, files } = matchSubjects(named, options.files ?? []);
  for (const file of files)
    if (file.subject === null)
      problems.push(
        `${file.name} is not a file the workpaper names: its SHA-256 is ${file.sha256}, which no subject has (${
          named.map((s) => `${s.name} ${s.sha256}`).join('; ') || 'the workpaper names no file'
        })`,
      );
  let review: WorkpaperCheck['review'] = null;
  if (envelopes[1]) {
    const second = checkEnvelope(envelopes[1], PAYLOAD_TYPE, options.verifier);
    if (!second.ok) problems.push(`review envelope (line 2): ${second.problems.join('; ')}`);
    else {
      problems.push(...second.problems.map((p) => `review envelope: ${p}`));
      for (const key of second.validSigners)
        if (!accepted.has(key)) problems.push(`the review is signed by ${key}, which is not a signer you named`);
      let reviewStatement: Statement | null = null;
      try {
        reviewStatement = JSON.parse(new TextDecoder().decode(second.payload)) as Statement;
      } catch {
        problems.push('the review payload is not JSON');
      }
      if (reviewStatement) {
        const covered = reviewStatement.subject?.[0]?.digest?.sha256;
        if (reviewStatement.predicateType !== REVIEW_PREDICATE) problems.push('line 2 is not a review statement');
        else if (covered !== envelopeDigest(envelopes[0] as DsseEnvelope))
          problems.push('the review does not cover this workpaper envelope: it was signed over another version');
        const p = reviewStatement.predicate as { reviewer?: unknown; decision?: unknown };
        review = {
          reviewer: String(p?.reviewer ?? ''),
          decision: String(p?.decision ?? ''),
          signers: second.validSigners,
        };
      }
    }
  }
  return {
    ok: problems.length === 0,
    problems,
    predicate,
    subjects,
    files,
    preparedBy,
    review,
    workpaperHash: predicate ? workpaperHash(predicate) : null,
  };
}

/**
 * Matches given files to subjects by the SHA-256 of their bytes (hex, either case), never by
 * name. Each file names the subject it is, or null; each subject names the first file that
 * is it, or null (not checked: no such file was given). Pure.
 */
export function matchSubjects(
  subjects: readonly Subject[],
  given: readonly GivenFile[],
): { subjects: SubjectCheck[]; files: GivenFileCheck[] } {
  const digest = (hex: string) => hex.toLowerCase();
  return {
    subjects: subjects.map((s) => {
      const file = given.findIndex((f) => digest(f.sha256) === digest(s.sha256));
      return { ...s, file: file === -1 ? null : file };
    }),
    files: given.map((f) => ({
      ...f,
      subject: subjects.find((s) => digest(s.sha256) === digest(f.sha256))?.name ?? null,
    })),
  };
}
