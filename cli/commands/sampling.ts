/**
 * Sampling for tests of controls:
 * - `tickmark sample-size --confidence <pct> --tolerable <pct> --expected <pct> [--json]`
 * - `tickmark evaluate --size <n> --deviations <k> --confidence <pct> [--tolerable <pct>] [--json]`
 * - `tickmark sample <archive> --seed <text> --size <n> [--stratify ledger|agent|action]
 *   [--ledger L] [--agent A] [--action X] [--json] [--workers N]` (FORMAT.md §9): reads each
 *   receipt line and its hash only, no verification; the lines are hashed and ranked in the
 *   pool of worker threads, piece by piece.
 * Bad parameters exit 2 with a sentence.
 */
import { DEFAULT_LIMITS, type ArchiveSource } from '../../shared/archive/source.ts';
import { FreePieceBuffers, PIECE_BYTES, splitIntoPieces, type SegmentPiece } from '../../shared/engine/pieces.ts';
import { runInOrder } from '../../shared/engine/pool-core.ts';
import { readAhead } from '../../shared/engine/read-ahead.ts';
import { evaluateSample, sampleSize, SamplingInputError } from '../../shared/sampling/attribute.ts';
import { samplePiece, type SamplePieceTask, type SampleRule } from '../../shared/sampling/piece.ts';
import { SampleSelector, stratumSeed, type Candidate } from '../../shared/sampling/select.ts';
import { UsageError, parseArgs, type CommandIo } from '../args.ts';
import { readArchiveDocs, type ArchiveDocs, type Segment } from '../archive-docs.ts';
import { useNativeSha256 } from '../native-sha256.ts';
import { openArchiveForCommand } from '../open-archive.ts';
import {
  defaultPoolSize,
  poolOrThisThread,
  startSamplePool,
  type PoolOptions,
  type SamplePool,
} from '../pool/pool-runner.ts';

const SIZE_USAGE =
  'usage: tickmark sample-size --confidence <percent> --tolerable <percent> --expected <percent> [--json]';
const EVALUATE_USAGE =
  'usage: tickmark evaluate --size <n> --deviations <k> --confidence <percent> [--tolerable <percent>] [--json]';
const SAMPLE_USAGE =
  'usage: tickmark sample <archive.zip | archive-dir> --seed <text> --size <n> [--stratify ledger|agent|action] [--ledger <id>] [--agent <id>] [--action <id>] [--json] [--workers N]';

function required(value: string | undefined, name: string, usage: string): string {
  if (value === undefined) throw new UsageError(`--${name} is required\n${usage}`);
  return value;
}

function wholeNumber(text: string, name: string): number {
  if (!/^\d{1,9}$/.test(text)) throw new UsageError(`--${name} must be a whole number, got "${text}"`);
  return Number(text);
}

function sampling<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof SamplingInputError) throw new UsageError(error.message);
    throw error;
  }
}

export async function runSampleSize(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseArgs(argv, { single: ['confidence', 'tolerable', 'expected'], flags: ['json'], usage: SIZE_USAGE });
  if (args.positional.length > 0) throw new UsageError(`sample-size takes no archive\n${SIZE_USAGE}`);
  const input = {
    confidence: required(args.single.confidence, 'confidence', SIZE_USAGE),
    tolerable: required(args.single.tolerable, 'tolerable', SIZE_USAGE),
    expected: args.single.expected ?? '0',
  };
  const size = sampling(() => sampleSize(input));
  if (args.flags.json)
    io.stdout(
      JSON.stringify({
        sample_size: size.sampleSize,
        expected_deviations: size.expectedDeviations,
        confidence: input.confidence,
        tolerable_rate: input.tolerable,
        expected_rate: input.expected,
        upper_limit_at_expected_deviations: size.upperLimit,
        risk_at_tolerable_rate: size.riskAtTolerable,
        method:
          'AICPA attribute sampling, exact binomial: the smallest n with P(X ≤ ⌈expected × n⌉ | n, tolerable) ≤ 1 − confidence',
      }) + '\n',
    );
  else
    io.stdout(
      `Sample size ${size.sampleSize} (expected deviations ${size.expectedDeviations}) for ${input.confidence}% confidence, ` +
        `${input.tolerable}% tolerable and ${input.expected}% expected deviation rate.\n` +
        `With ${size.expectedDeviations} deviation(s) in ${size.sampleSize} items the upper deviation limit is ${size.upperLimit}%.\n`,
    );
  return 0;
}

export async function runEvaluate(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseArgs(argv, {
    single: ['size', 'deviations', 'confidence', 'tolerable'],
    flags: ['json'],
    usage: EVALUATE_USAGE,
  });
  if (args.positional.length > 0) throw new UsageError(`evaluate takes no archive\n${EVALUATE_USAGE}`);
  const size = wholeNumber(required(args.single.size, 'size', EVALUATE_USAGE), 'size');
  const deviations = wholeNumber(required(args.single.deviations, 'deviations', EVALUATE_USAGE), 'deviations');
  const confidence = required(args.single.confidence, 'confidence', EVALUATE_USAGE);
  const e = sampling(() => evaluateSample(size, deviations, confidence, args.single.tolerable));
  if (args.flags.json)
    io.stdout(
      JSON.stringify({
        size,
        deviations,
        confidence,
        sample_deviation_rate: Number(e.sampleRate),
        upper_deviation_limit: Number(e.upperLimit),
        upper_deviation_limit_text: e.upperLimit,
        tolerable_rate: args.single.tolerable ?? null,
        within_tolerable: e.withinTolerable,
        method: 'one-sided Clopper-Pearson upper limit; within_tolerable decided exactly, not on the rounded limit',
      }) + '\n',
    );
  else
    io.stdout(
      `${deviations} deviation(s) in ${size} items: sample rate ${e.sampleRate}%, upper deviation limit at ${confidence}% confidence ${e.upperLimit}%` +
        (e.withinTolerable === null
          ? '.\n'
          : `, ${e.withinTolerable ? 'within' : 'NOT within'} the tolerable rate of ${args.single.tolerable}%.\n`),
    );
  return 0;
}

export async function runSample(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseArgs(argv, {
    single: ['seed', 'size', 'stratify', 'ledger', 'agent', 'action', 'workers'],
    flags: ['json'],
    usage: SAMPLE_USAGE,
  });
  const [path, ...extra] = args.positional;
  if (path === undefined || extra.length > 0) throw new UsageError(`sample takes one archive\n${SAMPLE_USAGE}`);
  const seed = required(args.single.seed, 'seed', SAMPLE_USAGE);
  const size = wholeNumber(required(args.single.size, 'size', SAMPLE_USAGE), 'size');
  if (size < 1) throw new UsageError('--size must be at least 1');
  const stratify = args.single.stratify;
  if (stratify !== undefined && !['ledger', 'agent', 'action'].includes(stratify))
    throw new UsageError(`--stratify must be ledger, agent or action, got "${stratify}"`);
  const filter = { ledger: args.single.ledger, agent: args.single.agent, action: args.single.action };
  const workers = args.single.workers === undefined ? defaultPoolSize() : Number(args.single.workers);
  if (!(Number.isInteger(workers) && workers >= 1 && workers <= 64))
    throw new UsageError(`--workers must be a whole number from 1 to 64, got "${args.single.workers}"`);
  useNativeSha256();
  const source = await openArchiveForCommand(path);
  try {
    const docs = await readArchiveDocs(source);
    const { selectors, population, notRead, unreadableLines, leftOut } = await drawSample(source, docs, {
      seed,
      size,
      stratify: stratify as SampleOptions['stratify'],
      filter,
      workers,
      note: (text) => io.stderr(`tickmark sample: ${text}\n`),
    });
    const strata = [...selectors.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
    const itemJson = (c: Candidate<Picked>) => {
      const id = receiptId(c.item.text);
      return { receipt: id, hash: c.hash, score: c.score, ledger: c.item.ledger, path: c.item.path, line: c.item.line };
    };
    if (args.flags.json) {
      const body: Record<string, unknown> = {
        seed,
        population,
        method: 'FORMAT.md §9: score = hex SHA-256 of seed + "\\n" + receipt hash; the n lowest scores, ties by hash',
        filter: Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined)),
        not_read: { segments: notRead, lines: unreadableLines },
        // Lines that are not valid receipts, outside a filter or strata by agent or action.
        left_out: leftOut,
      };
      if (stratify) {
        body.stratify = stratify;
        body.strata = strata.map(([name, s]) => ({
          stratum: name,
          seed: stratumSeed(seed, name),
          population: s.offered,
          items: s.result().map(itemJson),
        }));
        body.items = strata.flatMap(([, s]) => s.result().map(itemJson));
      } else body.items = (strata[0]?.[1] as SampleSelector<Picked>).result().map(itemJson);
      io.stdout(JSON.stringify(body) + '\n');
    } else {
      io.stdout(
        `Sample of ${size}${stratify ? ` per ${stratify}` : ''} from ${population} receipts, seed ${JSON.stringify(seed)}\n`,
      );
      for (const [name, s] of strata) {
        if (stratify)
          io.stdout(`\n${stratify} ${name} (${s.offered} receipts, seed ${JSON.stringify(stratumSeed(seed, name))})\n`);
        for (const c of s.result()) {
          const j = itemJson(c);
          io.stdout(`  ${j.score.slice(0, 16)}…  ${j.ledger}  ${j.receipt ?? '(not a readable receipt)'}  ${j.hash}\n`);
        }
      }
      if (notRead.length > 0 || unreadableLines > 0)
        io.stdout(
          `\nNOT IN THE POPULATION: ${unreadableLines} line(s) over the line limit${notRead.length ? `; segments not read: ${notRead.join('; ')}` : ''}\n`,
        );
      if (leftOut > 0)
        io.stdout(
          `\nLEFT OUT: ${leftOut} line(s) that are not valid receipts (RECORD_MALFORMED in tickmark verify) have no ${stratify === 'agent' || stratify === 'action' ? stratify : 'agent or action'} to ${stratify === 'agent' || stratify === 'action' ? 'stratify' : 'filter'} by\n`,
        );
    }
    return notRead.length > 0 ? 1 : 0;
  } finally {
    await source.close();
  }
}

export interface SampleOptions {
  readonly seed: string;
  readonly size: number;
  readonly stratify?: 'ledger' | 'agent' | 'action' | undefined;
  readonly filter: {
    readonly ledger?: string | undefined;
    readonly agent?: string | undefined;
    readonly action?: string | undefined;
  };
  /** Worker threads ranking the pieces; 1 (the default) ranks them in this thread. */
  readonly workers?: number;
  /** Bytes of segment data per piece (default PIECE_BYTES; tests make it small). */
  readonly pieceBytes?: number;
  /** Where the pool's workers come from (tests: one that cannot start). */
  readonly pool?: PoolOptions;
  /** Told when the pool could not start and the pieces are ranked in this thread instead. */
  readonly note?: (text: string) => void;
}

export interface Picked {
  readonly ledger: string;
  readonly path: string;
  readonly line: number;
  readonly text: string;
}

/** Two copies of one line (same score, same hash): the one stored first is ranked first. */
function storedFirst(a: Picked, b: Picked): number {
  if (a.ledger !== b.ledger) return a.ledger < b.ledger ? -1 : 1;
  if (a.path !== b.path) return a.path < b.path ? -1 : 1;
  return a.line - b.line;
}

/**
 * Draws a FORMAT §9 sample from an archive's receipt lines. This thread reads the segment
 * files, two at a time, and cuts them into pieces of whole lines; each piece is ranked on
 * its own (shared/sampling/piece.ts: every line hashed and scored, the piece's `size`
 * lowest per stratum) by the pool's workers, or here with one worker, and the pieces'
 * lowest are joined: the sample is the same whatever the pool's size or the pieces.
 * @throws UsageError when the population is empty or smaller than the size (exit 2)
 */
export async function drawSample(source: ArchiveSource, docs: ArchiveDocs, options: SampleOptions) {
  const { seed, size, stratify, filter } = options;
  const maxLine = DEFAULT_LIMITS.maxLineBytes;
  const rule: SampleRule = { seed, size, stratify, agent: filter.agent, action: filter.action };
  const selectors = new Map<string, SampleSelector<Picked>>();
  const segments: Segment[] = [...docs.segments.keys()]
    .sort()
    .filter((l) => filter.ledger === undefined || l === filter.ledger)
    .flatMap((l) => docs.segments.get(l) ?? []);
  const notRead: string[] = [];
  let unreadableLines = 0;
  let leftOut = 0;
  const pieceBytes = Math.max(1, options.pieceBytes ?? PIECE_BYTES);
  // The pool's threads move each ranked piece's buffer back; the next piece is read into it.
  const pieceBuffers = new FreePieceBuffers();
  // Two files decompressed at once (zlib works on libuv's threads), pieces taken in ledger order.
  const reads = segments.map(
    (segment) =>
      async function* () {
        // Inside a generator, so that even a read refused at once is the piece's failure.
        const chunks = async function* () {
          yield* source.read(segment.entry);
        };
        const pieces = splitIntoPieces(
          chunks(),
          pieceBytes,
          maxLine,
          segment.entry.declaredSize,
          pieceBytes,
          pieceBuffers,
        );
        for await (const read of pieces) yield { read, segment };
      },
  );
  async function* tasks(): AsyncGenerator<SamplePieceTask> {
    for await (const { read, segment } of readAhead(reads, 2, 2)) {
      let piece = read.piece;
      if ('failure' in read) {
        notRead.push(`${segment.path}: ${(read.failure as Error).message}`);
        piece = readBeforeFailure(piece);
      }
      yield { ledger: segment.ledger, path: segment.path, piece };
    }
  }
  const runner = await sampleRunner(rule, maxLine, options, pieceBuffers);
  try {
    await runInOrder(tasks(), runner, undefined, (task, part) => {
      unreadableLines += part.tooLong;
      leftOut += part.leftOut;
      for (const stratum of part.strata) {
        let s = selectors.get(stratum.name);
        if (!s)
          selectors.set(
            stratum.name,
            (s = new SampleSelector<Picked>(stratify ? stratumSeed(seed, stratum.name) : seed, size, storedFirst)),
          );
        s.absorb(
          stratum.offered,
          stratum.candidates.map(({ hash, score, item }) => ({
            hash,
            score,
            item: { ledger: task.ledger, path: task.path, line: item.line, text: item.text },
          })),
        );
      }
    });
  } finally {
    await runner.close();
  }
  const population = [...selectors.values()].reduce((n, s) => n + s.offered, 0);
  if (population === 0) throw new UsageError('the population is empty: no receipt line matches');
  for (const [stratum, s] of selectors)
    if (size > s.offered)
      throw new UsageError(
        `--size ${size} is more than the population${stratify ? ` of stratum ${stratum}` : ''} (${s.offered} receipts)`,
      );
  return { selectors, population, notRead, unreadableLines, leftOut };
}

/**
 * The last piece of a file that could not be read to its end, less a line the failure
 * cut short: only whole lines read before the failure are in the population (a line
 * reader stops at the failure, and so did this command before it split files).
 */
function readBeforeFailure(piece: SegmentPiece): SegmentPiece {
  if (piece.tooLong !== undefined)
    // A long line cut short has no "\n" in its span; one that ended is still counted.
    return piece.span > piece.tooLong
      ? piece
      : {
          index: piece.index,
          firstLine: piece.firstLine,
          offset: piece.offset,
          bytes: new Uint8Array(0),
          span: 0,
          last: piece.last,
        };
  const end = piece.bytes.lastIndexOf(0x0a) + 1;
  return end === piece.bytes.length ? piece : { ...piece, bytes: piece.bytes.slice(0, end), span: end };
}

/**
 * Ranks pieces in a pool of `options.workers` worker threads, or in this thread with one;
 * a pool that cannot start costs time, not the sample: this thread ranks every piece, and
 * `options.note` says why (as `tickmark verify` does).
 */
function sampleRunner(
  rule: SampleRule,
  maxLine: number,
  options: SampleOptions,
  pieceBuffers: FreePieceBuffers,
): Promise<SamplePool> {
  const workers = options.workers ?? 1;
  return poolOrThisThread(
    workers,
    () => startSamplePool(rule, workers, { ...options.pool, pieceBuffers }),
    () => ({ concurrency: 1, run: (task) => samplePiece(task, rule, maxLine), close: async () => undefined }),
    options.note,
    'sampling in this thread',
  );
}

/** The receipt id of a picked line, or null when it is not a readable receipt. */
export function pickedReceiptId(picked: Picked): string | null {
  return receiptId(picked.text);
}

function receiptId(text: string): string | null {
  try {
    const id = (JSON.parse(text) as { id?: unknown }).id;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}
