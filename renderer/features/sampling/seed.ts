/**
 * The default seed (FORMAT.md §9 recommends binding it to the final checkpoint heads, so
 * that neither the auditor nor the audited can steer the choice): for each ledger in name
 * order, the checkpoint that seals it as verified (`sealedSeq`), written
 * `checkpoints gw-eu-1#1200=sha256:… gw-us-1#1200=sha256:…`. Pure.
 */
import { CHECKPOINTS_PATH } from '../../../shared/format/layout.ts';
import { HASH_PATTERN } from '../../../shared/format/hash.ts';
import type { LedgerSummary } from '../../../shared/engine/types.ts';

export interface BoundHead {
  readonly ledger: string;
  readonly seq: number;
  readonly head: string;
}

export interface DefaultSeed {
  /** Null when no ledger has a verified checkpoint to bind to. */
  readonly seed: string | null;
  readonly bound: readonly BoundHead[];
  /** Ledgers the seed is not bound to, with why. */
  readonly unbound: readonly { readonly ledger: string; readonly why: string }[];
}

/**
 * @param files the archive's kept checkpoint files (`ledgers/<l>/checkpoints.jsonl`); an
 *   import that kept none gives an empty list.
 */
export function defaultSeed(
  ledgers: readonly Pick<LedgerSummary, 'ledger' | 'sealedSeq'>[],
  files: readonly { readonly path: string; readonly text?: string }[],
): DefaultSeed {
  const texts = new Map<string, string | undefined>();
  for (const f of files) {
    const m = CHECKPOINTS_PATH.exec(f.path);
    if (m) texts.set(m[1] as string, f.text);
  }
  const bound: BoundHead[] = [];
  const unbound: { ledger: string; why: string }[] = [];
  for (const { ledger, sealedSeq } of [...ledgers].sort((a, b) => (a.ledger < b.ledger ? -1 : 1))) {
    if (sealedSeq === null) {
      unbound.push({ ledger, why: 'no checkpoint of it was verified' });
      continue;
    }
    if (!texts.has(ledger)) {
      unbound.push({ ledger, why: 'its checkpoints file was not kept by this import' });
      continue;
    }
    const head = headAt(texts.get(ledger), ledger, sealedSeq);
    if (head === null) unbound.push({ ledger, why: `its checkpoint at seq ${sealedSeq} could not be read back` });
    else bound.push({ ledger, seq: sealedSeq, head });
  }
  return {
    seed: bound.length === 0 ? null : `checkpoints ${bound.map((b) => `${b.ledger}#${b.seq}=${b.head}`).join(' ')}`,
    bound,
    unbound,
  };
}

/** The head of the last checkpoint line of `ledger` at `seq`, or null. */
function headAt(text: string | undefined, ledger: string, seq: number): string | null {
  if (text === undefined) return null;
  let found: string | null = null;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const value = JSON.parse(line) as { ledger?: unknown; seq?: unknown; head?: unknown };
      if (
        value.seq === seq &&
        value.ledger === ledger &&
        typeof value.head === 'string' &&
        HASH_PATTERN.test(value.head)
      )
        found = value.head;
    } catch {
      // A line that is not JSON is not a checkpoint to bind to; the verification reported it.
    }
  }
  return found;
}
