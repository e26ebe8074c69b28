/**
 * The dashboard's per-ledger lists (chain states, coverage) with many ledgers: a producer may
 * write one for each gateway or agent, hundreds of them, and listing all pushed the findings and
 * the checks a thousand rows down. Past {@link LEDGERS_SHOWN}, a list shows the ledgers that need
 * attention first, up to that many, says how many it leaves out and offers them all.
 */
import { useMemo, useState, type ReactNode } from 'react';
import type { LedgerState } from '../../../shared/engine/types.ts';
import { formatCount } from '../../components/format.ts';

export const LEDGERS_SHOWN = 12;

/** `items` with those that need attention first, each group in its own order. */
export function attentionFirst<T>(items: readonly T[], needsAttention: (item: T) => boolean): T[] {
  const first: T[] = [];
  const rest: T[] = [];
  for (const item of items) (needsAttention(item) ? first : rest).push(item);
  return [...first, ...rest];
}

/** "500 ledgers: 497 verified, 2 tampered, 1 unsealed tail", in the order the states first come. */
export function stateCounts(states: readonly LedgerState[], label: Readonly<Record<LedgerState, string>>): string {
  const counts = new Map<LedgerState, number>();
  for (const state of states) counts.set(state, (counts.get(state) ?? 0) + 1);
  const parts = [...counts].map(([state, n]) => `${formatCount(n)} ${label[state].toLowerCase()}`);
  return `${formatCount(states.length)} ledgers: ${parts.join(', ')}`;
}

/**
 * The items a list shows (all of them up to {@link LEDGERS_SHOWN}; past it, those needing
 * attention first, and all only when asked) and the line that says so, with its button.
 */
export function useLedgerLimit<T>(
  items: readonly T[],
  needsAttention: (item: T) => boolean,
  testId: string,
): { readonly shown: readonly T[]; readonly control: ReactNode } {
  const [all, setAll] = useState(false);
  const many = items.length > LEDGERS_SHOWN;
  // `needsAttention` is a pure function of the item: the order changes with the items only.
  const ordered = useMemo(() => (many ? attentionFirst(items, needsAttention) : items), [items, many]);
  if (!many) return { shown: items, control: null };
  const shown = all ? ordered : ordered.slice(0, LEDGERS_SHOWN);
  const waiting = ordered.filter(needsAttention).length;
  return {
    shown,
    control: (
      <p className="muted" data-testid={testId}>
        {all
          ? `All ${formatCount(items.length)} ledgers`
          : `${formatCount(shown.length)} of ${formatCount(items.length)} ledgers`}
        {waiting === 0
          ? ', none of which needs attention.'
          : waiting === 1
            ? ', the one that needs attention first.'
            : `, the ${formatCount(waiting)} that need attention first.`}{' '}
        <button type="button" className="link-button" onClick={() => setAll(!all)} aria-expanded={all}>
          {all ? `Show the first ${formatCount(LEDGERS_SHOWN)} only` : `Show all ${formatCount(items.length)} ledgers`}
        </button>
      </p>
    ),
  };
}
