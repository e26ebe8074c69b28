import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, type KeyboardEvent } from 'react';
import { formatTime } from '../../components/format.ts';
import type { ReceiptTable } from '../../workers/receipt-table.ts';
import { EFFECTS, STATUSES } from '../../workers/receipt-columns.ts';

const ROW_HEIGHT = 32;
const COLUMNS = ['Ledger', 'Seq', 'Time (UTC)', 'Agent', 'Action', 'Resource', 'Effect', 'Status', 'Findings'] as const;

interface Props {
  readonly table: ReceiptTable;
  readonly rows: Uint32Array;
  readonly selected: number | undefined;
  readonly onSelect: (row: number) => void;
}

/**
 * The filtered receipts, virtualized: only the visible rows exist in the page, so a
 * million rows scroll like a hundred. Keyboard: arrows, Page Up/Down, Home/End move the
 * selection; the grid is one tab stop.
 */
export function ReceiptGrid({ table, rows, selected, onSelect }: Props) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const position = selected === undefined ? -1 : indexOf(rows, selected);
  useEffect(() => {
    if (position >= 0) virtualizer.scrollToIndex(position, { align: 'auto' });
  }, [position, virtualizer]);

  const onKeyDown = (event: KeyboardEvent) => {
    if (rows.length === 0) return;
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 320) / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = {
      ArrowDown: 1,
      ArrowUp: -1,
      PageDown: page,
      PageUp: -page,
      Home: -Infinity,
      End: Infinity,
    };
    const move = moves[event.key];
    if (move === undefined) return;
    event.preventDefault();
    const from = position < 0 ? (move > 0 ? -1 : rows.length) : position;
    const to = Math.min(rows.length - 1, Math.max(0, from + move));
    onSelect(rows[to] as number);
  };

  const activeId = position >= 0 ? `receipt-row-${selected}` : undefined;
  return (
    <div
      ref={scrollRef}
      className="grid"
      role="grid"
      aria-label="Receipts"
      aria-rowcount={rows.length + 1}
      aria-colcount={COLUMNS.length}
      aria-activedescendant={activeId}
      tabIndex={0}
      onKeyDown={onKeyDown}
      data-testid="receipt-grid"
    >
      <div role="rowgroup" className="grid-head">
        <div role="row" aria-rowindex={1} className="grid-row">
          {COLUMNS.map((c) => (
            <span role="columnheader" key={c} className={c === 'Seq' ? 'num' : undefined}>
              {c}
            </span>
          ))}
        </div>
      </div>
      <div role="rowgroup" className="grid-body" style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((item) => {
          const row = rows[item.index] as number;
          const findingIds = table.rowFindings.get(row) ?? [];
          const codes = [...new Set(findingIds.map((i) => table.findings[i]?.code ?? ''))];
          const seq = table.seq[row] as number;
          const isSelected = row === selected;
          return (
            <div
              key={item.key}
              id={`receipt-row-${row}`}
              role="row"
              aria-rowindex={item.index + 2}
              aria-selected={isSelected}
              className={`grid-row${isSelected ? ' selected' : ''}${codes.length > 0 ? ' has-findings' : ''}`}
              style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
              onClick={() => onSelect(row)}
              data-testid="receipt-row"
              data-row={row}
            >
              <span role="gridcell" className="mono">
                {table.ledgers[table.ledgerOf[row] as number]}
              </span>
              <span role="gridcell" className="num">
                {Number.isNaN(seq) ? '—' : seq}
              </span>
              <span role="gridcell" className="num">
                {formatTime(table.ts[row] as number)}
              </span>
              <span role="gridcell">{table.dictionaries.agents[table.agent[row] as number] || '—'}</span>
              <span role="gridcell" className="mono">
                {table.dictionaries.actions[table.action[row] as number] || '—'}
              </span>
              <span role="gridcell" className="mono ellipsis">
                {table.dictionaries.resources[table.resource[row] as number] || '—'}
              </span>
              <span role="gridcell" className={`effect-${EFFECTS[table.effect[row] as number] || 'none'}`}>
                {EFFECTS[table.effect[row] as number] || '—'}
              </span>
              <span role="gridcell">{STATUSES[table.status[row] as number] || '—'}</span>
              <span role="gridcell" className="ellipsis" data-testid="receipt-row-findings">
                {codes.length === 0 ? '' : codes.join(', ')}
              </span>
            </div>
          );
        })}
      </div>
      {rows.length === 0 && (
        <p className="grid-empty muted" data-testid="receipt-grid-empty">
          No receipt matches these filters.
        </p>
      )}
    </div>
  );
}

/** Position of `row` in the ascending `rows`, or -1. */
function indexOf(rows: Uint32Array, row: number): number {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const value = rows[mid] as number;
    if (value === row) return mid;
    if (value < row) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
