/**
 * Where the coverage timeline draws things: each ledger's claimed period, the part the
 * evidence proves continuous, the unproven rest, and marks for chain findings. Pure.
 */
import { marksChain } from '../../../shared/codes.ts';
import type { Finding } from '../../../shared/engine/findings.ts';
import type { LedgerState, LedgerSummary, Period } from '../../../shared/engine/types.ts';
import { parseTime } from '../../../shared/format/time.ts';

export interface Span {
  readonly x0: number;
  readonly x1: number;
}

export interface LedgerTrack {
  readonly ledger: string;
  readonly state: LedgerState;
  readonly claimed: Span | null;
  readonly proven: Span | null;
  /** Claimed but not proven, after the proven part (an unsealed tail or what follows a break). */
  readonly unproven: Span | null;
  readonly marks: readonly { readonly x: number; readonly code: string; readonly message: string }[];
  readonly description: string;
}

export interface Timeline {
  readonly fromMs: number;
  readonly toMs: number;
  readonly archive: Span | null;
  readonly tracks: readonly LedgerTrack[];
}

const ms = (t: string | undefined | null) => (t ? parseTime(t) : null);

/**
 * Lays out ledgers on one shared axis, x in 0..1.
 * @param timeOfFinding the receipt time of a finding's receipt (ms), when known.
 */
export function layoutTimeline(
  ledgers: readonly LedgerSummary[],
  period: Period | null,
  findings: readonly Finding[],
  timeOfFinding: (index: number) => number | null,
  describe: (ms: number) => string,
): Timeline | null {
  const times: number[] = [];
  const push = (t: number | null) => t !== null && times.push(t);
  push(ms(period?.from));
  push(ms(period?.to));
  for (const l of ledgers) {
    push(ms(l.claimed?.from));
    push(ms(l.claimed?.to));
  }
  if (times.length === 0) return null;
  const fromMs = Math.min(...times);
  let toMs = Math.max(...times);
  if (toMs === fromMs) toMs = fromMs + 1;
  const x = (t: number) => (t - fromMs) / (toMs - fromMs);
  const span = (p: Period | null | undefined): Span | null => {
    const a = ms(p?.from);
    const b = ms(p?.to);
    return a === null || b === null ? null : { x0: x(a), x1: x(Math.max(a, b)) };
  };
  const tracks = ledgers.map((l): LedgerTrack => {
    const claimed = span(l.claimed);
    const proven = span(l.proven);
    let unproven: Span | null = null;
    if (claimed && !proven) unproven = claimed;
    else if (claimed && proven && claimed.x1 > proven.x1) unproven = { x0: proven.x1, x1: claimed.x1 };
    const marks: { x: number; code: string; message: string }[] = [];
    findings.forEach((f, i) => {
      if (f.ledger !== l.ledger || !marksChain(f.code)) return;
      const t = timeOfFinding(i);
      if (t !== null && Number.isFinite(t)) marks.push({ x: x(t), code: f.code, message: f.message });
    });
    const parts = [`${l.ledger}: ${l.state}.`];
    parts.push(
      l.claimed
        ? `Receipts from ${describe(ms(l.claimed.from) as number)} to ${describe(ms(l.claimed.to) as number)}.`
        : 'No receipt time found.',
    );
    parts.push(
      l.proven
        ? `Proven continuous from ${describe(ms(l.proven.from) as number)} to ${describe(ms(l.proven.to) as number)}.`
        : 'No period proven continuous.',
    );
    if (marks.length > 0)
      parts.push(`${marks.length} point${marks.length === 1 ? '' : 's'} where the chain is not continuous.`);
    return { ledger: l.ledger, state: l.state, claimed, proven, unproven, marks, description: parts.join(' ') };
  });
  return { fromMs, toMs, archive: span(period), tracks };
}
