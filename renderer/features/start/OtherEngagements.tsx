import { useState } from 'react';
import { formatCount, formatTime } from '../../components/format.ts';
import { periodText, type EngagementActivity } from '../../store/engagement-rules.ts';

/** How many are listed before "Show all". */
const RECENT = 8;

interface OtherEngagementsProps {
  readonly engagements: readonly EngagementActivity[];
  readonly onSwitch: (id: string, name: string) => void | Promise<void>;
}

/** The engagements that are not current, most recent activity first, to switch to. */
export function OtherEngagements({ engagements, onSwitch }: OtherEngagementsProps) {
  const [all, setAll] = useState(false);
  if (engagements.length === 0) return null;
  const shown = all ? engagements : engagements.slice(0, RECENT);
  return (
    <div className="other-engagements">
      <h3 id="other-engagements-heading">Other engagements</h3>
      <table className="data-table" aria-labelledby="other-engagements-heading" data-testid="other-engagements">
        <thead>
          <tr>
            <th scope="col">Engagement</th>
            <th scope="col">Client</th>
            <th scope="col">Examination period</th>
            <th scope="col" className="num">
              Archives
            </th>
            <th scope="col" className="num">
              Last activity
            </th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {shown.map(({ engagement, archives, lastActivityAt }) => (
            <tr key={engagement.id} data-testid="other-engagement">
              <th scope="row" data-testid="other-engagement-name">
                {engagement.name}
              </th>
              <td>{engagement.client || <span className="muted">Not recorded</span>}</td>
              <td>{periodText(engagement) ?? <span className="muted">Not set</span>}</td>
              <td className="num">{formatCount(archives)}</td>
              <td className="num">{formatTime(lastActivityAt)}</td>
              <td>
                <button
                  type="button"
                  className="link-button"
                  onClick={() => void onSwitch(engagement.id, engagement.name)}
                  data-testid="switch-engagement"
                >
                  Switch to<span className="visually-hidden"> {engagement.name}</span>
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {engagements.length > RECENT && (
        <button type="button" className="link-button show-all" onClick={() => setAll(!all)} aria-expanded={all}>
          {all
            ? `Show the ${RECENT} most recent only`
            : `Show all ${formatCount(engagements.length)} other engagements`}
        </button>
      )}
    </div>
  );
}
