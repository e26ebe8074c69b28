/**
 * How the app shows an ExecLayer log (docs/FORMAT-EXECLAYER.md): which imports are one, the
 * kernels' names, what each line says at a glance, and why a screen made for FORMAT.md
 * archives is not available for them. Pure.
 */
import { categoryOf, type Finding, type FindingCode } from '../../../shared/engine/findings.ts';
import type { ReportFormat } from '../../../shared/engine/types.ts';
import type { ReceiptQuery } from '../../app/routes.ts';
import type { ReceiptTable } from '../../workers/receipt-table.ts';
import type { ExeclayerKind } from '../../../shared/execlayer/verify.ts';

export function isExeclayerFormat(format: ReportFormat): format is ExeclayerKind {
  return format === 'execlayer-py' || format === 'execlayer-v4';
}

export const KERNEL_NAME: Readonly<Record<ExeclayerKind, string>> = {
  'execlayer-py': 'ExecLayer Python kernel: audit log',
  'execlayer-v4': 'ExecLayer v4 kernel: journal',
};

/** What one line of a log says, for a table row; null where the line does not say it. */
export interface LineGlance {
  /** Python: the payload's event (ALLOW, BLOCK, ESCALATE); v4: the receipt's status (ALLOW, REFUSE). */
  readonly outcome: string | null;
  /** Python: `receipt_id` (ALLOW events have no receipt); v4: `receipt_hash`. */
  readonly receipt: string | null;
  /** Python: the receipt's `timestamp_utc`; v4 receipts carry no time. */
  readonly time: string | null;
  /** Python: the verdict's rule; v4: the first rule of the trace that did not allow, with its reason codes. */
  readonly rule: string | null;
  /** The agent, and the tool it called where the line names it. */
  readonly agent: string | null;
}

const NONE: LineGlance = { outcome: null, receipt: null, time: null, rule: null, agent: null };

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | null => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const at = (v: unknown, ...keys: string[]): unknown => keys.reduce<unknown>((o, k) => obj(o)?.[k], v);

/** What a stored line says (a line that is not a JSON object says nothing). */
export function glanceAt(kind: ExeclayerKind, text: string): LineGlance {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return NONE;
  }
  if (!obj(value)) return NONE;
  if (kind === 'execlayer-py') {
    const payload = at(value, 'payload');
    const receipt = obj(at(payload, 'receipt'));
    const agent = str(at(receipt, 'agent', 'agent_id')) ?? str(at(payload, 'agent_id'));
    const tool = str(at(receipt, 'intercepted', 'tool')) ?? str(at(payload, 'tool'));
    return {
      outcome: str(at(payload, 'event')) ?? str(at(receipt, 'verdict', 'status')),
      receipt: str(at(receipt, 'receipt_id')),
      time: str(at(receipt, 'timestamp_utc')),
      rule: str(at(receipt, 'verdict', 'policy', 'rule_id')),
      agent: agent && tool ? `${agent} → ${tool}` : (agent ?? tool),
    };
  }
  const trace = at(value, 'rule_trace');
  // A trace entry says `result` (the rules) or `decision` (the input check).
  const stopped = Array.isArray(trace)
    ? trace.map(obj).find((r) => r && (str(r.result) ?? str(r.decision)) !== 'ALLOW')
    : undefined;
  const ruleId = str(stopped?.rule_id);
  const codes = at(value, 'reason_codes');
  const reason =
    str(stopped?.reason_code) ??
    (Array.isArray(codes) && codes.every((c) => typeof c === 'string') && codes.length > 0 ? codes.join(', ') : null);
  return {
    outcome: str(at(value, 'status')),
    receipt: str(at(value, 'receipt_hash')),
    time: str(at(value, 'timestamp')) ?? str(at(value, 'created_at')),
    rule: ruleId ? (reason ? `${ruleId} (${reason})` : ruleId) : null,
    agent: str(at(value, 'blueprint', 'authority', 'principal_role')),
  };
}

/** Screens made for FORMAT.md archives, as the app's routes name them. */
export type ArchiveScreen =
  'privacy' | 'controls' | 'metrics' | 'bundles' | 'bundle-diff' | 'samples' | 'sample' | 'workpaper';

/** Each screen's title, and why it is not available for an ExecLayer log. */
export const NOT_FOR_EXECLAYER: Readonly<Record<ArchiveScreen, { readonly title: string; readonly why: string }>> =
  (() => {
    const controls =
      'the control checks test what these logs do not record in a checkable form (whether a BLOCK or REFUSE was executed anyway, data tiers, recipients, human approvals, latency): none was run, and the dashboard lists them as not checked.';
    const bundles =
      'ExecLayer logs carry no signed policy bundle (a receipt may name its rule and bundle id, but not the policy text): there is nothing to compare or replay.';
    const samples =
      'samples here are drawn for tests of the controls, and no control can be tested on these logs. Each line of the log, with its findings, is under Receipts.';
    return {
      privacy: {
        title: 'Privacy report',
        why: 'the privacy report follows data subjects, personal-data categories and recipients as FORMAT.md receipts record them; ExecLayer logs do not record them in a checkable form.',
      },
      controls: { title: 'Control library', why: controls },
      metrics: { title: 'Control metrics', why: controls },
      bundles: { title: 'Policy bundles', why: bundles },
      'bundle-diff': { title: 'Policy diff', why: bundles },
      samples: { title: 'Samples', why: samples },
      sample: { title: 'Sample', why: samples },
      workpaper: {
        title: 'Workpaper',
        why: 'the signed workpaper records the verification of a FORMAT.md archive (its file, the roots pinned, control tests, samples), and an ExecLayer log has none of these to sign off. Record this log’s checks and findings, from its dashboard, in your own workpaper.',
      },
    };
  })();

/** The receipts route's keys that narrow by findings: the ones the lines screen answers. */
const FINDING_KEYS = ['code', 'category', 'severity', 'criterion', 'withFindings'] as const;

/**
 * The lines screen's selection: the rows (in order) whose findings match the route's
 * finding filters (every row when there is none), and the matching findings about no line.
 * The explorer's other filters (ledger aside) name columns ExecLayer lines do not have: they
 * are returned as `ignored`, for the screen to say so.
 */
export function selectLines(
  table: Pick<ReceiptTable, 'count' | 'findings' | 'findingRow' | 'rowFindings'>,
  query: ReceiptQuery,
  codesForCriterion: (id: string) => readonly string[],
): { rows: number[]; unplaced: number[]; ignored: string[] } {
  const criterionCodes = query.criterion === undefined ? null : new Set(codesForCriterion(query.criterion));
  const matches = (f: Finding) =>
    (query.code === undefined || f.code === query.code) &&
    (query.category === undefined || categoryOf(f.code as FindingCode) === query.category) &&
    (query.severity === undefined || f.severity === query.severity) &&
    (criterionCodes === null || criterionCodes.has(f.code));
  const byFindings = FINDING_KEYS.some((k) => query[k] !== undefined && query[k] !== false);
  const rows: number[] = [];
  if (!byFindings) for (let r = 0; r < table.count; r++) rows.push(r);
  else {
    for (const [row, indices] of table.rowFindings)
      if (indices.some((i) => matches(table.findings[i] as Finding))) rows.push(row);
    rows.sort((a, b) => a - b);
  }
  const unplaced: number[] = [];
  table.findings.forEach((f, i) => {
    if ((table.findingRow[i] ?? -1) < 0 && matches(f)) unplaced.push(i);
  });
  const ignored = (Object.keys(query) as (keyof ReceiptQuery)[]).filter(
    (k) => k !== 'ledger' && !(FINDING_KEYS as readonly string[]).includes(k) && query[k] !== undefined,
  );
  return { rows, unplaced, ignored };
}

/** Where a reconstruction's address points in a log's stored lines. */
export type LocatedLine =
  { readonly ok: true; readonly row: number } | { readonly ok: false; readonly message: string };

/**
 * The stored row of a reconstruction's address: by line number when it has one (a receipt id
 * beside it must be the one on that line), else by receipt id (Python: `receipt_id`; v4:
 * `receipt_hash`). Rows are a log's non-blank lines in file order; `table.line` holds their numbers.
 */
export function locateLine(
  table: Pick<ReceiptTable, 'count' | 'line'>,
  address: { readonly line?: number; readonly receiptId: string },
  path: string,
  idOf: (row: number) => string,
  rowOfId: (id: string) => number | undefined,
): LocatedLine {
  if (address.line !== undefined) {
    const wanted = address.line;
    // Line numbers rise with the rows: binary search.
    let lo = 0;
    let hi = table.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = table.line[mid] as number;
      if (at === wanted) {
        const id = idOf(mid);
        if (address.receiptId !== '' && id !== address.receiptId)
          return {
            ok: false,
            message: `Line ${wanted} of ${path} holds ${id === '' ? 'no receipt' : `receipt ${id}`}, not ${address.receiptId}.`,
          };
        return { ok: true, row: mid };
      }
      if (at < wanted) lo = mid + 1;
      else hi = mid - 1;
    }
    const last = table.count > 0 ? (table.line[table.count - 1] as number) : 0;
    return {
      ok: false,
      message:
        wanted > last
          ? `${path} has ${last} line${last === 1 ? '' : 's'}; there is no line ${wanted}.`
          : `Line ${wanted} of ${path} is not stored: it is blank, or over the length limit for one line (its finding names it).`,
    };
  }
  if (address.receiptId === '') return { ok: false, message: 'The address names neither a line nor a receipt.' };
  const row = rowOfId(address.receiptId);
  return row === undefined
    ? { ok: false, message: `No line of ${path} holds receipt ${address.receiptId}.` }
    : { ok: true, row };
}
