/**
 * The firm's sample sizes by how often a control operates (a judgmental table, as many
 * firms keep one), editable, and the confidence each size actually gives: with no
 * deviation in n items, the one-sided upper limit is within tolerable rate t at confidence
 * 1 − (1 − t)^n. Computed exactly on rationals and written truncated (never rounded up:
 * a confidence is not claimed that the size does not reach). Pure.
 */
import { decimalText, percent, SamplingInputError } from '../../../shared/sampling/attribute.ts';

export interface FirmRow {
  readonly frequency: string;
  readonly min: number;
  readonly max: number;
}

export const DEFAULT_FIRM_TABLE: readonly FirmRow[] = Object.freeze([
  { frequency: 'Annual', min: 1, max: 1 },
  { frequency: 'Quarterly', min: 2, max: 2 },
  { frequency: 'Monthly', min: 2, max: 5 },
  { frequency: 'Weekly', min: 5, max: 15 },
  { frequency: 'Daily', min: 20, max: 40 },
  { frequency: 'Many times a day', min: 25, max: 60 },
]);

export const MAX_FIRM_SIZE = 1000;

/**
 * 1 − (1 − t)^n in percent, truncated to `digits` decimals: the confidence that the
 * deviation rate is below t when n items show no deviation.
 * @throws SamplingInputError when the tolerable rate is not above 0 and below 100.
 */
export function zeroDeviationConfidence(n: number, tolerableText: string, digits = 2): string {
  if (!Number.isInteger(n) || n < 1)
    throw new SamplingInputError(`size must be a whole number of at least 1, got ${n}`);
  const t = percent(tolerableText, 'tolerable rate');
  if (t.num === 0n || t.num >= t.den)
    throw new SamplingInputError(`tolerable rate must be above 0 and below 100 (percent), got ${tolerableText}`);
  const den = t.den ** BigInt(n);
  const miss = (t.den - t.num) ** BigInt(n);
  return decimalText({ num: (den - miss) * 100n, den }, digits);
}

export type FirmTableCheck =
  | { readonly ok: true; readonly rows: readonly FirmRow[] }
  | { readonly ok: false; readonly message: string; readonly row: number };

/** Checks an edited table: a frequency named once each, sizes whole numbers with 1 ≤ min ≤ max ≤ 1,000. */
export function checkFirmTable(rows: readonly FirmRow[]): FirmTableCheck {
  if (rows.length === 0) return { ok: false, message: 'The table needs at least one row.', row: -1 };
  const seen = new Set<string>();
  const out: FirmRow[] = [];
  for (const [i, row] of rows.entries()) {
    const frequency = row.frequency.trim().replace(/\s+/g, ' ');
    const at = `Row ${i + 1}`;
    if (frequency === '') return { ok: false, message: `${at}: name the frequency.`, row: i };
    if (frequency.length > 60) return { ok: false, message: `${at}: the frequency is over 60 characters.`, row: i };
    if (seen.has(frequency.toLowerCase()))
      return { ok: false, message: `${at}: “${frequency}” is already a row.`, row: i };
    seen.add(frequency.toLowerCase());
    for (const [name, value] of [
      ['smallest', row.min],
      ['largest', row.max],
    ] as const)
      if (!Number.isInteger(value) || value < 1 || value > MAX_FIRM_SIZE)
        return {
          ok: false,
          message: `${at}: the ${name} size must be a whole number from 1 to ${MAX_FIRM_SIZE}.`,
          row: i,
        };
    if (row.min > row.max)
      return { ok: false, message: `${at}: the smallest size is larger than the largest.`, row: i };
    out.push({ frequency, min: row.min, max: row.max });
  }
  return { ok: true, rows: out };
}

/** A stored table read back: its rows when they still pass the checks, else the defaults. */
export function firmTableFrom(value: unknown): readonly FirmRow[] {
  if (!Array.isArray(value)) return DEFAULT_FIRM_TABLE;
  const rows = value.map((r: unknown) => {
    const o = (r ?? {}) as Record<string, unknown>;
    return {
      frequency: typeof o.frequency === 'string' ? o.frequency : '',
      min: typeof o.min === 'number' ? o.min : Number.NaN,
      max: typeof o.max === 'number' ? o.max : Number.NaN,
    };
  });
  const check = checkFirmTable(rows);
  return check.ok ? check.rows : DEFAULT_FIRM_TABLE;
}
