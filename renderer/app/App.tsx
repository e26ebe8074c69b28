import { useEffect, useState } from 'react';
import { BundlesPage } from '../features/bundles/BundlesPage.tsx';
import { DiffPage } from '../features/bundles/DiffPage.tsx';
import { ReplayedUnder } from '../features/bundles/ReplayedUnder.tsx';
import { ControlsPage } from '../features/controls/ControlsPage.tsx';
import { MetricsPage } from '../features/controls/MetricsPage.tsx';
import { DashboardPage } from '../features/dashboard/DashboardPage.tsx';
import { ImportPage } from '../features/import/ImportPage.tsx';
import { PrivacyPage } from '../features/privacy/PrivacyPage.tsx';
import { ReceiptsPage } from '../features/receipts/ReceiptsPage.tsx';
import { ReconstructPage } from '../features/reconstruct/ReconstructPage.tsx';
import { SamplePage } from '../features/sampling/SamplePage.tsx';
import { SamplesPage } from '../features/sampling/SamplesPage.tsx';
import { openArchiveFromHost } from '../features/start/open-archive.ts';
import { StartPage } from '../features/start/StartPage.tsx';
import { TrustPage } from '../features/trust/TrustPage.tsx';
import { VerifyWorkpaperPage } from '../features/workpaper/VerifyWorkpaperPage.tsx';
import { WorkpaperPage } from '../features/workpaper/WorkpaperPage.tsx';
import { removeInterruptedImports } from '../store/archives.ts';
import { ExeclayerLinesPage } from '../features/execlayer/ExeclayerLinesPage.tsx';
import { ExeclayerReconstructPage } from '../features/execlayer/ExeclayerReconstructPage.tsx';
import { isExeclayerFormat, type ArchiveScreen } from '../features/execlayer/execlayer-view.ts';
import { NotForExeclayer } from '../features/execlayer/NotForExeclayer.tsx';
import { useArchiveFormat } from '../features/execlayer/use-archive-format.ts';
import { AppHeader } from './AppHeader.tsx';
import { useHost } from './host-context.ts';
import type { Route } from './routes.ts';
import { useRoute } from './use-route.ts';

/** Start-up: remove imports a closed window left half-written, then show the screens. */
export function App() {
  const route = useRoute();
  const host = useHost();
  const [ready, setReady] = useState(false);
  const [cleanupNote, setCleanupNote] = useState<string | null>(null);
  const [openMessage, setOpenMessage] = useState<string | null>(null);
  useEffect(() => {
    removeInterruptedImports()
      .then((removed) => {
        if (removed.length > 0)
          setCleanupNote(
            `${removed.length === 1 ? 'An import' : `${removed.length} imports`} interrupted before completing ${removed.length === 1 ? 'was' : 'were'} removed; nothing of it is kept.`,
          );
      })
      .catch((error: Error) => setCleanupNote(`Could not check for interrupted imports: ${error.message}`))
      .finally(() => setReady(true));
  }, []);
  // File → Open Archive… (desktop menu) or Ctrl/Cmd+O (browser), on any screen: the same
  // action as the start page's button. Only once interrupted imports are cleaned up.
  useEffect(() => {
    if (!ready) return undefined;
    const unsubscribe = host.onOpenArchiveRequest(() => {
      setOpenMessage(null);
      void openArchiveFromHost(host).then(setOpenMessage);
    });
    // Said on the page once it holds, so that tests (and tools) know the shortcut is live.
    document.documentElement.dataset.openShortcut = 'on';
    return () => {
      delete document.documentElement.dataset.openShortcut;
      unsubscribe();
    };
  }, [host, ready]);
  useEffect(() => {
    document.title = `${titleOf(route)} · Tickmark`;
  }, [route]);
  // The clean-up note belongs to the screen the workbench opened on.
  const [openedOn] = useState(() => window.location.hash);
  useEffect(() => {
    if (window.location.hash !== openedOn) setCleanupNote(null);
  }, [route, openedOn]);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <AppHeader route={route} />
      <main id="main" tabIndex={-1}>
        {cleanupNote && (
          <p className="notice" role="status" data-testid="cleanup-note">
            {cleanupNote}
          </p>
        )}
        {openMessage && (
          <p className="notice notice-error" role="alert" data-testid="open-archive-message">
            {openMessage}
          </p>
        )}
        {ready ? <Screen route={route} /> : <p className="muted">Opening the workbench…</p>}
      </main>
    </>
  );
}

function Screen({ route }: { route: Route }) {
  switch (route.name) {
    case 'receipts':
    case 'receipt':
    case 'privacy':
    case 'controls':
    case 'metrics':
    case 'bundles':
    case 'bundle-diff':
    case 'samples':
    case 'sample':
    case 'workpaper':
      return <ArchiveScreen key={route.archiveId} route={route} />;
    case 'dashboard':
    case 'start':
    case 'trust':
    case 'import':
    case 'verify-workpaper':
      return <Page route={route} />;
  }
}

/**
 * A screen about one archive past its dashboard (which tells the two apart itself). An
 * ExecLayer log (docs/FORMAT-EXECLAYER.md) has its own lines screen and line reconstruction; the screens made for
 * FORMAT.md archives say plainly why they are not available for it, never an empty table.
 */
function ArchiveScreen({ route }: { route: Exclude<Extract<Route, { archiveId: string }>, { name: 'dashboard' }> }) {
  const format = useArchiveFormat(route.archiveId);
  if (format === undefined) return <p className="muted">Reading the stored archive…</p>;
  if (format !== null && isExeclayerFormat(format)) {
    if (route.name === 'receipts')
      return <ExeclayerLinesPage archiveId={route.archiveId} query={route.query} row={route.row} />;
    if (route.name === 'receipt')
      return (
        <ExeclayerReconstructPage
          key={route.archiveId}
          archiveId={route.archiveId}
          receiptId={route.receiptId}
          line={route.line}
        />
      );
    return <NotForExeclayer archiveId={route.archiveId} screen={route.name satisfies ArchiveScreen} />;
  }
  return <Page route={route} />;
}

/** The screen of a route. */
function Page({ route }: { route: Route }) {
  switch (route.name) {
    case 'start':
      return <StartPage />;
    case 'trust':
      return <TrustPage />;
    case 'import':
      return <ImportPage />;
    case 'dashboard':
      return <DashboardPage key={route.archiveId} archiveId={route.archiveId} />;
    case 'receipts':
      return <ReceiptsPage key={route.archiveId} archiveId={route.archiveId} query={route.query} row={route.row} />;
    case 'privacy':
      return <PrivacyPage key={route.archiveId} archiveId={route.archiveId} text={route.text} />;
    case 'controls':
      return <ControlsPage key={route.archiveId} archiveId={route.archiveId} />;
    case 'metrics':
      return <MetricsPage key={route.archiveId} archiveId={route.archiveId} />;
    case 'receipt':
      return (
        <>
          {route.bundle && (
            <ReplayedUnder
              key={`${route.archiveId}\n${route.bundle}`}
              archiveId={route.archiveId}
              receiptId={route.receiptId}
              row={route.row}
              bundle={route.bundle}
            />
          )}
          <ReconstructPage
            key={route.archiveId}
            archiveId={route.archiveId}
            receiptId={route.receiptId}
            row={route.row}
          />
        </>
      );
    case 'bundles':
      return <BundlesPage key={route.archiveId} archiveId={route.archiveId} />;
    case 'samples':
      return <SamplesPage key={route.archiveId} archiveId={route.archiveId} creating={route.creating === true} />;
    case 'sample':
      return (
        <SamplePage
          key={`${route.archiveId}\n${route.sampleId}`}
          archiveId={route.archiveId}
          sampleId={route.sampleId}
        />
      );
    case 'bundle-diff':
      return <DiffPage key={route.archiveId} route={route} />;
    case 'workpaper':
      return <WorkpaperPage key={route.archiveId} archiveId={route.archiveId} />;
    case 'verify-workpaper':
      return <VerifyWorkpaperPage />;
  }
}

function titleOf(route: Route): string {
  switch (route.name) {
    case 'start':
      return 'Start';
    case 'trust':
      return 'Trust store';
    case 'import':
      return 'Import and verification';
    case 'dashboard':
      return 'Dashboard';
    case 'receipts':
      return 'Receipts';
    case 'privacy':
      return 'Privacy report';
    case 'controls':
      return 'Control library';
    case 'metrics':
      return 'Control metrics';
    case 'receipt':
      return `Receipt ${route.receiptId}`;
    case 'bundles':
      return 'Policy bundles';
    case 'samples':
      return route.creating ? 'New sample' : 'Samples';
    case 'sample':
      return `Sample ${route.sampleId}`;
    case 'bundle-diff':
      return 'Policy diff';
    case 'workpaper':
      return 'Workpaper';
    case 'verify-workpaper':
      return 'Verify a workpaper';
  }
}
