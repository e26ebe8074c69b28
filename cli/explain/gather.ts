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
import type { ArchiveSource, RawEntry } from '../../shared/archive/source.ts';
import { DEFAULT_LIMITS } from '../../shared/archive/source.ts';
import type { AttachmentMaterial, ExplainMaterials, LineAt, SealWitness } from '../../shared/explain/explain.ts';
import { decodeUtf8Strict } from '../../shared/format/bytes.ts';
import { createHasher, hashOf, type FileDigest } from '../../shared/format/hash.ts';
import {
  ATTACHMENT_PATH,
  KEYS_PATH,
  MANIFEST_PATH,
  SEGMENT_PATH,
  attachmentPath,
  checkpointsPath,
} from '../../shared/format/layout.ts';

/** Which receipt: by id, or by ledger and seq (`gw-eu-1#1042`). */
export type ReceiptLocator = { readonly id: string } | { readonly ledger: string; readonly seq: number };

export class ReceiptNotFoundError extends Error {}

const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;
/** Attachment bytes kept to show; the whole attachment is always hashed. */
const MAX_ATTACHMENT_KEPT = 1024 * 1024;
const CONCURRENCY = 2;

interface Segment {
  readonly ledger: string;
  readonly path: string;
  readonly entry: RawEntry;
}

/** Reads `locator` from `locatorText`: `ledger#seq` when that ledger exists, otherwise a receipt id. */
export function parseLocator(text: string, ledgers: ReadonlySet<string>): ReceiptLocator {
  const m = /^(.+)#(\d+)$/.exec(text);
  if (m && ledgers.has(m[1] as string)) return { ledger: m[1] as string, seq: Number(m[2]) };
  return { id: text };
}

export async function gatherMaterials(source: ArchiveSource, locatorText: string): Promise<ExplainMaterials> {
  const entries = new Map<string, RawEntry>();
  for (const entry of await source.entries()) {
    if (entry.isDirectory || entry.invalidName || entry.unsupported) continue;
    if (!entries.has(entry.name)) entries.set(entry.name, entry);
  }
  const segments = new Map<string, Segment[]>();
  for (const [path, entry] of entries) {
    const m = SEGMENT_PATH.exec(path);
    if (!m) continue;
    const ledger = m[1] as string;
    const list = segments.get(ledger) ?? [];
    list.push({ ledger, path, entry });
    segments.set(ledger, list);
  }
  for (const list of segments.values()) list.sort((a, b) => (a.path < b.path ? -1 : 1));
  const ledgers = new Set(segments.keys());
  const locator = parseLocator(locatorText, ledgers);

  const found = await find(
    source,
    locator,
    [...ledgers].sort().flatMap((l) => segments.get(l) ?? []),
  );
  if (!found) {
    throw new ReceiptNotFoundError(
      'id' in locator
        ? `no receipt with id ${JSON.stringify(locator.id)} in ${source.name}`
        : `ledger ${locator.ledger} has no receipt with seq ${locator.seq} in ${source.name}`,
    );
  }
  const digests = new Map<string, FileDigest>();
  const doc = async (path: string): Promise<unknown> => {
    const entry = entries.get(path);
    if (!entry) return undefined;
    const bytes = await readWhole(source, entry, MAX_DOCUMENT_BYTES);
    if (!bytes) return undefined;
    digests.set(path, { bytes: bytes.length, sha256: hashOf(bytes) });
    const text = decodeUtf8Strict(bytes);
    if (text === null) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  };
  const manifest = await doc(MANIFEST_PATH);
  digests.delete(MANIFEST_PATH);
  const keys = await doc(KEYS_PATH);
  const bundles: { path: string; value: unknown }[] = [];
  for (const path of [...entries.keys()].filter((p) => /^policies\/[^/]+\.json$/.test(p)).sort()) {
    const value = await doc(path);
    if (value !== undefined) bundles.push({ path, value });
  }
  const ledger = found.target.ledger;
  const checkpointEntry = entries.get(checkpointsPath(ledger));
  const checkpointLines: string[] = [];
  if (checkpointEntry) {
    for await (const read of readLines(source.read(checkpointEntry), DEFAULT_LIMITS.maxLineBytes))
      checkpointLines.push(read.kind === 'too-long' ? '' : (decodeUtf8Strict(read.bytes) ?? ''));
  }
  const target = parse(found.target.text);
  const checkpointSeq = firstCheckpointAtOrAfter(checkpointLines, ledger, target?.seq ?? Number.POSITIVE_INFINITY);
  const ledgerScan = await scanLedger(
    source,
    segments.get(ledger) ?? [],
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
}

/** Pass 1: the first line (in ledger, segment, line order) that is the receipt asked for. */
async function find(source: ArchiveSource, locator: ReceiptLocator, all: readonly Segment[]): Promise<Found | null> {
  const candidates = 'ledger' in locator ? all.filter((s) => s.ledger === locator.ledger) : all;
  const needle = needleOf(locator);
  const results: ({ hit: { target: LineAt; previous: LineAt | null } | null; last: LineAt | null } | undefined)[] = [];
  let stopAfter = Number.POSITIVE_INFINITY;
  let next = 0;
  const worker = async () => {
    for (;;) {
      const index = next++;
      if (index >= candidates.length || index > stopAfter) return;
      const segment = candidates[index] as Segment;
      let previous: LineAt | null = null;
      let hit: { target: LineAt; previous: LineAt | null } | null = null;
      for await (const read of readLines(source.read(segment.entry), DEFAULT_LIMITS.maxLineBytes)) {
        if (index > stopAfter) return;
        if (read.kind === 'too-long') {
          previous = null;
          continue;
        }
        if (hit === null && indexOf(read.bytes, needle) >= 0) {
          const text = decodeUtf8Strict(read.bytes) ?? '';
          if (matches(parse(text), locator)) {
            hit = { target: lineAt(segment, read.line, text, read.bytes), previous };
            stopAfter = Math.min(stopAfter, index);
          }
        }
        previous = hit === null ? lineAtLazy(segment, read.line, read.bytes) : previous;
        if (hit !== null) break;
      }
      results[index] = { hit, last: hit === null ? previous : null };
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const index = results.findIndex((r) => r?.hit);
  if (index < 0) return null;
  const hit = (results[index] as { hit: { target: LineAt; previous: LineAt | null } }).hit;
  const segment = candidates[index] as Segment;
  let previous = hit.previous;
  if (hit.target.line === 1 && previous === null) {
    // Its segment's first line: the line before is the previous segment's last, if any.
    const prior = candidates[index - 1];
    if (prior && prior.ledger === segment.ledger) {
      previous = results[index - 1]?.last ?? (await lastLine(source, prior));
    }
  }
  return { target: hit.target, previous };
}

/** Pass 2 over the receipt's ledger: transaction steps, the line after it, the seal, its segment's digest. */
async function scanLedger(
  source: ArchiveSource,
  segments: readonly Segment[],
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
    digest: FileDigest | null;
  }
  const scans: SegmentScan[] = new Array<SegmentScan>(segments.length);
  let reachedIn = Number.POSITIVE_INFINITY; // segment index where the walk reached the checkpoint
  let next = 0;
  const worker = async () => {
    for (;;) {
      const index = next++;
      if (index >= segments.length) return;
      const segment = segments[index] as Segment;
      const scan: SegmentScan = {
        txn: [],
        firstLine: null,
        next: null,
        walkStartPrev: undefined,
        walkBroken: null,
        walkHead: null,
        walkLastHash: null,
        failed: false,
        digest: null,
      };
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
            if (walking && scan.walkBroken === null)
              scan.walkBroken = { path: segment.path, line: read.line, seq: null };
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
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));

  let seal: SealWitness;
  if (checkpointSeq === null) seal = { via: 'none', reason: 'no checkpoint of the ledger reaches this receipt' };
  else if (!walk) seal = { via: 'scan', checkpointSeq, headHash: target.hash, brokenAt: null };
  else {
    // Join the walk across segments: each part must start where the one before ended.
    let brokenAt: { path: string; line: number; seq: number | null } | null = null;
    let headHash: string | null = null;
    let carried: string | null = target.hash;
    for (let i = targetSegment; i < scans.length && headHash === null && brokenAt === null; i++) {
      const scan = scans[i] as SegmentScan;
      const path = (segments[i] as Segment).path;
      if (scan.failed) brokenAt = { path, line: 0, seq: null };
      else if (scan.walkStartPrev !== undefined && scan.walkStartPrev !== null && scan.walkStartPrev !== carried)
        brokenAt = { path, line: i === targetSegment ? target.line + 1 : 1, seq: null };
      else brokenAt = scan.walkBroken;
      headHash = scan.walkHead;
      if (scan.walkLastHash !== null || scan.walkStartPrev !== undefined) carried = scan.walkLastHash;
    }
    seal = { via: 'scan', checkpointSeq, headHash, brokenAt };
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

/** A line kept as bytes until needed (the previous line is replaced on every line). */
function lineAtLazy(segment: Segment, line: number, bytes: Uint8Array): LineAt {
  let text: string | undefined;
  let hash: string | undefined;
  return {
    ledger: segment.ledger,
    path: segment.path,
    line,
    get text() {
      return (text ??= decodeUtf8Strict(bytes) ?? '');
    },
    get hash() {
      return (hash ??= hashOf(bytes));
    },
  };
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

async function readWhole(source: ArchiveSource, entry: RawEntry, max: number): Promise<Uint8Array | null> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of source.read(entry)) {
      size += chunk.length;
      if (size > max) return null;
      chunks.push(chunk);
    }
  } catch {
    return null;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
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
  const bytes = new Uint8Array(keptSize);
  let at = 0;
  for (const c of kept) {
    bytes.set(c, at);
    at += c.length;
  }
  return { size, sha256: hasher.digest(), bytes, truncated: keptSize < size };
}

/** Index of `needle` in `haystack`, or -1 (first byte found natively, then compared). */
function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  const first = needle[0] as number;
  const last = haystack.length - needle.length;
  let i = haystack.indexOf(first);
  while (i !== -1 && i <= last) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
    i = haystack.indexOf(first, i + 1);
  }
  return -1;
}
