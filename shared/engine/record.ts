/**
 * Reading one stored line (FORMAT.md §1): UTF-8, JSON, and its own canonical form.
 * Shared by receipts, checkpoints and anything else stored as JSONL.
 */
import type { LineRead } from '../archive/lines.ts';
import { concatBytes, decodeUtf8Strict, utf8Length } from '../format/bytes.ts';
import { parseCanonical } from '../format/canonical.ts';
import { finding, type Finding } from './findings.ts';

/**
 * Room for many lines' signed bytes, handed out in turn; another slab when one is full. The
 * slabs filled are kept in `filled` until their owner says nothing reads them any more
 * ({@link releaseFilledSlabs}): their memory is then cut into again, by this thread's next lines.
 */
export interface ByteSlab {
  bytes: Uint8Array;
  used: number;
  /** Slabs filled before `bytes`, whose bytes a verifier may still read. */
  filled?: Uint8Array[];
}
const SLAB_BYTES = 256 * 1024;
/**
 * Slabs given back, for this thread's next lines (module state: one list per worker thread). In
 * a Chromium worker a new 256 KiB array costs about as much as faulting in its 64 pages (about
 * 14 µs each on this project's machine), for about 150 lines' signed bytes.
 */
const freeSlabs: Uint8Array[] = [];
const MAX_FREE_SLABS = 16;

/**
 * Room for `size` bytes in `slab`: where they go in `slab.bytes` (a given-back slab or a new one
 * of SLAB_BYTES, or a new one of `size` when larger, once the one in use is full). Bytes handed
 * out are never written over until {@link releaseFilledSlabs} gives their slab back.
 */
function placeInSlab(slab: ByteSlab, size: number): number {
  if (slab.bytes.length - slab.used < size) {
    if (slab.bytes.length > 0) (slab.filled ??= []).push(slab.bytes);
    slab.bytes = size <= SLAB_BYTES ? (freeSlabs.pop() ?? new Uint8Array(SLAB_BYTES)) : new Uint8Array(size);
    slab.used = 0;
  }
  const at = slab.used;
  slab.used += size;
  return at;
}

/**
 * Gives back the slabs `slab` filled (with `all`, the one in use too): the caller is done with
 * every byte cut from them, so this thread's next lines are cut into them again.
 */
export function releaseFilledSlabs(slab: ByteSlab, all = false): void {
  const given = slab.filled ?? [];
  if (all && slab.bytes.length > 0) {
    given.push(slab.bytes);
    slab.bytes = new Uint8Array(0);
    slab.used = 0;
  }
  for (const bytes of given)
    if (bytes.length === SLAB_BYTES && freeSlabs.length < MAX_FREE_SLABS) freeSlabs.push(bytes);
  slab.filled = undefined;
}

/** What {@link readStoredLine} reads from a line. */
export interface StoredLine {
  value: unknown;
  findings: Finding[];
  /** The line, when it is its own canonical form. */
  canonicalText?: string;
  /** `C(value without its top-level sig)`, when known from reading the line. */
  withoutSig?: string;
  /** `withoutSig`'s UTF-8 bytes, when cut from the line's own bytes. */
  withoutSigBytes?: Uint8Array;
  /** Where the values of the members `wanted` are in `canonicalText`, when it is set. */
  members?: ReadonlyMap<string, readonly [number, number]> | undefined;
}

/**
 * The JSON value of a line, with the findings its stored form gives. A non-canonical line
 * is still returned (its content can be checked further); an unreadable one is not.
 */
export function readStoredLine(
  path: string,
  read: LineRead,
  ledger?: string,
  /**
   * Where to cut `withoutSigBytes` from instead of a new array each: a slab of them, not
   * written over until the caller gives it back, so they stay valid for a verifier that answers
   * later. A new array for every line cost 1% of a command-line worker and 4% of a browser's,
   * where allocating an ArrayBuffer costs more than filling it.
   */
  slab?: ByteSlab,
  /** Top-level members whose values' places to give, for a canonical line (see `parseCanonical`). */
  wanted?: readonly string[],
): StoredLine {
  // Made only for a finding: most lines have none.
  const where = () => ({ path, line: read.line, ...(ledger !== undefined ? { ledger } : {}) });
  const findings: Finding[] = [];
  if (read.kind === 'too-long') {
    findings.push(
      finding(
        'RECORD_MALFORMED',
        `Line is ${read.length} bytes long, over the limit for one record; it was skipped.`,
        where(),
      ),
    );
    return { value: undefined, findings };
  }
  if (read.kind === 'unterminated') {
    findings.push(
      finding(
        'RECORD_MALFORMED',
        'The file ends without a newline after its last record (the file may have been cut short).',
        where(),
      ),
    );
  }
  const text = decodeUtf8Strict(read.bytes);
  if (text === null) {
    findings.push(finding('RECORD_MALFORMED', 'Line is not valid UTF-8.', where()));
    return { value: undefined, findings };
  }
  if (text.length === 0) {
    findings.push(finding('RECORD_MALFORMED', 'Line is empty; every line must hold one record.', where()));
    return { value: undefined, findings };
  }
  const parsed = parseCanonical(text, wanted);
  if (parsed.ok) {
    const { members, withoutSig, sigAt } = parsed;
    const line: StoredLine = { value: parsed.value, findings, canonicalText: text };
    if (members !== undefined) line.members = members;
    if (withoutSig === undefined) return line;
    line.withoutSig = withoutSig;
    // The line's bytes are its text's own UTF-8, so the signed bytes are the line's bytes
    // without the sig member's, with no encoding again. The cut is placed in the bytes by
    // counting from the end (the sig member is near it in canonical order); an ASCII line has
    // as many bytes as units. In a Chromium worker, encoding the text again cost 30–40 µs a
    // receipt (a new ArrayBuffer each), more than the rest of reading the line.
    if (sigAt === undefined) return line;
    let [from, to] = sigAt;
    if (read.bytes.length !== text.length) {
      const end = read.bytes.length - utf8Length(text, to);
      from = end - utf8Length(text, from, to);
      to = end;
    }
    const before = read.bytes.subarray(0, from);
    const after = read.bytes.subarray(to);
    if (!slab) {
      line.withoutSigBytes = concatBytes([before, after]);
      return line;
    }
    const size = before.length + after.length;
    const at = placeInSlab(slab, size);
    const into = slab.bytes.subarray(at, at + size);
    into.set(before);
    into.set(after, before.length);
    line.withoutSigBytes = into;
    return line;
  }
  if (parsed.reason === 'json') {
    findings.push(finding('RECORD_MALFORMED', `Line is ${parsed.message}.`, where()));
    return { value: undefined, findings };
  }
  // A forbidden number or a non-canonical form: the content is still checked further.
  if (parsed.reason === 'number') findings.push(finding('RECORD_MALFORMED', `Line ${parsed.message}.`, where()));
  else findings.push(finding('RECORD_NONCANONICAL', `Line is ${parsed.message}.`, where()));
  return { value: parsed.value, findings };
}
