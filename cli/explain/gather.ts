/**
 * Finds one receipt in an archive and gathers what `explainReceipt` judges, without a full
 * verification: the small files (manifest, keys, bundles, the ledger's checkpoints, the
 * receipt's attachments), and two passes over ledger lines.
 *
 * 1. Find: the candidate ledgers' segments, two at a time (inflating runs on libuv's
 *    threads, so two segments keep both cores busy), each line searched for the id's bytes
 *    (`"id":"…"`, or `"seq":N` for `ledger#seq`) and parsed only on a hit. Segments past
 *    the one holding the receipt are not read.
 * 2. Its ledger: every segment again (earlier steps of its transaction may be anywhere
 *    before it), parsing only lines that carry the transaction's id; from the receipt on,
 *    each line's hash and prev, to the first checkpoint at or after it (the seal).
 * Everything is streamed; memory holds the transaction's lines and a few per segment.
 */
import { readLines } from '../../shared/archive/lines.ts';
import { forEachSegment, lineAtLazy, readArchiveDocs, type Segment } from '../archive-docs.ts';
import type { ArchiveSource, RawEntry } from '../../shared/archive/source.ts';
import { DEFAULT_LIMITS } from '../../shared/archive/source.ts';
import type { AttachmentMaterial, ExplainMaterials, LineAt, SealWitness } from '../../shared/explain/explain.ts';
import { concatBytes, decodeUtf8Strict } from '../../shared/format/bytes.ts';
import { createHasher, hashOf, type FileDigest } from '../../shared/format/hash.ts';
import { ATTACHMENT_PATH, attachmentPath, checkpointsPath } from '../../shared/format/layout.ts';

/** Which receipt: by id, or by ledger and seq (`gw-eu-1#1042`). */
export type ReceiptLocator = { readonly id: string } | { readonly ledger: string; readonly seq: number };

export class ReceiptNotFoundError extends Error {}

/** Attachment bytes kept to show; the whole attachment is always hashed. */
const MAX_ATTACHMENT_KEPT = 1024 * 1024;

/** Reads `locator` from `locatorText`: `ledger#seq` when that ledger exists, otherwise a receipt id. */
export function parseLocator(text: string, ledgers: ReadonlySet<string>): ReceiptLocator {
  const m = /^(.+)#(\d+)$/.exec(text);
  if (m && ledgers.has(m[1] as string)) return { ledger: m[1] as string, seq: Number(m[2]) };
  return { id: text };
}

export async function gatherMaterials(source: ArchiveSource, locatorText: string): Promise<ExplainMaterials> {
  const { entries, segments, manifest, keys, bundles, digests } = await readArchiveDocs(source);
  const ledgers = new Set(segments.keys());
  const locator = parseLocator(locatorText, ledgers);
  const pass1 = await find(
    source,
    locator,
    [...ledgers].sort().flatMap((l) => segments.get(l) ?? []),
  );
  if (!pass1) {
    throw new ReceiptNotFoundError(
      'id' in locator
        ? `no receipt with id ${JSON.stringify(locator.id)} in ${source.name}`
        : `ledger ${locator.ledger} has no receipt with seq ${locator.seq} in ${source.name}`,
    );
  }
  const { found, ledgerReads } = pass1;
  const ledger = found.target.ledger;
  const checkpointEntry = entries.get(checkpointsPath(ledger));
  const checkpointLines: string[] = [];
  if (checkpointEntry) {
    for await (const read of readLines(source.read(checkpointEntry), DEFAULT_LIMITS.maxLineBytes))
      checkpointLines.push(read.kind === 'too-long' ? '' : (decodeUtf8Strict(read.bytes) ?? ''));
  }
  const target = parse(found.target.text);
  const checkpointSeq = firstCheckpointAtOrAfter(checkpointLines, ledger, target?.seq ?? Number.POSITIVE_INFINITY);
  // Pass 2 reads only what it needs: the segments carrying the transaction (as pass 1 saw
  // them), the receipt's and the next one, those up to the sealing checkpoint, and any
  // segment pass 1 could not read or could not say anything about.
  const ledgerSegments = segments.get(ledger) ?? [];
  const targetIndex = ledgerSegments.findIndex((s) => s.path === found.target.path);
  const key = txnKey(Buffer.from(found.target.text));
  let walkEnd = ledgerSegments.length - 1;
  if (checkpointSeq !== null)
    for (let i = targetIndex; i < ledgerSegments.length; i++) {
      const seq = ledgerReads.get((ledgerSegments[i] as Segment).path)?.lastSeq;
      if (seq !== null && seq !== undefined && seq >= checkpointSeq) {
        walkEnd = i;
        break;
      }
    }
  const needed = (i: number): boolean => {
    const read = ledgerReads.get((ledgerSegments[i] as Segment).path);
    return !read || read.failed || key === null || read.txnKeys.has(key) || (i >= targetIndex && i <= walkEnd + 1);
  };
  const ledgerScan = await scanLedger(
    source,
    ledgerSegments,
    needed,
    found.target,
    typeof target?.seq === 'number' ? target.seq : null,
    typeof target?.txn?.id === 'string' ? target.txn.id : null,
    checkpointSeq,
  );
  if (ledgerScan.targetDigest) digests.set(found.target.path, ledgerScan.targetDigest);

  const attachments = new Map<string, AttachmentMaterial>();
  for (const hash of target?.io ? [target.io.input, target.io.reasoning, target.io.output] : []) {
    if (typeof hash !== 'string' || attachments.has(hash)) continue;
    const path = attachmentPath(hash.replace(/^sha256:/, ''));
    const entry = entries.get(path);
    if (!entry || !ATTACHMENT_PATH.test(path)) continue;
    const read = await readAttachment(source, entry);
    if (read) attachments.set(hash, { name: hash, path, ...read });
  }
  return {
    source: source.name,
    target: found.target,
    previous: found.previous,
    ...(found.previousUnknown !== undefined ? { previousUnknown: found.previousUnknown } : {}),
    next: ledgerScan.next,
    transaction: ledgerScan.transaction,
    ledgerPartlyRead: ledgerScan.partlyRead,
    manifest,
    keys,
    bundles,
    checkpointLines,
    seal: ledgerScan.seal,
    attachments,
    digests,
  };
}

interface Parsed {
  readonly id?: unknown;
  readonly seq?: number;
  readonly prev?: string;
  readonly ledger?: string;
  readonly txn?: { readonly id?: string };
  readonly io?: { readonly input?: string; readonly reasoning?: string; readonly output?: string };
}

function parse(text: string): Parsed | null {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as Parsed) : null;
  } catch {
    return null;
  }
}

function needleOf(locator: ReceiptLocator): Uint8Array {
  return new TextEncoder().encode('id' in locator ? `"id":${JSON.stringify(locator.id)}` : `"seq":${locator.seq}`);
}

function matches(value: Parsed | null, locator: ReceiptLocator): boolean {
  if (!value) return false;
  return 'id' in locator ? value.id === locator.id : value.seq === locator.seq;
}

interface Found {
  readonly target: LineAt;
  readonly previous: LineAt | null;
  /** Why the line stored before it is not known, when it is not (never "first of the ledger"). */
  readonly previousUnknown?: string;
}

interface SegmentRead {
  readonly hit: { target: LineAt; previous: LineAt | null } | null;
  /** Its last line (the line before the next segment's first). */
  readonly last: LineAt | null;
  /** The transaction ids its lines carry (raw bytes of the top-level `txn.id`, as latin1). */
  readonly txnKeys: ReadonlySet<string>;
  /** The seq of its last line, when it could be read. */
  readonly lastSeq: number | null;
  readonly failed: boolean;
}

/**
 * Pass 1: the first line (in ledger, segment, line order) that is the receipt asked for.
 * The ledger that holds it is read to its end, noting which transactions each segment
 * carries and where each ends, so pass 2 reads only the segments it needs.
 */
async function find(
  source: ArchiveSource,
  locator: ReceiptLocator,
  all: readonly Segment[],
): Promise<{ found: Found; ledgerReads: Map<string, SegmentRead> } | null> {
  const candidates = 'ledger' in locator ? all.filter((s) => s.ledger === locator.ledger) : all;
  const needle = needleOf(locator);
  const results: (SegmentRead | undefined)[] = [];
  let stopAfter = Number.POSITIVE_INFINITY;
  await forEachSegment(
    candidates,
    async (segment, index) => {
      // The line before, kept as its bytes and number: a LineAt is made only when one is needed.
      let previousBytes: Uint8Array | null = null;
      let previousLine = 0;
      const previousAt = () => (previousBytes ? lineAtLazy(segment, previousLine, previousBytes) : null);
      let hit: SegmentRead['hit'] = null;
      const txnKeys = new Set<string>();
      let failed = false;
      try {
        for await (const read of readLines(source.read(segment.entry), DEFAULT_LIMITS.maxLineBytes)) {
          if (index > stopAfter) return;
          if (read.kind === 'too-long') {
            previousBytes = null;
            continue;
          }
          const bytes = Buffer.from(read.bytes.buffer, read.bytes.byteOffset, read.bytes.byteLength);
          const key = txnKey(bytes);
          if (key !== null) txnKeys.add(key);
          if (hit === null && bytes.indexOf(needle) >= 0) {
            const text = decodeUtf8Strict(read.bytes) ?? '';
            if (matches(parse(text), locator)) {
              hit = { target: lineAt(segment, read.line, text, read.bytes), previous: previousAt() };
              // Read the rest of this ledger (for pass 2's map), nothing after it.
              let end = index;
              while (candidates[end + 1]?.ledger === segment.ledger) end++;
              stopAfter = Math.min(stopAfter, end);
            }
          }
          previousBytes = read.bytes;
          previousLine = read.line;
        }
      } catch {
        failed = true;
      }
      const previous = previousAt();
      const lastSeq = previous ? seqOf(previous) : null;
      results[index] = { hit, last: previous, txnKeys, lastSeq, failed };
    },
    (index) => index <= stopAfter,
  );
  const index = results.findIndex((r) => r?.hit);
  if (index < 0) return null;
  const hit = (results[index] as SegmentRead & { hit: NonNullable<SegmentRead['hit']> }).hit;
  const segment = candidates[index] as Segment;
  let previous = hit.previous;
  let previousUnknown: string | undefined;
  if (hit.target.line > 1 && previous === null)
    previousUnknown = `line ${hit.target.line - 1} of ${segment.path} is over the line-length limit and was not read`;
  if (hit.target.line === 1 && previous === null) {
    // Its segment's first line: the line before is the previous segment's last, if any.
    const prior = candidates[index - 1];
    if (prior && prior.ledger === segment.ledger) {
      const priorRead = results[index - 1];
      previous = priorRead?.last ? materialize(priorRead.last) : await lastLine(source, prior).catch(() => null);
      if (previous === null) previousUnknown = `the last line of ${prior.path} could not be read`;
    }
  }
  const ledgerReads = new Map<string, SegmentRead>();
  candidates.forEach((c, i) => {
    const r = results[i];
    if (c.ledger === segment.ledger && r) ledgerReads.set(c.path, r);
  });
  return {
    found: {
      target: hit.target,
      previous: previous ? materialize(previous) : null,
      ...(previousUnknown !== undefined ? { previousUnknown } : {}),
    },
    ledgerReads,
  };
}

/**
 * The raw bytes of a line's top-level `txn.id` (latin1), found without parsing: in the
 * canonical form `txn` is the last member but `v`, so its last occurrence is the
 * top-level one. A wrong guess only makes pass 2 read more, never less: when no key can be
 * found the caller reads every segment.
 */
function txnKey(buffer: Buffer): string | null {
  const at = buffer.lastIndexOf(TXN_OPEN);
  if (at < 0) return null;
  const id = buffer.indexOf(ID_OPEN, at);
  if (id < 0) return null;
  const end = buffer.indexOf(QUOTE, id + ID_OPEN.length);
  return end < 0 ? null : buffer.toString('latin1', id + ID_OPEN.length, end);
}
const TXN_OPEN = Buffer.from('"txn":{');
const ID_OPEN = Buffer.from('"id":"');
const QUOTE = 0x22;

function seqOf(line: LineAt): number | null {
  const value = parse(line.text);
  return typeof value?.seq === 'number' ? value.seq : null;
}

/** Pass 2 over the receipt's ledger: transaction steps, the line after it, the seal, its segment's digest. */
async function scanLedger(
  source: ArchiveSource,
  segments: readonly Segment[],
  needed: (index: number) => boolean,
  target: LineAt,
  targetSeq: number | null,
  txnId: string | null,
  checkpointSeq: number | null,
): Promise<{
  transaction: LineAt[];
  next: LineAt | null;
  seal: SealWitness;
  partlyRead: boolean;
  targetDigest: FileDigest | null;
}> {
  const targetSegment = segments.findIndex((s) => s.path === target.path);
  const txnNeedle = txnId === null ? null : new TextEncoder().encode(`"id":${JSON.stringify(txnId)}`);
  /** The chain is followed from the receipt to its checkpoint (unless the receipt is the checkpoint's). */
  const walk = checkpointSeq !== null && targetSeq !== null && checkpointSeq > targetSeq;
  interface SegmentScan {
    txn: LineAt[];
    /** The segment's first line, and the line after the receipt in the receipt's segment. */
    firstLine: LineAt | null;
    next: LineAt | null;
    /** The walk through this segment: prev of its first line, where it broke, the head line's hash, the last hash. */
    walkStartPrev: string | null | undefined;
    walkBroken: { path: string; line: number; seq: number | null } | null;
    walkHead: string | null;
    walkLastHash: string | null;
    failed: boolean;
    /** Not read: pass 1 showed nothing needed from it. */
    skipped: boolean;
    digest: FileDigest | null;
  }
  const scans: SegmentScan[] = new Array<SegmentScan>(segments.length);
  let reachedIn = Number.POSITIVE_INFINITY; // segment index where the walk reached the checkpoint
  await forEachSegment(segments, async (segment, index) => {
    const scan: SegmentScan = {
      txn: [],
      firstLine: null,
      next: null,
      walkStartPrev: undefined,
      walkBroken: null,
      walkHead: null,
      walkLastHash: null,
      failed: false,
      skipped: !needed(index),
      digest: null,
    };
    if (scan.skipped) {
      scans[index] = scan;
      return;
    }
    let following = index > targetSegment; // lines after the receipt
    let walking = walk && following && index <= reachedIn;
    const hasher = index === targetSegment ? createHasher() : null;
    let bytes = 0;
    const chunks = async function* () {
      for await (const chunk of source.read(segment.entry)) {
        hasher?.update(chunk);
        bytes += chunk.length;
        yield chunk;
      }
    };
    try {
      for await (const read of readLines(chunks(), DEFAULT_LIMITS.maxLineBytes)) {
        if (read.kind === 'too-long') {
          if (walking && scan.walkBroken === null) scan.walkBroken = { path: segment.path, line: read.line, seq: null };
          scan.walkLastHash = null;
          continue;
        }
        const isTarget = index === targetSegment && read.line === target.line;
        const carriesTxn = txnNeedle !== null && indexOf(read.bytes, txnNeedle) >= 0;
        const wantNext = following && scan.next === null && index === targetSegment;
        if (read.line === 1 && index !== targetSegment) scan.firstLine = lineAtLazy(segment, read.line, read.bytes);
        if (!carriesTxn && !walking && !isTarget && !wantNext) continue;
        const line = lineAt(segment, read.line, decodeUtf8Strict(read.bytes) ?? '', read.bytes);
        const value = carriesTxn || walking ? parse(line.text) : null;
        if (carriesTxn && value?.txn?.id === txnId) scan.txn.push(line);
        if (wantNext) scan.next = line;
        if (isTarget) {
          following = true;
          walking = walk;
          scan.walkLastHash = line.hash;
          scan.walkStartPrev = line.hash === target.hash ? null : undefined;
          continue;
        }
        if (!walking) continue;
        const prev = typeof value?.prev === 'string' ? value.prev : null;
        if (scan.walkStartPrev === undefined) scan.walkStartPrev = prev ?? '';
        else if (scan.walkStartPrev === null) {
          // First line after the receipt in its own segment: it must link to the receipt.
          scan.walkStartPrev = prev ?? '';
        } else if (scan.walkBroken === null && prev !== scan.walkLastHash)
          scan.walkBroken = {
            path: segment.path,
            line: read.line,
            seq: typeof value?.seq === 'number' ? value.seq : null,
          };
        scan.walkLastHash = line.hash;
        if (value?.seq === checkpointSeq) {
          scan.walkHead = line.hash;
          walking = false;
          reachedIn = Math.min(reachedIn, index);
        }
      }
    } catch {
      scan.failed = true;
    }
    if (hasher && !scan.failed) scan.digest = { bytes, sha256: hasher.digest() };
    scans[index] = scan;
  });

  let seal: SealWitness;
  if (checkpointSeq === null) seal = { via: 'none', reason: 'no checkpoint of the ledger reaches this receipt' };
  else if (!walk) seal = { via: 'scan', checkpointSeq, headHash: target.hash, brokenAt: null };
  else {
    // Join the walk across segments: each part must start where the one before ended.
    let brokenAt: { path: string; line: number; seq: number | null } | null = null;
    let headHash: string | null = null;
    let carried: string | null = target.hash;
    let skipped = false;
    for (let i = targetSegment; i < scans.length && headHash === null && brokenAt === null; i++) {
      const scan = scans[i] as SegmentScan;
      const path = (segments[i] as Segment).path;
      if (scan.skipped) {
        skipped = true;
        break;
      }
      if (scan.failed) brokenAt = { path, line: 0, seq: null };
      else if (scan.walkStartPrev !== undefined && scan.walkStartPrev !== null && scan.walkStartPrev !== carried)
        brokenAt = { path, line: i === targetSegment ? target.line + 1 : 1, seq: null };
      else brokenAt = scan.walkBroken;
      headHash = scan.walkHead;
      if (scan.walkLastHash !== null || scan.walkStartPrev !== undefined) carried = scan.walkLastHash;
    }
    seal =
      skipped && headHash === null && brokenAt === null
        ? {
            via: 'none',
            reason: `the ledger's seqs are not in order, so the segment that holds seq ${checkpointSeq} was not found; run tickmark verify`,
          }
        : { via: 'scan', checkpointSeq, headHash, brokenAt };
  }
  const after = scans[targetSegment + 1]?.firstLine;
  return {
    transaction: scans.flatMap((s) => s.txn),
    next: scans[targetSegment]?.next ?? (after ? materialize(after) : null),
    seal,
    partlyRead: scans.some((s) => s.failed),
    targetDigest: scans[targetSegment]?.digest ?? null,
  };
}

function firstCheckpointAtOrAfter(lines: readonly string[], ledger: string, seq: number): number | null {
  let last = 0;
  for (const text of lines) {
    const value = parse(text) as { seq?: unknown; ledger?: unknown } | null;
    if (!value || value.ledger !== ledger || typeof value.seq !== 'number' || value.seq <= last) continue;
    last = value.seq;
    if (value.seq >= seq) return value.seq;
  }
  return null;
}

function lineAt(segment: Segment, line: number, text: string, bytes: Uint8Array): LineAt {
  return { ledger: segment.ledger, path: segment.path, line, text, hash: hashOf(bytes) };
}

async function lastLine(source: ArchiveSource, segment: Segment): Promise<LineAt | null> {
  let last: LineAt | null = null;
  for await (const read of readLines(source.read(segment.entry), DEFAULT_LIMITS.maxLineBytes))
    last = read.kind === 'too-long' ? null : lineAtLazy(segment, read.line, read.bytes);
  return last ? { ...materialize(last) } : null;
}

function materialize(line: LineAt): LineAt {
  return { ledger: line.ledger, path: line.path, line: line.line, text: line.text, hash: line.hash };
}

async function readAttachment(
  source: ArchiveSource,
  entry: RawEntry,
): Promise<Omit<AttachmentMaterial, 'name' | 'path'> | null> {
  const hasher = createHasher();
  const kept: Uint8Array[] = [];
  let size = 0;
  let keptSize = 0;
  try {
    for await (const chunk of source.read(entry)) {
      hasher.update(chunk);
      size += chunk.length;
      if (keptSize < MAX_ATTACHMENT_KEPT) {
        const part = chunk.subarray(0, MAX_ATTACHMENT_KEPT - keptSize);
        kept.push(part.slice());
        keptSize += part.length;
      }
    }
  } catch {
    return null;
  }
  return { size, sha256: hasher.digest(), bytes: concatBytes(kept), truncated: keptSize < size };
}

/** Index of `needle` in `haystack`, or -1 (Node's native search: JSON is full of '"', so a byte-at-a-time scan is slow). */
function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).indexOf(needle);
}
