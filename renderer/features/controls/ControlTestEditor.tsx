import { useEffect, useId, useRef, useState } from 'react';
import type { ControlDefinition } from '../../../shared/controls/library.ts';
import { formatRoute } from '../../app/routes.ts';
import { formatTime } from '../../components/format.ts';
import {
  CONCLUSIONS,
  CONCLUSION_LABEL,
  MAX_ATTRIBUTES,
  controlTestOf,
  isConclusion,
  newAttributeId,
  resetControlTest,
  saveControlTest,
  type ControlTest,
} from '../../store/control-tests.ts';
import type { ControlTestRow } from '../../store/db.ts';
import type { WorkpaperLock } from '../../store/workpapers.ts';

interface Props {
  readonly control: ControlDefinition;
  readonly engagementId: string;
  readonly engagementName: string;
  /** The saved row; undefined: never saved (the library's defaults). */
  readonly row: ControlTestRow | undefined;
  /** Reviewed workpapers that hold the engagement's control tests: no edit until reopened (the store refuses it too). */
  readonly locks: readonly WorkpaperLock[];
}

/**
 * The engagement's manual test of one control: the attributes the auditor checks by hand
 * for each sampled item, the conclusion and a note. Shown as text; edited in a form that
 * saves only on Save (a refusal says why and keeps the form as typed).
 */
export function ControlTestEditor({ control, engagementId, engagementName, row, locks }: Props) {
  const id = useId();
  const test = controlTestOf(engagementId, control, row);
  const [draft, setDraftState] = useState<ControlTest | null>(null);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const editButton = useRef<HTMLButtonElement>(null);
  const firstField = useRef<HTMLTextAreaElement>(null);
  const [focusEdit, setFocusEdit] = useState(false);

  useEffect(() => {
    if (draft) firstField.current?.focus();
  }, [draft !== null]);
  useEffect(() => {
    if (!draft && focusEdit) {
      editButton.current?.focus();
      setFocusEdit(false);
    }
  }, [draft, focusEdit]);

  /** Every edit clears a refusal: it was about what the form held before. */
  const setDraft = (next: ControlTest | null) => {
    setDraftState(next);
    setMessage((current) => (current?.error ? null : current));
  };
  const close = (text: string | null) => {
    setDraftState(null);
    setFocusEdit(true);
    setMessage(text ? { text, error: false } : null);
  };
  const save = async () => {
    if (!draft) return;
    try {
      const saved = await saveControlTest(engagementId, control.id, draft);
      if (!saved.ok) return setMessage({ text: saved.message, error: true });
      close(`Saved the test of this control for ${engagementName}.`);
    } catch (error) {
      setMessage({ text: `Not saved: ${(error as Error).message}`, error: true });
    }
  };
  const reset = async () => {
    const done = await resetControlTest(engagementId, control.id);
    if (!done.ok) return setMessage({ text: done.message, error: true });
    close('The library’s attributes apply again; the conclusion and note were cleared.');
  };
  const lock = locks[0];
  const setAttribute = (index: number, text: string) =>
    draft && setDraft({ ...draft, attributes: draft.attributes.map((a, i) => (i === index ? { ...a, text } : a)) });
  const removeAttribute = (index: number) =>
    draft && setDraft({ ...draft, attributes: draft.attributes.filter((_, i) => i !== index) });
  const addAttribute = () =>
    draft &&
    setDraft({ ...draft, attributes: [...draft.attributes, { id: newAttributeId(draft.attributes), text: '' }] });

  const conclusion = isConclusion(test.conclusion) ? CONCLUSION_LABEL[test.conclusion] : test.conclusion;
  return (
    <div className="control-test" data-testid="control-test">
      <h3 id={`${id}-heading`}>Manual test attributes</h3>
      {!draft ? (
        <>
          <ol className="attribute-list" data-testid="attribute-list">
            {test.attributes.map((a) => (
              <li key={a.id} data-attribute={a.id}>
                {a.text}
              </li>
            ))}
          </ol>
          <dl className="facts facts-inline control-test-facts">
            <div>
              <dt>Conclusion</dt>
              <dd data-testid="control-conclusion">{conclusion}</dd>
            </div>
            {test.note && (
              <div className="facts-wide">
                <dt>Note</dt>
                <dd data-testid="control-note" className="control-note">
                  {test.note}
                </dd>
              </div>
            )}
            <div>
              <dt>Recorded</dt>
              <dd data-testid="control-test-saved">
                {test.updatedAt
                  ? `for ${engagementName}, ${formatTime(test.updatedAt)}`
                  : 'not yet: the library’s defaults'}
              </dd>
            </div>
          </dl>
          <div className="actions">
            <button
              type="button"
              ref={editButton}
              disabled={lock !== undefined}
              onClick={() => {
                setMessage(null);
                setDraftState(test);
              }}
              data-testid="control-test-edit"
              aria-describedby={`${id}-heading`}
            >
              Edit the test
            </button>
            {test.updatedAt && (
              <button
                type="button"
                disabled={lock !== undefined}
                onClick={() => void reset()}
                data-testid="control-test-reset"
              >
                Back to the library’s attributes
              </button>
            )}
          </div>
          {lock && (
            <p className="field-help" data-testid="control-test-locked">
              Locked: the workpaper for {lock.archiveName} was approved by {lock.reviewer} on{' '}
              {formatTime(lock.reviewedAt)}.{' '}
              <a href={formatRoute({ name: 'workpaper', archiveId: lock.archiveId })}>Open it to reopen it</a>.
            </p>
          )}
        </>
      ) : (
        <form
          className="control-test-form"
          aria-labelledby={`${id}-heading`}
          onSubmit={(event) => {
            event.preventDefault();
            void save();
          }}
        >
          <ol className="attribute-edit-list">
            {draft.attributes.map((a, i) => (
              <li key={a.id}>
                <label htmlFor={`${id}-attr-${a.id}`}>Attribute {i + 1}</label>
                <div className="attribute-edit-row">
                  <textarea
                    id={`${id}-attr-${a.id}`}
                    ref={i === 0 ? firstField : undefined}
                    value={a.text}
                    rows={2}
                    onChange={(event) => setAttribute(i, event.target.value)}
                    data-testid="attribute-input"
                  />
                  <button
                    type="button"

                    onClick={() => removeAttribute(i)}
                    aria-label={`Remove attribute ${i + 1}`}
                    data-testid="attribute-remove"
                  >
                    Remove
                  </button>
                </div>
              </li>
            ))}
          </ol>
          <button
            type="button"

            onClick={addAttribute}
            disabled={draft.attributes.length >= MAX_ATTRIBUTES}
            data-testid="attribute-add"
          >
            Add an attribute
          </button>
          <div className="field">
            <label htmlFor={`${id}-conclusion`}>Conclusion</label>
            <select
              id={`${id}-conclusion`}
              value={draft.conclusion}
              onChange={(event) => setDraft({ ...draft, conclusion: event.target.value })}
              data-testid="conclusion-select"
            >
              {!isConclusion(draft.conclusion) && <option value={draft.conclusion}>{draft.conclusion}</option>}
              {CONCLUSIONS.map((c) => (
                <option key={c} value={c}>
                  {CONCLUSION_LABEL[c]}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-note`}>Note</label>
            <textarea
              id={`${id}-note`}
              value={draft.note}
              rows={3}
              onChange={(event) => setDraft({ ...draft, note: event.target.value })}
              data-testid="note-input"
            />
          </div>
          <div className="actions">
            <button type="submit" className="primary" data-testid="control-test-save">
              Save
            </button>
            <button type="button" onClick={() => close(null)} data-testid="control-test-cancel">
              Cancel
            </button>
          </div>
        </form>
      )}
      {message && (
        <p
          className={message.error ? 'notice notice-error' : 'notice'}
          role={message.error ? 'alert' : 'status'}
          data-testid="control-test-message"
        >
          {message.text}
        </p>
      )}
    </div>
  );
}
