import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import {
  ENGAGEMENT_NAME_MAX,
  validateEngagement,
  type EngagementErrors,
  type EngagementField,
  type EngagementFields,
  type EngagementInput,
} from '../../store/engagement-rules.ts';

interface EngagementFormProps {
  readonly mode: 'new' | 'edit';
  readonly initial: EngagementInput;
  /** Stores the fields; a rejection is shown on the form. */
  readonly onSave: (fields: EngagementFields) => Promise<void>;
  readonly onCancel: () => void;
}

/** Fields in the order they appear: the first one in error gets the focus. */
const ORDER: readonly EngagementField[] = ['name', 'client', 'periodFrom', 'periodTo', 'notes'];
/** Stands for a date the browser holds as incomplete (its value is then empty). */
const INCOMPLETE_DATE = 'incomplete';

/**
 * New engagement, or edit one: name, client, examination period, notes. Errors appear
 * under their field (aria-describedby) once the auditor has tried to save, and follow
 * the input from then on. Enter saves, Escape cancels.
 */
export function EngagementForm({ mode, initial, onSave, onCancel }: EngagementFormProps) {
  const id = useId();
  const [values, setValues] = useState<EngagementInput>(initial);
  const [incomplete, setIncomplete] = useState({ periodFrom: false, periodTo: false });
  const [tried, setTried] = useState(false);
  const [saving, setSaving] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const refs = useRef<Partial<Record<EngagementField, HTMLInputElement | HTMLTextAreaElement | null>>>({});

  useEffect(() => {
    refs.current.name?.focus();
  }, []);

  // An incomplete date (say, a year not typed yet) has an empty value: validate it as what it is.
  const checked: EngagementInput = {
    ...values,
    periodFrom: incomplete.periodFrom ? INCOMPLETE_DATE : values.periodFrom,
    periodTo: incomplete.periodTo ? INCOMPLETE_DATE : values.periodTo,
  };
  const validation = validateEngagement(checked);
  const errors: EngagementErrors = tried && !validation.ok ? validation.errors : {};

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    setFailure(null);
    if (!validation.ok) {
      const first = ORDER.find((field) => validation.errors[field] !== undefined);
      if (first) refs.current[first]?.focus();
      return;
    }
    setSaving(true);
    try {
      await onSave(validation.fields);
    } catch (error) {
      setFailure(`The engagement could not be saved: ${(error as Error).message}`);
      setSaving(false);
    }
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      onCancel();
    }
  };

  const set = (field: EngagementField) => (event: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) => {
    const value = event.currentTarget.value;
    setValues((v) => ({ ...v, [field]: value }));
  };
  /**
   * A date input keeps its value empty while a date is half typed, so React sees no change;
   * the native input event still fires, and says whether what is shown is a date.
   */
  const track = (field: 'periodFrom' | 'periodTo') => (event: { currentTarget: HTMLInputElement }) => {
    const bad = event.currentTarget.validity.badInput;
    setIncomplete((s) => (s[field] === bad ? s : { ...s, [field]: bad }));
  };
  /** Props tying a field to its label, its help and its error. */
  const fieldProps = (field: EngagementField, hasHelp = false) => {
    const described = [hasHelp ? `${id}-${field}-help` : null, errors[field] ? `${id}-${field}-error` : null]
      .filter(Boolean)
      .join(' ');
    return {
      id: `${id}-${field}`,
      value: values[field],
      onChange: set(field),
      'aria-invalid': errors[field] ? true : undefined,
      'aria-describedby': described || undefined,
      'data-testid': `engagement-${field}`,
    } as const;
  };
  const error = (field: EngagementField) =>
    errors[field] && (
      <p id={`${id}-${field}-error`} className="field-error" data-testid={`engagement-${field}-error`}>
        {errors[field]}
      </p>
    );
  const heading = mode === 'new' ? 'New engagement' : 'Edit engagement';

  return (
    <form
      className="engagement-form"
      noValidate
      onSubmit={onSubmit}
      onKeyDown={onKeyDown}
      aria-labelledby={`${id}-heading`}
      data-testid="engagement-form"
    >
      <h3 id={`${id}-heading`}>{heading}</h3>
      <div className="form-grid">
        <div className="field field-wide">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            {...fieldProps('name', true)}
            ref={(el) => {
              refs.current.name = el;
            }}
            required
            placeholder="e.g. Example Corp SOC 2 Type II, H1 2026"
          />
          <p id={`${id}-name-help`} className="field-help">
            Required, up to {ENGAGEMENT_NAME_MAX} characters.
          </p>
          {error('name')}
        </div>
        <div className="field field-wide">
          <label htmlFor={`${id}-client`}>Client (the audited organization)</label>
          <input
            {...fieldProps('client')}
            ref={(el) => {
              refs.current.client = el;
            }}
            placeholder="e.g. Example Corp"
          />
          {error('client')}
        </div>
        <fieldset className="period-fields" aria-describedby={`${id}-period-help`}>
          <legend>Examination period</legend>
          <div className="field">
            <label htmlFor={`${id}-periodFrom`}>From (first day)</label>
            <input
              type="date"
              {...fieldProps('periodFrom')}
              onInput={track('periodFrom')}
              ref={(el) => {
                refs.current.periodFrom = el;
              }}
            />
            {error('periodFrom')}
          </div>
          <div className="field">
            <label htmlFor={`${id}-periodTo`}>To (last day)</label>
            <input
              type="date"
              {...fieldProps('periodTo')}
              onInput={track('periodTo')}
              ref={(el) => {
                refs.current.periodTo = el;
              }}
            />
            {error('periodTo')}
          </div>
          <p id={`${id}-period-help`} className="field-help period-help">
            Both days are included; dates are in UTC, as the evidence records time. Leave both empty if the period is
            not known yet.
          </p>
        </fieldset>
        <div className="field field-wide">
          <label htmlFor={`${id}-notes`}>Notes (optional)</label>
          <textarea
            {...fieldProps('notes')}
            ref={(el) => {
              refs.current.notes = el;
            }}
            rows={2}
          />
          {error('notes')}
        </div>
      </div>
      {failure && (
        <p className="notice notice-error" role="alert">
          {failure}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={saving} data-testid="engagement-save">
          {mode === 'new' ? 'Create engagement' : 'Save changes'}
        </button>
        <button type="button" onClick={onCancel} data-testid="engagement-cancel">
          Cancel
        </button>
      </div>
    </form>
  );
}
