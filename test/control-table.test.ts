/**
 * One producer-built case per control code (FORMAT.md §7): a clean archive from our
 * producer, changed the way a misbehaving gate would have written it (every signature,
 * link and seal still valid), must give exactly that control code and no integrity finding.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { memorySource } from '../shared/archive/memory.ts';
import { CONTROL_CODES, categoryOf, type ControlCode } from '../shared/engine/findings.ts';
import { memorySpillStore } from '../shared/engine/spill.ts';
import { verifyArchive } from '../shared/engine/verify.ts';
import { makeCleanArchive } from '../shared/producer/demo.ts';
import { engineOptions } from '../cli/engine-options.ts';
import { nodeCedar } from '../cli/cedar-node.ts';
import { canonicalize } from '../shared/format/canonical.ts';
import { rewriteLedger, SEED, type Files } from './support/tamper.ts';

type Row = { path: string; receipt: Record<string, unknown> };
type R = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const LEDGER = 'gw-eu-1';
let base: Files;
let root: string;

beforeAll(async () => {
  const archive = await makeCleanArchive({
    cedar: nodeCedar,
    receipts: 600,
    seed: SEED,
    receiptsPerSegment: 150,
    checkpointEvery: 50,
  });
  base = archive.files;
  root = archive.rootPublicKey;
});

/** Applies `edit` to the first receipt of the ledger that `pick` accepts. */
const editFirst =
  (pick: (r: R) => boolean, edit: (r: R, rows: Row[], i: number) => R) =>
  (rows: Row[]): Row[] => {
    const i = rows.findIndex((row) => pick(row.receipt));
    if (i < 0) throw new Error('no receipt fits this case');
    return rows.map((row, j) => (j === i ? { ...row, receipt: edit(row.receipt, rows, i) } : row));
  };

interface Placed {
  readonly code: string;
  readonly path?: string;
  readonly line?: number;
  readonly seq?: number;
  readonly receipt?: string;
}
/** A row's place in the ledger: its segment, line in that segment, seq and id. */
const placeOf = (rows: readonly Row[], i: number) => {
  const row = rows[i] as Row;
  return {
    path: row.path,
    line: rows.slice(0, i + 1).filter((r) => r.path === row.path).length,
    seq: (row.receipt as R).seq as number,
    receipt: (row.receipt as R).id as string,
  };
};

const cases: {
  code: ControlCode;
  how: string;
  edit: (rows: Row[]) => Row[];
  /** Every finding expected, given the rows after the edit and the indices the edit changed (default: one, at the changed receipt). */
  expected?: (rows: readonly Row[], changed: readonly number[]) => Placed[];
}[] = [
  {
    code: 'DECISION_MISMATCH',
    how: 'a deny recorded as decided by tier-read, which Cedar does not name',
    edit: editFirst(
      (r) => r.decision.effect === 'deny',
      (r) => ({ ...r, decision: { ...r.decision, effect: 'deny', policies: ['tier-read'] } }),
    ),
  },
  {
    code: 'DENIED_BUT_EXECUTED',
    how: 'a deny whose action ran',
    edit: editFirst(
      (r) => r.decision.effect === 'deny',
      (r) => ({ ...r, exec: { ...r.exec, status: 'ok' } }),
    ),
  },
  {
    code: 'TIER_VIOLATION',
    how: "an allowed read of data more sensitive than the agent's tier",
    edit: editFirst(
      (r) => r.decision.effect === 'allow' && r.agent.tier > 1 && r.data.personal.length === 0,
      (r) => ({ ...r, data: { ...r.data, tier: r.agent.tier - 1 } }),
    ),
  },
  {
    code: 'RECIPIENT_UNAPPROVED',
    how: 'personal data sent to an unlisted recipient',
    edit: editFirst(
      (r) => r.data.personal.length > 0 && r.exec.status === 'ok',
      (r) => ({ ...r, data: { ...r.data, recipient: 'pastebin.example.org' } }),
    ),
  },
  {
    code: 'APPROVAL_MISSING',
    how: 'a payment released with its approval removed',
    edit: editFirst(
      (r) => r.decision.approval !== undefined && r.decision.effect === 'allow',
      (r) => ({ ...r, decision: { ...r.decision, approval: undefined } }),
    ),
  },
  {
    code: 'APPROVAL_INVALID',
    how: 'an approval whose signature covers another receipt',
    edit: editFirst(
      (r) => r.decision.approval !== undefined,
      (r, rows) => ({
        ...r,
        decision: {
          ...r.decision,
          approval: {
            ...(rows.find((x) => x.receipt !== r && (x.receipt as R).decision.approval)?.receipt as R).decision
              .approval,
          },
        },
      }),
    ),
  },
  {
    code: 'TXN_INCOMPLETE',
    how: 'the ending step of a transaction no longer ends it',
    edit: editFirst(
      (r) => r.txn.end === 'commit' && r.txn.step > 1,
      (r) => ({ ...r, txn: { ...r.txn, end: null } }),
    ),
  },
  {
    code: 'TXN_STEP_GAP',
    how: 'a step number skipped',
    edit: editFirst(
      (r) => r.txn.step === 2,
      (r) => ({ ...r, txn: { ...r.txn, step: 3 } }),
    ),
    // Steps now run 1, 3, 3: the jump at the changed receipt, the repeat at the next step.
    expected: (rows, [i]) => {
      const txn = (rows[i as number]?.receipt as R).txn.id;
      const next = rows.findIndex((row, j) => j > (i as number) && (row.receipt as R).txn.id === txn);
      return [
        { code: 'TXN_STEP_GAP', ...placeOf(rows, i as number) },
        { code: 'TXN_STEP_GAP', ...placeOf(rows, next) },
      ];
    },
  },
  {
    code: 'NONDETERMINISTIC_OUTPUT',
    how: 'the same input under the same bundle with another output',
    edit: (rows) => {
      // Neither carries an approval: a copied approval would not cover the other receipt's id.
      const plain = (r: R) => r.exec.status === 'ok' && r.decision.approval === undefined;
      const first = rows.findIndex((row) => plain(row.receipt as R));
      const bundle = (rows[first]?.receipt as R).decision.bundle;
      const i = rows.findIndex(
        (row, j) => j > first && plain(row.receipt as R) && (row.receipt as R).decision.bundle === bundle,
      );
      const a = rows[first]?.receipt as R;
      return rows.map((row, j) =>
        j === i
          ? {
              ...row,
              receipt: {
                ...row.receipt,
                agent: a.agent,
                request: a.request,
                entities: a.entities,
                decision: a.decision,
                data: a.data,
                io: { ...a.io, output: 'sha256:' + 'f'.repeat(64) },
              },
            }
          : row,
      );
    },
  },
  {
    code: 'SLO_BREACH',
    how: 'two in a hundred receipts of one bundle slower than its p99 objective',
    edit: (rows) =>
      rows.map((row, i) =>
        i % 50 === 7
          ? { ...row, receipt: { ...row.receipt, exec: { ...(row.receipt.exec as R), latency_ms: 60_000 } } }
          : row,
      ),
    // One finding for the bundle: v1 governs most of the slowed receipts (v2 starts mid-May).
    expected: () => [{ code: 'SLO_BREACH', path: 'policies/agents-prod-v1.json' }],
  },
];

describe('control table: every control code, producer-built', () => {
  it('covers every control code', () => {
    expect(CONTROL_CODES.filter((code) => !cases.some((c) => c.code === code))).toEqual([]);
  });

  it.each(cases)('$code: $how', async (c) => {
    const files = new Map(base);
    let after: Row[] = [];
    let changed: number[] = [];
    rewriteLedger(files, LEDGER, (rows) => {
      after = c.edit(rows).map((row) => ({ ...row, receipt: JSON.parse(JSON.stringify(row.receipt)) }));
      changed = after.flatMap((row, i) =>
        canonicalize(row.receipt) === canonicalize((rows[i] as Row).receipt) ? [] : [i],
      );
      return after;
    });
    expect(changed.length, 'the edit changed at least one receipt').toBeGreaterThan(0);
    const report = await verifyArchive(memorySource(files, 'control.zip'), {
      ...engineOptions(),
      trustedRoots: [root],
    });
    expect(
      report.findings.filter((f) => categoryOf(f.code) === 'integrity'),
      'integrity stays intact',
    ).toEqual([]);
    const expected = c.expected?.(after, changed) ?? [{ code: c.code, ...placeOf(after, changed[0] as number) }];
    if (!c.expected) expect(changed, 'one receipt changed').toHaveLength(1);
    const got: Placed[] = report.findings.map((f) => ({
      code: f.code,
      ...(f.path !== undefined && { path: f.path }),
      ...(f.line !== undefined && { line: f.line }),
      ...(f.seq !== undefined && { seq: f.seq }),
      ...(f.receipt !== undefined && { receipt: f.receipt }),
    }));
    const order = (a: Placed, b: Placed) => JSON.stringify(a).localeCompare(JSON.stringify(b));
    expect(got.sort(order), report.findings.map((f) => `${f.code}: ${f.message}`).join('\n')).toEqual(
      [...expected].sort(order),
    );
    // With receipt ids and outputs spilled (spill.ts) through files of a few records: the same report.
    const spilled = await verifyArchive(memorySource(files, 'control.zip'), {
      ...engineOptions(),
      trustedRoots: [root],
      spill: { ...memorySpillStore(), flushBytes: 16 },
      spillMinBytes: 0,
    });
    expect(spilled).toEqual(report);
  });
});
