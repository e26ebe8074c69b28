import { useEffect, useRef, useState } from 'react';
import { formatCount, formatTime } from '../../components/format.ts';
import { useEngagementLocks, WorkpaperLocked } from '../../components/WorkpaperLocked.tsx';
import { inputOf, periodText, type EngagementFields } from '../../store/engagement-rules.ts';
import {
  createEngagement,
  switchEngagement,
  updateEngagement,
  type EngagementOverview,
} from '../../store/engagements.ts';
import { EngagementForm } from './EngagementForm.tsx';
import { OtherEngagements } from './OtherEngagements.tsx';

type Editing = 'none' | 'new' | 'edit';

/**
 * The engagement the auditor works in (imports go to it), the way to edit it or start
 * another, and the other engagements to switch to.
 */
export function EngagementPanel({ overview }: { overview: EngagementOverview }) {
  const [editing, setEditing] = useState<Editing>('none');
  const [message, setMessage] = useState<string | null>(null);
  const newButton = useRef<HTMLButtonElement>(null);
  const editButton = useRef<HTMLButtonElement>(null);
  // Where the focus goes back to when the form closes.
  const [returnTo, setReturnTo] = useState<Editing>('none');
  const current = overview.current;
  // Its name, client and period are in every workpaper of it: a reviewed one locks them (the store refuses the change).
  const locks = useEngagementLocks(current ? current.engagement.id : null);

  useEffect(() => {
    if (editing !== 'none' || returnTo === 'none') return;
    (returnTo === 'edit' ? editButton : newButton).current?.focus();
    setReturnTo('none');
  }, [editing, returnTo]);

  const open = (mode: Exclude<Editing, 'none'>) => {
    setMessage(null);
    setEditing(mode);
  };
  const close = () => {
    setReturnTo(editing);
    setEditing('none');
  };
  const onSave = async (fields: EngagementFields) => {
    if (editing === 'edit' && current) {
      await updateEngagement(current.engagement.id, fields);
      setMessage(`Saved the changes to ${fields.name}.`);
    } else {
      await createEngagement(fields);
      setMessage(`Created ${fields.name}. It is now the current engagement: archives you open are stored under it.`);
    }
    close();
  };
  const onSwitch = async (id: string, name: string) => {
    setEditing('none');
    await switchEngagement(id);
    setMessage(`Switched to ${name}.`);
    newButton.current?.focus();
  };

  const period = current ? periodText(current.engagement) : null;
  return (
    <section className="panel engagement-panel" aria-labelledby="engagement-heading" data-testid="engagement-panel">
      <div className="card-head engagement-head">
        <h2 id="engagement-heading">
          <span className="eyebrow">Current engagement</span>{' '}
          {current ? (
            <span className="engagement-name" data-testid="current-engagement-name">
              {current.engagement.name}
            </span>
          ) : (
            <span className="engagement-name muted" data-testid="current-engagement-name">
              None yet
            </span>
          )}
        </h2>
        {editing === 'none' && (
          <div className="actions">
            {current && (
              <button type="button" ref={editButton} onClick={() => open('edit')} data-testid="edit-engagement">
                Edit engagement
              </button>
            )}
            <button type="button" ref={newButton} onClick={() => open('new')} data-testid="new-engagement">
              New engagement
            </button>
          </div>
        )}
      </div>
      {current ? (
        <dl className="facts facts-inline" data-testid="current-engagement">
          <div>
            <dt>Client</dt>
            <dd data-testid="current-engagement-client">
              {current.engagement.client || <span className="muted">Not recorded</span>}
            </dd>
          </div>
          <div>
            <dt>Examination period</dt>
            <dd className="num" data-testid="current-engagement-period">
              {period ?? <span className="muted">Not set: coverage of the period is not checked</span>}
            </dd>
          </div>
          <div>
            <dt>Archives</dt>
            <dd className="num" data-testid="current-engagement-archives">
              {formatCount(current.archives)}
            </dd>
          </div>
          <div>
            <dt>Last activity</dt>
            <dd className="num">{formatTime(current.lastActivityAt)}</dd>
          </div>
          {current.engagement.notes && (
            <div className="facts-wide">
              <dt>Notes</dt>
              <dd className="engagement-notes">{current.engagement.notes}</dd>
            </div>
          )}
        </dl>
      ) : (
        <p className="muted" data-testid="no-engagement">
          Create an engagement to record the client and the examination period. An archive opened before that is stored
          under an untitled engagement, which you can edit later.
        </p>
      )}
      {message && (
        <p className="notice" role="status" data-testid="engagement-message">
          {message}
        </p>
      )}
      {editing === 'edit' && (
        <WorkpaperLocked
          locks={locks ?? []}
          what="the engagement’s name, client and examination period (not its notes)"
        />
      )}
      {editing !== 'none' && (
        <EngagementForm
          key={editing}
          mode={editing}
          initial={inputOf(editing === 'edit' && current ? current.engagement : null)}
          onSave={onSave}
          onCancel={close}
        />
      )}
      <OtherEngagements engagements={overview.others} onSwitch={onSwitch} />
    </section>
  );
}
