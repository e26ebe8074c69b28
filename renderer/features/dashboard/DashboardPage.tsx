import { useLoadedArchive } from '../../app/loaded-archives.ts';
import { ArchiveNotReady } from '../../components/ArchiveNotReady.tsx';
import { ArchiveSummary } from './ArchiveSummary.tsx';
import { ChecksList } from './ChecksList.tsx';
import { CoverageTimeline } from './CoverageTimeline.tsx';
import { FindingCounts } from './FindingCounts.tsx';
import { LedgerStates } from './LedgerStates.tsx';
import { UntrustedRootBanner } from './UntrustedRootBanner.tsx';
import { Verdict } from './Verdict.tsx';
import { isExeclayerFormat } from '../execlayer/execlayer-view.ts';
import { ExeclayerSummary } from '../execlayer/ExeclayerSummary.tsx';
import { HmacNote } from '../execlayer/HmacNote.tsx';
import { LineFindings } from '../execlayer/LineFindings.tsx';

export function DashboardPage({ archiveId }: { archiveId: string }) {
  const state = useLoadedArchive(archiveId);
  if (state.status !== 'ready') return <ArchiveNotReady state={state} />;
  const { archive, findings, table } = state.loaded;
  const report = archive.report;
  if (isExeclayerFormat(report.format)) {
    // An ExecLayer kernel's log (docs/FORMAT-EXECLAYER.md): what it is, why it is not
    // independent evidence, then each finding at its file and line, and what was not checked.
    return (
      <div
        className="page dashboard"
        data-testid="dashboard"
        data-format={report.format}
        data-load-ms={Math.round(state.loadMs)}
      >
        <ExeclayerSummary archive={archive} />
        <Verdict report={report} findings={findings} archiveId={archiveId} />
        <HmacNote report={report} />
        <LineFindings archiveId={archiveId} findings={findings} table={table} />
        <ChecksList checks={report.checks} />
        <LedgerStates archiveId={archiveId} ledgers={report.ledgers} />
        <CoverageTimeline ledgers={report.ledgers} period={null} findings={findings} table={table} />
        {findings.length > 0 && <FindingCounts archiveId={archiveId} findings={findings} />}
      </div>
    );
  }
  return (
    <div className="page dashboard" data-testid="dashboard" data-load-ms={Math.round(state.loadMs)}>
      <ArchiveSummary archive={archive} />
      <Verdict report={report} findings={findings} archiveId={archiveId} />
      {findings.some((f) => f.code === 'KEY_UNTRUSTED_ROOT') && <UntrustedRootBanner archiveId={archiveId} />}
      <LedgerStates archiveId={archiveId} ledgers={report.ledgers} />
      <CoverageTimeline
        ledgers={report.ledgers}
        period={report.archive?.period ?? null}
        findings={findings}
        table={table}
      />
      <FindingCounts archiveId={archiveId} findings={findings} />
      <ChecksList checks={report.checks} />
    </div>
  );
}
