import type { Finding } from '../../../shared/engine/findings.ts';
import type { LedgerSummary, Period } from '../../../shared/engine/types.ts';
import { formatTime } from '../../components/format.ts';
import type { ReceiptTable } from '../../workers/receipt-table.ts';
import { StateBadge } from './LedgerStates.tsx';
import { useLedgerLimit } from './many-ledgers.tsx';
import { layoutTimeline, type LedgerTrack, type Span } from './timeline-geometry.ts';

const W = 1000;
const H = 24;

interface Props {
  readonly ledgers: readonly LedgerSummary[];
  readonly period: Period | null;
  readonly findings: readonly Finding[];
  readonly table: ReceiptTable;
}

/** Per ledger: the period its receipts claim against the period the evidence proves continuous. */
export function CoverageTimeline({ ledgers, period, findings, table }: Props) {
  const timeline = layoutTimeline(
    ledgers,
    period,
    findings,
    (i) => {
      const row = table.findingRow[i] ?? -1;
      return row >= 0 ? (table.ts[row] ?? null) : null;
    },
    (t) => formatTime(t),
  );
  const { shown, control } = useLedgerLimit(timeline?.tracks ?? NO_TRACKS, needsAttention, 'coverage-limit');
  return (
    <section className="panel" aria-labelledby="coverage-heading">
      <h2 id="coverage-heading">Coverage</h2>
      {!timeline ? (
        <p className="muted">No receipt carries a readable time, so no coverage can be drawn.</p>
      ) : (
        <>
          <div className="timeline" data-testid="coverage-timeline">
            {timeline.archive && (
              <div className="timeline-row">
                <span className="timeline-label">Archive period</span>
                <svg
                  className="timeline-track"
                  viewBox={`0 0 ${W} ${H}`}
                  preserveAspectRatio="none"
                  role="img"
                  aria-label={`Period the archive claims: ${formatTime(period?.from)} to ${formatTime(period?.to)}`}
                >
                  <rect
                    className="tl-period"
                    x={timeline.archive.x0 * W}
                    y={8}
                    width={Math.max(1, (timeline.archive.x1 - timeline.archive.x0) * W)}
                    height={8}
                  />
                </svg>
                <span />
              </div>
            )}
            {shown.map((track, index) => (
              <TimelineRow key={track.ledger} track={track} patternId={`coverage-hatch-${index}`} />
            ))}
            <div className="timeline-row timeline-axis" aria-hidden="true">
              <span />
              <span className="axis-labels num">
                <span>{formatTime(timeline.fromMs)}</span>
                <span>{formatTime(timeline.toMs)}</span>
              </span>
              <span />
            </div>
          </div>
          {control}
          <ul className="legend" aria-label="Legend">
            <li>
              <span className="swatch swatch-proven" aria-hidden="true" /> proven continuous: chained, signed by an
              anchored key, sealed by a checkpoint
            </li>
            <li>
              <span className="swatch swatch-claimed" aria-hidden="true" /> claimed by the receipts' times
            </li>
            <li>
              <span className="swatch swatch-unproven" aria-hidden="true" /> claimed, not proven (unsealed tail or after
              a break)
            </li>
            <li>
              <span className="swatch swatch-mark" aria-hidden="true" /> a point where the chain is not continuous
            </li>
          </ul>
        </>
      )}
    </section>
  );
}

const NO_TRACKS: readonly LedgerTrack[] = [];
/** Not proven continuous over all it claims, or marked where its chain breaks. */
const needsAttention = (t: LedgerTrack) => t.state !== 'verified' || t.unproven !== null || t.marks.length > 0;

const width = (s: Span) => Math.max(2, (s.x1 - s.x0) * W);
/** An unproven tail stays visible however short it is: at least 8 units, ending where it ends. */
const MIN_UNPROVEN = 8;
const unprovenX = (s: Span) => Math.max(0, Math.min(s.x0 * W, s.x1 * W - MIN_UNPROVEN));
const unprovenWidth = (s: Span) => Math.max(MIN_UNPROVEN, (s.x1 - s.x0) * W);

function TimelineRow({ track, patternId }: { track: LedgerTrack; patternId: string }) {
  return (
    <div className="timeline-row" data-testid={`timeline-${track.ledger}`}>
      <span className="timeline-label mono">{track.ledger}</span>
      <svg
        className="timeline-track"
        viewBox={`0 0 ${W} ${H}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={track.description}
      >
        <defs>
          <pattern id={patternId} width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
            <rect width="6" height="6" className={`tl-hatch-bg tl-hatch-bg-${track.state}`} />
            <line x1="0" y1="0" x2="0" y2="6" className={`tl-hatch-line tl-hatch-${track.state}`} />
          </pattern>
        </defs>
        {track.claimed && (
          <rect className="tl-claimed" x={track.claimed.x0 * W} y={4} width={width(track.claimed)} height={16} />
        )}
        {track.proven && (
          <rect className="tl-proven" x={track.proven.x0 * W} y={4} width={width(track.proven)} height={16} />
        )}
        {track.unproven && (
          <rect
            x={unprovenX(track.unproven)}
            y={4}
            width={unprovenWidth(track.unproven)}
            height={16}
            fill={`url(#${patternId})`}
            className="tl-unproven"
          />
        )}
        {track.marks.map((m, i) => (
          <rect key={i} className="tl-mark" x={m.x * W - 2} y={0} width={4} height={H}>
            <title>{`${m.code}: ${m.message}`}</title>
          </rect>
        ))}
      </svg>
      <StateBadge state={track.state} />
    </div>
  );
}
