import { useEffect, useId, useMemo, useState, type ReactNode } from 'react';
import { timeBound, type ReceiptQuery } from '../../app/routes.ts';
import { navigate } from '../../app/use-route.ts';
import { SEVERITY_LABEL } from '../../components/SeverityTag.tsx';
import { personalCategories } from '../../workers/receipt-columns.ts';
import type { IndexedColumn, ReceiptTable } from '../../workers/receipt-table.ts';

interface Props {
  readonly archiveId: string;
  readonly query: ReceiptQuery;
  readonly table: ReceiptTable;
}

type Key = keyof ReceiptQuery;

/** The sentence for a filter whose column this import does not have. */
export const NOT_INDEXED = 'not indexed in this import: import the archive again';

/** Above this many values a list filter is typed (with suggestions) rather than picked. */
const SELECT_LIMIT = 300;

const CHIP_LABEL: Partial<Record<Key, string>> = {
  code: 'Finding',
  criterion: 'SOC 2 criterion',
  subject: 'Data subject',
};

/** The receipts view’s filters; every change is a new address, so Back and reload keep it. */
export function FilterBar({ archiveId, query, table }: Props) {
  const id = useId();
  const noteId = `${id}-not-indexed`;
  const set = (key: Key, value: string | number | undefined) => {
    const next: Record<string, unknown> = { ...query };
    if (value === undefined || value === '') delete next[key];
    else next[key] = value;
    navigate({ name: 'receipts', archiveId, query: next as ReceiptQuery });
  };
  const missing = (column: IndexedColumn) => table.missing.includes(column);
  const tiers = useMemo(() => distinctTiers(table), [table]);
  const categories = useMemo(() => personalCategoryList(table), [table]);
  const sorted = (values: readonly string[]) => values.filter((v) => v !== '').sort((a, b) => a.localeCompare(b));
  const agents = useMemo(() => sorted(table.dictionaries.agents), [table]);
  const actions = useMemo(() => sorted(table.dictionaries.actions), [table]);
  const resources = useMemo(() => sorted(table.dictionaries.resources), [table]);

  const select = (
    key: Key,
    label: string,
    options: readonly (readonly [string, string])[],
    disabledBy?: IndexedColumn,
  ) => {
    const current = query[key] === undefined ? '' : String(query[key]);
    const disabled = disabledBy !== undefined && missing(disabledBy);
    const known = current === '' || options.some(([value]) => value === current);
    return (
      <div className="field field-inline">
        <label htmlFor={`${id}-${key}`}>{label}</label>
        <select
          id={`${id}-${key}`}
          value={current}
          onChange={(e) => set(key, e.target.value)}
          disabled={disabled}
          aria-describedby={disabled ? noteId : undefined}
          data-testid={`filter-${key}`}
        >
          <option value="">Any</option>
          {!known && (
            <option value={current}>
              {current}
              {disabled ? '' : ' (not in this archive)'}
            </option>
          )}
          {options.map(([value, text]) => (
            <option key={value} value={value}>
              {text}
            </option>
          ))}
        </select>
      </div>
    );
  };
  const values = (key: 'agent' | 'action' | 'resource', label: string, list: readonly string[]) =>
    list.length <= SELECT_LIMIT ? (
      select(
        key,
        label,
        list.map((v) => [v, v] as const),
      )
    ) : (
      <TextFilter
        id={`${id}-${key}`}
        label={label}
        value={query[key]}
        onApply={(v) => set(key, v)}
        testId={`filter-${key}`}
        suggestions={list.slice(0, SELECT_LIMIT)}
      />
    );

  const chips = (Object.keys(CHIP_LABEL) as Key[]).filter((k) => query[k] !== undefined);
  const notIndexed = [
    missing('tier') && 'data tier',
    missing('personal') && 'personal data',
    missing('transaction') && 'transaction',
    missing('subject') && 'data subject',
  ].filter((s): s is string => typeof s === 'string');
  const fromMs = query.from === undefined ? null : timeBound(query.from, 'from');
  const toMs = query.to === undefined ? null : timeBound(query.to, 'to');
  return (
    <div className="filter-bar" role="search" aria-label="Filter receipts" data-testid="filter-bar">
      <FilterGroup title="Where and when">
        {select(
          'ledger',
          'Ledger',
          table.ledgers.map((l) => [l, l] as const),
        )}
        <TimeFilter
          id={`${id}-from`}
          label="From"
          value={query.from}
          onApply={(v) => set('from', v)}
          end="from"
          testId="filter-from"
        />
        <TimeFilter
          id={`${id}-to`}
          label="To"
          value={query.to}
          onApply={(v) => set('to', v)}
          end="to"
          testId="filter-to"
        />
      </FilterGroup>
      <FilterGroup title="Request and decision">
        {values('agent', 'Agent', agents)}
        {values('action', 'Action', actions)}
        {values('resource', 'Resource', resources)}
        {select('effect', 'Effect', [
          ['allow', 'allow'],
          ['deny', 'deny'],
        ])}
        {select('status', 'Status', [
          ['ok', 'ok'],
          ['error', 'error'],
          ['blocked', 'blocked'],
        ])}
      </FilterGroup>
      <FilterGroup title="Data and transaction">
        {select(
          'tier',
          'Data tier',
          tiers.map((t) => [String(t), String(t)] as const),
          'tier',
        )}
        {select(
          'personal',
          'Personal data',
          [['any', 'Any personal data'] as const, ...categories.map((c) => [c, c] as const)],
          'personal',
        )}
        <TextFilter
          id={`${id}-txn`}
          label="Transaction"
          value={query.txn}
          onApply={(v) => set('txn', v)}
          testId="filter-txn"
          disabledNote={missing('transaction') ? noteId : undefined}
          placeholder="tx_…"
        />
      </FilterGroup>
      <FilterGroup title="Findings">
        {select('category', 'Category', [
          ['integrity', 'Integrity findings'],
          ['control', 'Control findings'],
        ])}
        {select('severity', 'Severity', Object.entries(SEVERITY_LABEL))}
      </FilterGroup>
      {(chips.length > 0 || Object.keys(query).some((k) => k !== 'q')) && (
        <div className="filter-group filter-chips">
          {chips.map((key) => (
            <span key={key} className="chip" data-testid={`filter-chip-${key}`}>
              {CHIP_LABEL[key]}: <code className="break">{String(query[key])}</code>
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
          {Object.keys(query).some((k) => k !== 'q') && (
            <button
              type="button"
              className="link-button"
              onClick={() =>
                navigate({ name: 'receipts', archiveId, query: query.q === undefined ? {} : { q: query.q } })
              }
              data-testid="filter-clear"
            >
              Clear filters
            </button>
          )}
        </div>
      )}
      {fromMs !== null && toMs !== null && fromMs > toMs && (
        <p className="notice notice-error filter-note" role="alert" data-testid="filter-range-error">
          The time range ends before it starts: no receipt can match. Change From or To.
        </p>
      )}
      {notIndexed.length > 0 && (
        <p className="field-help filter-note" id={noteId} data-testid="filter-not-indexed">
          {capitalize(notIndexed.join(', '))}: {NOT_INDEXED}.
        </p>
      )}
    </div>
  );
}

function FilterGroup({ title, children }: { title: string; children: ReactNode }) {
  return (
    <fieldset className="filter-group">
      <legend>{title}</legend>
      {children}
    </fieldset>
  );
}

interface TextFilterProps {
  readonly id: string;
  readonly label: string;
  readonly value: string | undefined;
  readonly onApply: (value: string | undefined) => void;
  readonly testId: string;
  readonly suggestions?: readonly string[];
  readonly placeholder?: string;
  /** Set (to the note's id) when the filter cannot be used in this import. */
  readonly disabledNote?: string | undefined;
}

/** A typed filter, applied on Enter or when focus leaves it (one address per change, not per key). */
function TextFilter({ id, label, value, onApply, testId, suggestions, placeholder, disabledNote }: TextFilterProps) {
  const [text, setText] = useState(value ?? '');
  useEffect(() => setText(value ?? ''), [value]);
  const apply = () => {
    const next = text.trim();
    if (next !== (value ?? '')) onApply(next === '' ? undefined : next);
  };
  return (
    <div className="field field-inline">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="text"
        className="filter-text"
        value={text}
        placeholder={placeholder}
        onChange={(e) => setText(e.target.value)}
        onBlur={apply}
        onKeyDown={(e) => {
          if (e.key === 'Enter') apply();
        }}
        list={suggestions ? `${id}-list` : undefined}
        disabled={disabledNote !== undefined}
        aria-describedby={disabledNote}
        data-testid={testId}
        spellCheck={false}
      />
      {suggestions && (
        <datalist id={`${id}-list`}>
          {suggestions.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
      )}
    </div>
  );
}

interface TimeFilterProps {
  readonly id: string;
  readonly label: string;
  readonly value: string | undefined;
  readonly onApply: (value: string | undefined) => void;
  readonly end: 'from' | 'to';
  readonly testId: string;
}

/** A time bound typed as `YYYY-MM-DD` (a whole UTC day) or an RFC 3339 time; refused, with why, otherwise. */
function TimeFilter({ id, label, value, onApply, end, testId }: TimeFilterProps) {
  const [text, setText] = useState(value ?? '');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setText(value ?? '');
    setError(null);
  }, [value]);
  const apply = () => {
    const next = text.trim();
    if (next === (value ?? '')) return setError(null);
    if (next !== '' && timeBound(next, end) === null) {
      setError(`"${next}" is not a date (YYYY-MM-DD) or an RFC 3339 time (2026-04-01T10:00:00Z).`);
      return;
    }
    setError(null);
    onApply(next === '' ? undefined : next);
  };
  return (
    <div className="field field-inline time-filter">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="text"
        className="filter-text filter-time"
        value={text}
        placeholder="YYYY-MM-DD"
        onChange={(e) => setText(e.target.value)}
        onBlur={apply}
        onKeyDown={(e) => {
          if (e.key === 'Enter') apply();
        }}
        aria-invalid={error !== null}
        aria-describedby={error ? `${id}-error` : `${id}-help`}
        data-testid={testId}
        spellCheck={false}
      />
      <span id={`${id}-help`} className="visually-hidden">
        A date (a whole day, UTC, included) or an RFC 3339 time.
      </span>
      {error && (
        <span id={`${id}-error`} className="field-error" role="alert" data-testid={`${testId}-error`}>
          {error}
        </span>
      )}
    </div>
  );
}

function distinctTiers(table: ReceiptTable): number[] {
  if (table.missing.includes('tier')) return [];
  const seen = new Set<number>();
  for (let row = 0; row < table.count; row++) {
    const tier = table.tier[row] as number;
    if (!Number.isNaN(tier)) seen.add(tier);
  }
  return [...seen].sort((a, b) => a - b);
}

function personalCategoryList(table: ReceiptTable): string[] {
  const seen = new Set<string>();
  for (const key of table.dictionaries.personalSets ?? []) for (const c of personalCategories(key)) seen.add(c);
  return [...seen].sort((a, b) => a.localeCompare(b));
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
