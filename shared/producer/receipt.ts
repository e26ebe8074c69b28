/**
 * The shape of a receipt as the gate fills it in, before the ledger writer adds the
 * chain fields (`v`, `ledger`, `seq`, `prev`, `kid`, `sig`). FORMAT.md §5.
 */
import type { CedarEntities, CedarRequest } from '../decisions/cedar.ts';
import type { Approval } from './approval.ts';

export type ExecStatus = 'ok' | 'error' | 'blocked';
export type TxnEnd = 'commit' | 'abort' | null;

export interface ReceiptDraft {
  /** Unique receipt id, e.g. `rc_` + 16 hex digits. Approvals sign it, so it comes first. */
  readonly id: string;
  /** RFC 3339 UTC; never earlier than the previous receipt of the same ledger. */
  readonly ts: string;
  readonly agent: { readonly id: string; readonly role: string; readonly tier: number };
  readonly txn: { readonly id: string; readonly step: number; readonly end: TxnEnd };
  readonly request: CedarRequest;
  readonly entities: CedarEntities;
  readonly data: {
    readonly tier: number;
    readonly personal: readonly string[];
    readonly subjects: readonly string[];
    readonly recipient: string | null;
  };
  readonly io: { readonly input: string; readonly reasoning: string; readonly output: string };
  readonly reasoning_summary?: string;
  readonly decision: {
    readonly bundle: string;
    readonly effect: 'allow' | 'deny';
    readonly policies: readonly string[];
    readonly approval?: Approval;
  };
  readonly exec: { readonly status: ExecStatus; readonly latency_ms: number; readonly cache?: string };
  /** Further members are allowed (the format is open) and are signed like the rest. */
  readonly [member: string]: unknown;
}

/** Members the ledger writer owns; a draft that sets one is refused. */
export const CHAIN_MEMBERS = Object.freeze(['v', 'ledger', 'seq', 'prev', 'kid', 'sig'] as const);
