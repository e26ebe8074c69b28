import { useVirtualizer } from '@tanstack/react-virtual';
import { Fragment, useRef } from 'react';
import type { PrivacyEntry } from '../../../shared/controls/privacy.ts';
import { formatCount, formatTime } from '../../components/format.ts';
import { formatCounts, receiptsLink, shortSubject } from './privacy-rows.ts';

/** Two lines: agents, actions and recipients wrap once before they are cut (the title has them all). */
const ROW_HEIGHT = 46;
const COLUMNS = [
  ['Subject (hashed)', ''],
  ['Category', ''],
  ['Receipts', 'num'],
  ['OK', 'num'],
  ['Error', 'num'],
  ['Blocked', 'num'],
  ['Agents', ''],
  ['Actions', ''],
  ['Recipients', ''],
  ['First (UTC)', 'num'],
  ['Last (UTC)', 'num'],
  ['Undeclared', 'num'],
] as const;

/** The time without " UTC": the column heads say it. */
const utc = (ts: string) => formatTime(ts).replace(/ UTC$/, '');

interface Props {
  readonly archiveId: string;
  readonly entries: readonly PrivacyEntry[];
  /** Positions in `entries` of the rows to show, in order. */
  readonly positions: readonly number[];
}

/**
 * One row per subject and category, virtualized (a real archive has 100,000 and more):
 * only the rows in view exist in the page. The receipts count of a row links to the
 * receipts explorer narrowed to it; a long subject is shortened, its full value in the title.
 */
export function PrivacyTable({ archiveId, entries, positions }: Props) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: positions.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  return (
    <div
      ref={scrollRef}
      className="grid privacy-grid"
      role="region"
      aria-label="Privacy report rows (scrollable)"
      tabIndex={0}
      data-testid="privacy-grid"
    >
      <div role="table" aria-label="Data subjects and categories" aria-rowcount={positions.length + 1}>
        <div role="rowgroup" className="grid-head">
          <div role="row" aria-rowindex={1} className="grid-row privacy-row">
            {COLUMNS.map(([label, className]) => (
              <span role="columnheader" key={label} className={className || undefined}>
                {label}
              </span>
            ))}
          </div>
        </div>
        <div role="rowgroup" className="grid-body" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((item) => {
            const entry = entries[positions[item.index] as number] as PrivacyEntry;
            const link = receiptsLink(archiveId, entry);
            const agents = formatCounts(entry.agents);
            const actions = formatCounts(entry.actions);
            const recipients = formatCounts(entry.recipients);
            const undeclared = entry.undeclared > 0;
            return (
              <div
                key={item.key}
                role="row"
                aria-rowindex={item.index + 2}
                className={`grid-row privacy-row${undeclared ? ' has-undeclared' : ''}`}
                style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
                data-testid="privacy-row"
                data-subject={entry.subject}
                data-category={entry.category}
              >
                <span role="cell" className="mono" title={entry.subject}>
                  {shortSubject(entry.subject)}
                </span>
                <span role="cell" title={entry.category}>
                  {entry.category}
                </span>
                <span role="cell" className="num">
                  <a
                    href={link.href}
                    title={`Open ${link.describes}`}
                    aria-label={`${formatCount(entry.receipts)} receipts: open ${link.describes}`}
                    data-testid="privacy-row-link"
                  >
                    {formatCount(entry.receipts)}
                  </a>
                </span>
                <span role="cell" className="num" data-testid="privacy-row-ok">
                  {formatCount(entry.outcomes.ok)}
                </span>
                <span role="cell" className="num" data-testid="privacy-row-error">
                  {formatCount(entry.outcomes.error)}
                </span>
                <span role="cell" className="num" data-testid="privacy-row-blocked">
                  {formatCount(entry.outcomes.blocked)}
                </span>
                <span role="cell" className="two-lines" title={agents} data-testid="privacy-row-agents">
                  <Counts counts={entry.agents} />
                </span>
                <span role="cell" className="mono two-lines" title={actions}>
                  <Counts counts={entry.actions} />
                </span>
                <span
                  role="cell"
                  className="two-lines"
                  title={recipients || 'none (not sent outside)'}
                  data-testid="privacy-row-recipients"
                >
                  {recipients ? <Counts counts={entry.recipients} /> : <span className="muted">none</span>}
                </span>
                <span role="cell" className="num" title={entry.first}>
                  {utc(entry.first)}
                </span>
                <span role="cell" className="num" title={entry.last}>
                  {utc(entry.last)}
                </span>
                <span
                  role="cell"
                  className={`num${undeclared ? ' undeclared' : ''}`}
                  title={
                    undeclared
                      ? `In ${entry.undeclared} receipt(s) the policy bundle does not declare "${entry.category}" as a personal-data category`
                      : undefined
                  }
                  data-testid="privacy-row-undeclared"
                >
                  {formatCount(entry.undeclared)}
                </span>
              </div>
            );
          })}
        </div>
      </div>
      {positions.length === 0 && (
        <p className="grid-empty muted" data-testid="privacy-grid-empty">
          No row matches this filter.
        </p>
      )}
    </div>
  );
}

/** `name ×n, …` as {@link formatCounts} writes it, wrapping between names, never inside one. */
function Counts({ counts }: { counts: Readonly<Record<string, number>> }) {
  return Object.entries(counts).map(([name, n], i) => (
    <Fragment key={name}>
      {i > 0 && ', '}
      <span className="nowrap">{formatCounts({ [name]: n })}</span>
    </Fragment>
  ));
}
