import type { ItemResult } from '../../store/samples.ts';
import type { ItemState, Outcome } from './evaluation.ts';

const OUTCOME: Record<Outcome, { text: string; tone: string }> = {
  supports: { text: 'Supports reliance', tone: 'badge-good' },
  'does-not-support': { text: 'Does not support reliance', tone: 'badge-bad' },
  incomplete: { text: 'Not evaluated yet', tone: 'badge-neutral' },
};

export function OutcomeBadge({ outcome }: { outcome: Outcome }) {
  const o = OUTCOME[outcome];
  return (
    <span className={`badge ${o.tone}`} data-testid="outcome" data-outcome={outcome}>
      {o.text}
    </span>
  );
}

const STATE: Record<ItemState, { text: string; tone: string }> = {
  deviation: { text: 'Deviation', tone: 'badge-bad' },
  untested: { text: 'Not fully tested', tone: 'badge-neutral' },
  'not-applicable': { text: 'Not applicable', tone: 'badge-warning' },
  'no-deviation': { text: 'No deviation', tone: 'badge-good' },
};

export function StateBadge({ state }: { state: ItemState }) {
  const s = STATE[state];
  return (
    <span className={`badge ${s.tone}`} data-testid="item-state" data-state={state}>
      {s.text}
    </span>
  );
}

export const RESULT_LABEL: Record<NonNullable<ItemResult>, string> = {
  pass: 'Pass',
  fail: 'Fail',
  'not-applicable': 'N/A',
};

export function ResultBadge({ result }: { result: NonNullable<ItemResult> }) {
  const tone = result === 'pass' ? 'badge-good' : result === 'fail' ? 'badge-bad' : 'badge-warning';
  return <span className={`badge ${tone}`}>{RESULT_LABEL[result]}</span>;
}
