import { useId } from 'react';
import type { ReceiptQuery } from '../../app/routes.ts';
import { navigate } from '../../app/use-route.ts';
import { SEVERITY_LABEL } from '../../components/SeverityTag.tsx';
import type { ReceiptTable } from '../../workers/receipt-table.ts';

interface Props {
  readonly archiveId: string;
  readonly query: ReceiptQuery;
  readonly table: ReceiptTable;
}

type Key = keyof ReceiptQuery;

const CHIP_LABEL: Partial<Record<Key, string>> = {
  code: 'Finding',
  criterion: 'SOC 2 criterion',
  agent: 'Agent',
  action: 'Action',
};

/** The receipts view’s filters; every change is a new address, so Back and reload keep it. */
export function FilterBar({ archiveId, query, table }: Props) {
  const id = useId();
  const set = (key: Key, value: string | undefined) => {
    const next: Record<string, unknown> = { ...query };
    if (value === undefined || value === '') delete next[key];
    else next[key] = value;
    navigate({ name: 'receipts', archiveId, query: next as ReceiptQuery });
  };
  const select = (key: Key, label: string, options: readonly (readonly [string, string])[]) => (
    <div className="field field-inline">
      <label htmlFor={`${id}-${key}`}>{label}</label>
      <select
        id={`${id}-${key}`}
        value={(query[key] as string | undefined) ?? ''}
        onChange={(e) => set(key, e.target.value)}
        data-testid={`filter-${key}`}
      >
        <option value="">Any</option>
        {options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
  const chips = (Object.keys(CHIP_LABEL) as Key[]).filter((k) => query[k] !== undefined);
  return (
    <div className="filter-bar" role="search" aria-label="Filter receipts">
      {select(
        'ledger',
        'Ledger',
        table.ledgers.map((l) => [l, l] as const),
      )}
      {select('effect', 'Effect', [
        ['allow', 'allow'],
        ['deny', 'deny'],
      ])}
      {select('status', 'Status', [
        ['ok', 'ok'],
        ['error', 'error'],
        ['blocked', 'blocked'],
      ])}
      {select('category', 'Findings', [
        ['integrity', 'Integrity findings'],
        ['control', 'Control findings'],
      ])}
      {select('severity', 'Severity', Object.entries(SEVERITY_LABEL))}
      {chips.map((key) => (
        <span key={key} className="chip" data-testid={`filter-chip-${key}`}>
          {CHIP_LABEL[key]}: <code>{String(query[key])}</code>
          <button
            type="button"
            className="chip-remove"
            onClick={() => set(key, undefined)}
            aria-label={`Remove filter ${CHIP_LABEL[key]} ${String(query[key])}`}
          >
            ×
          </button>
        </span>
      ))}
      {Object.keys(query).length > 0 && (
        <button
          type="button"
          className="link-button"
          onClick={() => navigate({ name: 'receipts', archiveId, query: {} })}
          data-testid="filter-clear"
        >
          Clear filters
        </button>
      )}
    </div>
  );
}
