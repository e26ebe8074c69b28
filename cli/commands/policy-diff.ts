/**
 * `tickmark policy-diff <archive> <from> <to> [--trust-root <hex>]... [--json]`: what changed
 * between two versions of a policy bundle, and which recorded decisions the change flips
 * (every recorded request replayed under both). `<from>`/`<to>`: `id@version`, a bundle hash
 * or a unique prefix of one, or the path of a bundle JSON file (a proposed change, checked
 * and shown, never required to be signed). Exit like diff(1): 0 no outcome changes, 1 some,
 * 2 could not run.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { DEFAULT_LIMITS, type ArchiveSource } from '../../shared/archive/source.ts';
import type { CedarFormatting } from '../../shared/decisions/policy-status.ts';
import { buildKeyring } from '../../shared/engine/keys.ts';
import { FreePieceBuffers, PIECE_BYTES, splitIntoPieces, type SegmentPiece } from '../../shared/engine/pieces.ts';
import { runInOrder } from '../../shared/engine/pool-core.ts';
import { readAhead } from '../../shared/engine/read-ahead.ts';
import { pieceLines } from '../../shared/engine/segment-task.ts';
import { diffBundles, type BundleDiff, type BundleSide } from '../../shared/policy/diff.ts';
import { ImpactCollector, type Impact } from '../../shared/policy/impact.ts';
import { policyDiffJson } from '../../shared/policy/json.ts';
import { replayLines } from '../../shared/policy/replay.ts';
import { bundleSide } from '../../shared/policy/sides.ts';
import { UsageError, parseArgs, parseTrustRoots, type CommandIo } from '../args.ts';
import { readArchiveDocs, type ArchiveDocs, type Segment } from '../archive-docs.ts';
import { nodeCedar } from '../cedar-node.ts';
import { nativeStrictVerifier } from '../native-ed25519.ts';
import { useNativeSha256 } from '../native-sha256.ts';
import { openArchiveForCommand } from '../open-archive.ts';
import {
  defaultPoolSize,
  poolOrThisThread,
  startReplayPool,
  type PoolOptions,
  type ReplayPool,
} from '../pool/pool-runner.ts';

export const POLICY_DIFF_USAGE =
  'usage: tickmark policy-diff <archive.zip | archive-dir> <from> <to> [--trust-root <64-hex public key>]... [--json] [--workers N]\n' +
  '  <from>, <to>: id@version, a bundle hash (or a unique prefix), or the path of a bundle JSON file';

const cedar = nodeCedar as CedarFormatting;

/** @param pool where the replay workers' code comes from (tests give a worker that cannot start). */
export async function runPolicyDiff(argv: readonly string[], io: CommandIo, pool: PoolOptions = {}): Promise<number> {
  const args = parseArgs(argv, {
    multi: ['trust-root'],
    single: ['workers'],
    flags: ['json'],
    usage: POLICY_DIFF_USAGE,
  });
  const [path, fromRef, toRef, ...extra] = args.positional;
  if (path === undefined || fromRef === undefined || toRef === undefined || extra.length > 0)
    throw new UsageError(`policy-diff takes one archive and two bundles\n${POLICY_DIFF_USAGE}`);
  const trustedRoots = parseTrustRoots(args.multi['trust-root']);
  const workers = args.single.workers === undefined ? defaultPoolSize() : Number(args.single.workers);
  if (!(Number.isInteger(workers) && workers >= 1 && workers <= 64))
    throw new UsageError(`--workers must be a whole number from 1 to 64, got "${args.single.workers}"`);
  useNativeSha256();
  const source = await openArchiveForCommand(path);
  try {
    const docs = await readArchiveDocs(source);
    const keyring = buildKeyring(docs.keys, trustedRoots, nativeStrictVerifier).keyring;
    const archiveSides: BundleSide[] = [];
    for (const { path: p, value } of docs.bundles) {
      const side = bundleSide(p, value, keyring, nativeStrictVerifier, true);
      if (!('error' in side)) archiveSides.push(side);
    }
    const from = await resolveRef(fromRef, archiveSides, keyring);
    const to = await resolveRef(toRef, archiveSides, keyring);
    const diff = diffBundles(cedar, from, to);
    const impact = await replayAll(source, docs, from, to, workers, pool, (text) =>
      io.stderr(`tickmark policy-diff: ${text}\n`),
    );
    io.stdout(
      args.flags.json
        ? JSON.stringify({
            ...policyDiffJson(diff, impact),
            not_read: { lines: impact.notRead.lines, segments: impact.notRead.segments },
          }) + '\n'
        : formatDiff(diff, impact),
    );
    // Not evaluated or not read is not "no change": only a full, clean replay exits 0.
    const incomplete = impact.errorCount > 0 || impact.notRead.lines > 0 || impact.notRead.segments.length > 0;
    return impact.changed.length > 0 || incomplete ? 1 : 0;
  } finally {
    await source.close();
  }
}

/** A bundle reference as the command line takes it; UsageError (exit 2) naming what is present otherwise. */
async function resolveRef(
  ref: string,
  sides: readonly BundleSide[],
  keyring: ReturnType<typeof buildKeyring>['keyring'],
): Promise<BundleSide> {
  const present = () =>
    sides.length === 0
      ? 'the archive holds no readable policy bundle'
      : `bundles in the archive: ${sides.map((s) => `${s.body.id}@${s.body.version} (${s.hash.slice(0, 19)}…)`).join(', ')}`;
  const at = /^(.+)@(\d+)$/.exec(ref);
  if (at) {
    const found = sides.filter((s) => s.body.id === at[1] && s.body.version === Number(at[2]));
    if (found.length === 1) return found[0] as BundleSide;
    if (found.length > 1) throw new UsageError(`${ref} names ${found.length} different bundles; name one by its hash`);
    if (!existsSync(ref)) throw new UsageError(`no bundle ${ref} in the archive; ${present()}`);
  }
  const prefix = ref.startsWith('sha256:') ? ref : `sha256:${ref}`;
  if (/^sha256:[0-9a-f]{4,64}$/.test(prefix) && !existsSync(ref)) {
    const found = sides.filter((s) => s.hash.startsWith(prefix));
    if (found.length === 1) return found[0] as BundleSide;
    throw new UsageError(
      found.length === 0
        ? `no bundle with a hash starting ${prefix}; ${present()}`
        : `${prefix} is the start of ${found.length} bundles' hashes; give more of it`,
    );
  }
  if (!existsSync(ref)) throw new UsageError(`${ref} is neither a bundle in the archive nor a file; ${present()}`);
  // A proposed bundle file: its signatures are checked and shown, never required.
  const text = await readFile(ref, 'utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${ref} is not JSON: ${(error as Error).message}`);
  }
  const side = bundleSide(ref, value, keyring, nativeStrictVerifier, false);
  if ('error' in side) throw new UsageError(side.error);
  return side;
}

/**
 * Replays every receipt of the archive under both bundles. This thread reads each segment
 * file once, in ledger order, and cuts it into pieces of whole lines; with more than one
 * worker, worker threads replay the pieces (each with its own Cedar and memo) and their
 * parts are absorbed in ledger order, so the output is the same whatever the pool's size.
 */
async function replayAll(
  source: ArchiveSource,
  docs: ArchiveDocs,
  from: BundleSide,
  to: BundleSide,
  workers: number,
  pool: PoolOptions,
  note: (text: string) => void,
): Promise<Impact & { notRead: { lines: number; segments: string[] } }> {
  const notRead = { lines: 0, segments: [] as string[] };
  const collector = new ImpactCollector(cedar, from, to);
  const all: Segment[] = [...docs.segments.keys()].sort().flatMap((l) => docs.segments.get(l) ?? []);
  const maxLine = DEFAULT_LIMITS.maxLineBytes;
  // The pool's threads move each replayed piece's buffer back; the next piece is read into it.
  const pieceBuffers = new FreePieceBuffers();
  // Two files decompressed at once (zlib works on libuv's threads), pieces taken in ledger order.
  const reads = all.map(
    (segment) =>
      async function* () {
        for await (const read of splitIntoPieces(
          source.read(segment.entry),
          PIECE_BYTES,
          maxLine,
          segment.entry.declaredSize,
          PIECE_BYTES,
          pieceBuffers,
        ))
          yield { ...read, path: segment.path };
      },
  );
  async function* pieces(): AsyncGenerator<SegmentPiece> {
    for await (const { piece, failure, path } of readAhead(reads, 2, 2)) {
      // An unreadable segment: the lines read before the failure are replayed, the rest
      // are not, and the output names the segment.
      if (failure !== undefined) notRead.segments.push(path);
      yield piece;
    }
  }
  const runner = await poolOrThisThread(
    workers,
    () => startReplayPool(from, to, workers, { ...pool, pieceBuffers }),
    () => inThisThread(from, to, maxLine),
    note,
    'replaying in this thread',
  );
  try {
    await runInOrder(pieces(), runner, undefined, (_piece, result) => {
      collector.absorb(result.part);
      notRead.lines += result.notReadLines;
    });
  } finally {
    await runner.close();
  }
  return { ...collector.result(), notRead };
}

/** The replay workers' work, in this thread (`--workers 1`, or one core). */
function inThisThread(from: BundleSide, to: BundleSide, maxLine: number): ReplayPool {
  const local = new ImpactCollector(cedar, from, to);
  return {
    concurrency: 1,
    run: async (piece) => ({ notReadLines: await replayLines(pieceLines(piece, maxLine), local), part: local.drain() }),
    close: async () => undefined,
  };
}

function formatDiff(diff: BundleDiff, impact: Impact & { notRead: { lines: number; segments: string[] } }): string {
  const out: string[] = [];
  const name = (s: BundleSide) =>
    `${s.body.id} v${s.body.version} (${s.hash.slice(0, 19)}…${s.inArchive ? '' : `, file ${s.path}`})`;
  out.push(`Policy diff: ${name(diff.from)} → ${name(diff.to)}`, '');
  out.push('Fields that differ');
  const changed = diff.fields.filter((f) => f.changed);
  if (changed.length === 0) out.push('  none');
  for (const f of changed) out.push(`  ${f.field}:\n    - ${f.from}\n    + ${f.to}`);
  const p = diff.policies;
  out.push(
    '',
    `Policies: ${p.added.length} added, ${p.removed.length} removed, ${p.changed.length} changed, ${p.unchanged.length} unchanged` +
      (p.unchangedAfterFormatting.length
        ? ` (${p.unchangedAfterFormatting.length} unchanged after formatting: ${p.unchangedAfterFormatting.join(', ')})`
        : ''),
  );
  for (const d of diff.perPolicy) {
    if (d.change === 'unchanged' || d.change === 'unchanged-after-formatting') continue;
    out.push('', `  ${d.change.toUpperCase()} ${d.id}`);
    if (d.scopeChanged.length > 0 && d.fromScope && d.toScope)
      for (const k of d.scopeChanged) out.push(`    scope ${k}: ${String(d.fromScope[k])} → ${String(d.toScope[k])}`);
    for (const line of d.lines)
      out.push(`    ${line.kind === 'added' ? '+' : line.kind === 'removed' ? '-' : ' '} ${line.text}`);
  }
  out.push(
    '',
    `Decision impact over ${impact.evaluated} recorded requests: ${impact.unchanged} unchanged, ${impact.changed.length} changed ` +
      `(allow → deny ${impact.counts.allowToDeny}, deny → allow ${impact.counts.denyToAllow}, same effect by other policies ${impact.counts.otherPolicies}), ` +
      `${impact.errorCount} not evaluated`,
  );
  if (impact.notRead.lines > 0 || impact.notRead.segments.length > 0)
    out.push(
      `  NOT READ: ${impact.notRead.lines} line(s) that are not receipts${impact.notRead.segments.length ? `, segments that could not be read: ${impact.notRead.segments.join(', ')}` : ''} (run tickmark verify)`,
    );
  for (const [policy, n] of Object.entries(impact.byPolicy).sort((a, b) => b[1] - a[1]))
    out.push(`  policy ${policy}: ${n}`);
  for (const [action, c] of Object.entries(impact.byAction).sort())
    out.push(
      `  action ${action}: allow→deny ${c.allowToDeny}, deny→allow ${c.denyToAllow}, other policies ${c.otherPolicies}`,
    );
  const shown = impact.changed.slice(0, 20);
  if (shown.length) out.push('', 'Changed outcomes (first 20; --json lists all)');
  for (const c of shown)
    out.push(
      `  ${c.ledger}#${c.seq} ${c.receipt} ${c.action}: ${c.from.effect} by [${c.from.policies.join(', ')}] → ${c.to.effect} by [${c.to.policies.join(', ')}]`,
    );
  for (const e of impact.errors.slice(0, 5))
    out.push(`  not evaluated: ${e.ledger}#${e.seq} ${e.receipt} under ${e.side}: ${e.message}`);
  return out.join('\n') + '\n';
}
