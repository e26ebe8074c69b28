import { useDeferredValue, useId, useMemo, useState } from 'react';
import type { PrivacyReport } from '../../../shared/controls/privacy.ts';
import { useHost } from '../../app/host-context.ts';
import { useLoadedArchive } from '../../app/loaded-archives.ts';
import { formatRoute } from '../../app/routes.ts';
import { navigate } from '../../app/use-route.ts';
import { formatCount } from '../../components/format.ts';
import { ArchiveNotReady } from '../../components/ArchiveNotReady.tsx';
import type { StoredReport } from '../../store/db.ts';
import { csvFileName, evidenceWarning, filterEntries, filterTerms, privacyCsv, searchTexts } from './privacy-rows.ts';
import { PrivacyTable } from './PrivacyTable.tsx';

interface Props {
  readonly archiveId: string;
  /** The filter, as the address holds it. */
  readonly text: string | undefined;
}

const CONTROLS_CHECK = 'Decision re-evaluation and control checks';

/**
 * What `tickmark privacy` gives, as a screen: per hashed data subject and personal-data
 * category, the agents, actions, recipients, outcomes and times, from the report made in
 * the archive's own verification. The warning comes first when the evidence is not sound.
 */
export function PrivacyPage({ archiveId, text }: Props) {
  const state = useLoadedArchive(archiveId);
  if (state.status !== 'ready') return <ArchiveNotReady state={state} />;
  const { archive } = state.loaded;
  const warning = evidenceWarning(archive.report.summary);
  return (
    <div className="page privacy-page" data-testid="privacy-page">
      <div className="page-head">
        <h1>Privacy report</h1>
        <span className="muted">{archive.name}</span>
      </div>
      {warning && (
        <section
          className="panel panel-alert"
          role="alert"
          aria-labelledby="privacy-warning-heading"
          data-testid="privacy-evidence-warning"
        >
          <h2 id="privacy-warning-heading">Warning: the evidence is not sound</h2>
          <p data-testid="privacy-evidence-sentence">{warning}</p>
          <p>
            The counts below are read from receipts whose integrity or origin is not established.{' '}
            <a href={formatRoute({ name: 'dashboard', archiveId })}>See the dashboard</a> for the findings.
          </p>
        </section>
      )}
      <p className="lede">
        Per data subject (hashed, as the receipts carry them) and personal-data category: which agents touched it, with
        which actions, sent to which recipients, and when. The same report as <code>tickmark privacy</code>, made when
        an archive is imported and verified. It holds no personal data itself.
      </p>
      {archive.privacy ? (
        <PrivacyBody archiveId={archiveId} archiveName={archive.name} privacy={archive.privacy} text={text ?? ''} />
      ) : (
        <MissingReport report={archive.report} />
      )}
    </div>
  );
}

function MissingReport({ report }: { report: StoredReport }) {
  const controls = report.checks.find((c) => c.check === CONTROLS_CHECK);
  return (
    <p className="notice notice-error" role="status" data-testid="privacy-missing">
      No privacy report was made when this archive was imported; import it again.
      {controls?.status === 'not checked' &&
        ` (The control checks did not run in that import, and the privacy report is made with them: ${controls.reason ?? 'no reason recorded'}.)`}
    </p>
  );
}

function PrivacyBody({
  archiveId,
  archiveName,
  privacy,
  text,
}: {
  readonly archiveId: string;
  readonly archiveName: string;
  readonly privacy: PrivacyReport;
  readonly text: string;
}) {
  const host = useHost();
  const id = useId();
  const { entries } = privacy;
  const texts = useMemo(() => searchTexts(entries), [entries]);
  // Typing stays responsive on 100,000 rows: the table follows a step behind.
  const deferred = useDeferredValue(text);
  const terms = useMemo(() => filterTerms(deferred), [deferred]);
  const positions = useMemo(() => filterEntries(texts, terms), [texts, terms]);
  const undeclaredRows = useMemo(() => entries.filter((e) => e.undeclared > 0).length, [entries]);
  const [saveMessage, setSaveMessage] = useState<{ text: string; error: boolean } | null>(null);
  const filtered = terms.length > 0;

  const setText = (next: string) =>
    navigate({ name: 'privacy', archiveId, ...(next ? { text: next } : {}) }, { replace: true });

  const exportCsv = async () => {
    const name = csvFileName(archiveName, filtered);
    try {
      const bytes = new TextEncoder().encode(privacyCsv(entries, positions));
      const saved = await host.saveFile(name, bytes);
      setSaveMessage({
        text: saved
          ? `Saved ${name}: ${formatCount(positions.length)} row${positions.length === 1 ? '' : 's'}${filtered ? ' (the filtered rows)' : ''}.`
          : 'Not saved: the save was cancelled.',
        error: false,
      });
    } catch (error) {
      setSaveMessage({ text: `The CSV could not be saved: ${(error as Error).message}`, error: true });
    }
  };

  return (
    <>
      <section aria-labelledby={`${id}-summary`} className="panel">
        <h2 id={`${id}-summary`}>Summary</h2>
        <dl className="facts facts-inline" data-testid="privacy-summary">
          <div>
            <dt>Receipts with personal data</dt>
            <dd className="num" data-testid="privacy-receipts">
              {formatCount(privacy.receipts)}
            </dd>
          </div>
          <div>
            <dt>Data subjects</dt>
            <dd className="num" data-testid="privacy-subjects">
              {formatCount(privacy.subjects)}
            </dd>
          </div>
          <div>
            <dt>Subject and category rows</dt>
            <dd className="num" data-testid="privacy-entries">
              {formatCount(entries.length)}
            </dd>
          </div>
          <div>
            <dt>Rows with an undeclared category</dt>
            <dd className={`num${undeclaredRows > 0 ? ' undeclared' : ''}`} data-testid="privacy-undeclared-rows">
              {formatCount(undeclaredRows)}
            </dd>
          </div>
        </dl>
        {entries.length === 0 && (
          <p className="panel-note" data-testid="privacy-none">
            No receipt in this archive carries personal data or data subjects.
          </p>
        )}
        {undeclaredRows > 0 && (
          <p className="panel-note">
            “Undeclared”: receipts whose policy bundle does not list the category among its personal-data categories.
          </p>
        )}
      </section>
      {entries.length > 0 && (
        <>
          <div className="filter-bar" role="search" aria-label="Filter the privacy report">
            <div className="field field-inline privacy-filter">
              <label htmlFor={`${id}-filter`}>Filter</label>
              <input
                id={`${id}-filter`}
                type="search"
                value={text}
                onChange={(event) => setText(event.target.value)}
                placeholder="subject, category, agent or recipient"
                aria-describedby={`${id}-filter-help`}
                spellCheck={false}
                autoComplete="off"
                data-testid="privacy-filter"
              />
            </div>
            <span id={`${id}-filter-help`} className="field-help">
              Every word must match a subject, category, agent or recipient (any case).
            </span>
            <button type="button" onClick={() => void exportCsv()} data-testid="privacy-export">
              Export CSV{filtered ? ' (filtered rows)' : ''}
            </button>
          </div>
          <p
            className="result-count num"
            role="status"
            data-testid="privacy-result-count"
            data-rows={positions.length}
            aria-busy={deferred !== text}
          >
            {formatCount(positions.length)} of {formatCount(entries.length)} rows
          </p>
          {saveMessage && (
            <p
              className={`notice${saveMessage.error ? ' notice-error' : ''}`}
              role="status"
              data-testid="privacy-export-message"
            >
              {saveMessage.text}
            </p>
          )}
          <PrivacyTable archiveId={archiveId} entries={entries} positions={positions} />
        </>
      )}
    </>
  );
}
