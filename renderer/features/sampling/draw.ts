/**
 * Drawing a sample from a population of table rows, exactly as FORMAT.md §9 and
 * `tickmark sample` do it (shared/sampling/select.ts): each row's line hash is scored by
 * SHA-256 of `seed + "\n" + hash`, the `size` lowest scores are the sample (ties by hash),
 * in score order; stratified, the same within each stratum with the seed
 * `seed + "/" + stratum`, strata in name order, `size` items from each. Pure, apart from
 * yielding to the event loop between slices so a window stays responsive.
 */
import { toHex, utf8 } from '../../../shared/format/bytes.ts';
import { SampleSelector, stratumSeed, type Candidate } from '../../../shared/sampling/select.ts';
import { hashOf, localRow, receiptIdOf, type ReceiptTable } from '../../workers/receipt-table.ts';
import { stratumOf, type Stratify } from './population.ts';

export interface DrawInput {
  readonly seed: string;
  /** Items (per stratum when stratified). */
  readonly size: number;
  readonly stratify: Stratify | null;
}

export interface DrawnItem {
  /** The table's global row. */
  readonly row: number;
  readonly receiptId: string;
  readonly ledger: string;
  /** NaN where the line had no readable seq. */
  readonly seq: number;
  readonly hash: string;
  readonly score: string;
  /** The stratum's name; '' when not stratified. */
  readonly stratum: string;
}

export interface DrawnStratum {
  readonly name: string;
  readonly seed: string;
  readonly population: number;
  readonly items: readonly DrawnItem[];
}

export type DrawResult =
  | {
      readonly ok: true;
      /** Rows ranked (the population less {@link leftOut}). */
      readonly population: number;
      /** Rows with no value to stratify by (lines that are not valid receipts): not in any stratum. */
      readonly leftOut: number;
      /** One stratum named '' when not stratified. */
      readonly strata: readonly DrawnStratum[];
      /** Every item: strata in name order, each in score order. */
      readonly items: readonly DrawnItem[];
    }
  | { readonly ok: false; readonly message: string };

export interface DrawOptions {
  /** Rows scored between yields (default 20,000). */
  readonly slice?: number;
  readonly onProgress?: (done: number, total: number) => void;
  readonly signal?: AbortSignal;
  /**
   * How scores are computed: with the platform's SHA-256 (WebCrypto: in Chromium about
   * twice as fast as JavaScript, 6.7 against 14 µs a score; the default in a window) or with
   * shared/sampling's `scoreOf` (the default elsewhere: Node's WebCrypto pays much more per
   * call than it saves). Both compute the same FORMAT.md §9 score (tested).
   */
  readonly sha256?: 'webcrypto' | 'shared';
}

/**
 * The scores of `hashes` under `seed`, computed with WebCrypto's SHA-256 over the same bytes
 * `scoreOf` hashes (the UTF-8 of seed + "\n" + hash; a receipt hash is ASCII). `digest`
 * copies its input when called, so one buffer serves every call.
 */
async function webCryptoScores(subtle: SubtleCrypto, seed: string, hashes: readonly string[]): Promise<string[]> {
  const prefix = utf8(`${seed}\n`);
  const buffer = new Uint8Array(prefix.length + 'sha256:'.length + 64);
  buffer.set(prefix);
  const pending: Promise<ArrayBuffer>[] = [];
  for (const hash of hashes) {
    if (hash.length !== 71) throw new Error(`not a receipt hash: ${hash}`);
    for (let i = 0; i < 71; i++) buffer[prefix.length + i] = hash.charCodeAt(i);
    pending.push(subtle.digest('SHA-256', buffer));
  }
  return (await Promise.all(pending)).map((digest) => toHex(new Uint8Array(digest)));
}

/** Why a seed cannot be used, or null. Any other text is a seed (it is recorded exactly). */
export function seedProblem(seed: string): string | null {
  if (seed.trim() === '') return 'Enter a seed: the text the ranking is derived from, recorded with the sample.';
  if (seed !== seed.trim())
    return 'The seed starts or ends with a space: remove it, or whoever re-performs the sample may not see it.';
  return null;
}

/** Why a sample size cannot be used, or null. */
export function sizeProblem(size: number): string | null {
  return Number.isInteger(size) && size >= 1 && size <= 100_000
    ? null
    : 'The sample size must be a whole number from 1 to 100,000.';
}

export async function drawSample(
  table: ReceiptTable,
  rows: ArrayLike<number>,
  input: DrawInput,
  options: DrawOptions = {},
): Promise<DrawResult> {
  const problem = seedProblem(input.seed) ?? sizeProblem(input.size);
  if (problem) return { ok: false, message: problem };
  if (rows.length === 0) return { ok: false, message: 'The population is empty: no receipt matches its filter.' };
  const slice = options.slice ?? 20_000;
  const selectors = new Map<string, SampleSelector<number>>();
  const selectorFor = (stratum: string) => {
    let s = selectors.get(stratum);
    if (!s) {
      s = new SampleSelector<number>(input.stratify ? stratumSeed(input.seed, stratum) : input.seed, input.size);
      selectors.set(stratum, s);
    }
    return s;
  };
  const sha256 = options.sha256 ?? (typeof document === 'undefined' ? 'shared' : 'webcrypto');
  const subtle = sha256 === 'webcrypto' ? globalThis.crypto?.subtle : undefined;
  let leftOut = 0;
  for (let start = 0; start < rows.length; start += slice) {
    if (options.signal?.aborted) return { ok: false, message: 'The draw was cancelled.' };
    const end = Math.min(rows.length, start + slice);
    const picked: { row: number; stratum: string; hash: string }[] = [];
    for (let i = start; i < end; i++) {
      const row = rows[i] as number;
      const stratum = input.stratify ? stratumOf(table, row, input.stratify) : '';
      if (input.stratify && stratum === '') leftOut++;
      else picked.push({ row, stratum, hash: hashOf(table, row) });
    }
    if (subtle) {
      // Scores per stratum seed, then offered in row order as the shared path offers them.
      const bySeed = new Map<string, { at: number[]; hashes: string[] }>();
      picked.forEach((p, at) => {
        const seed = input.stratify ? stratumSeed(input.seed, p.stratum) : input.seed;
        const group = bySeed.get(seed) ?? { at: [], hashes: [] };
        group.at.push(at);
        group.hashes.push(p.hash);
        bySeed.set(seed, group);
      });
      const scores: string[] = new Array<string>(picked.length);
      for (const [seed, group] of bySeed) {
        const computed = await webCryptoScores(subtle, seed, group.hashes);
        group.at.forEach((at, k) => (scores[at] = computed[k] as string));
      }
      picked.forEach((p, at) => selectorFor(p.stratum).offer(p.hash, p.row, scores[at]));
    } else for (const p of picked) selectorFor(p.stratum).offer(p.hash, p.row);
    options.onProgress?.(end, rows.length);
    if (end < rows.length) await new Promise((resolve) => setTimeout(resolve, 0));
  }
  if (selectors.size === 0)
    return {
      ok: false,
      message: `No receipt of the population has a${input.stratify === 'agent' ? 'n' : ''} ${input.stratify} to stratify by.`,
    };
  const names = [...selectors.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const name of names) {
    const s = selectors.get(name) as SampleSelector<number>;
    if (input.size > s.offered)
      return {
        ok: false,
        message: `A sample of ${input.size} is more than the population${input.stratify ? ` of ${input.stratify} ${name}` : ''} (${s.offered} receipt${s.offered === 1 ? '' : 's'}): choose a smaller size${input.stratify ? ' or do not stratify' : ''}.`,
      };
  }
  const strata: DrawnStratum[] = names.map((name) => {
    const s = selectors.get(name) as SampleSelector<number>;
    return {
      name,
      seed: s.seed,
      population: s.offered,
      items: s.result().map((c) => itemOf(table, c, name)),
    };
  });
  return {
    ok: true,
    population: rows.length - leftOut,
    leftOut,
    strata,
    items: strata.flatMap((s) => s.items),
  };
}

function itemOf(table: ReceiptTable, c: Candidate<number>, stratum: string): DrawnItem {
  return {
    row: c.item,
    receiptId: receiptIdOf(table, c.item),
    ledger: localRow(table, c.item).ledger,
    seq: table.seq[c.item] as number,
    hash: c.hash,
    score: c.score,
    stratum,
  };
}
