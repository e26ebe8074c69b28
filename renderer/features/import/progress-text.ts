/**
 * What the import page says of time left. The estimate covers verification only (the
 * ledger bytes and checkpoints left at their rates, line-flow.ts); storing the results
 * afterwards is not estimated, so then it says so rather than "about 0 s".
 */
import { formatDuration } from '../../components/format.ts';
import type { VerifyProgress } from '../../workers/verify-protocol.ts';

export function timeLeftText(p: VerifyProgress | null | undefined): string {
  if (!p) return '—';
  if (p.phase === 'done') return 'verification done; storing results';
  if (p.etaMs != null) return p.etaMs < 500 ? 'under 1 s' : `about ${formatDuration(p.etaMs)}`;
  return p.bytesDone > 0 ? 'estimating…' : '—';
}
