import { formatRoute, type Route } from './routes.ts';

/** The archive a screen is about, when it is about one. */
const archiveOf = (route: Route): string | null => ('archiveId' in route ? route.archiveId : null);

function NavLink({
  target,
  label,
  current,
  testId,
}: {
  target: Route;
  label: string;
  current: boolean;
  testId: string;
}) {
  return (
    <a href={formatRoute(target)} aria-current={current ? 'page' : undefined} data-testid={testId}>
      {label}
    </a>
  );
}

/**
 * The top bar: the places you can always go; below it, on a screen about one archive, that
 * archive's places in two groups: its evidence (dashboard, receipts and each receipt's
 * reconstruction, privacy) and the engagement's work on it (controls and their metrics,
 * policy bundles and their diffs, samples, the workpaper). Each place is one link, never
 * folded into a menu, and one line at 1280 px and wider.
 */
export function AppHeader({ route }: { route: Route }) {
  const archiveId = archiveOf(route);
  const at = (...names: Route['name'][]) => names.includes(route.name);
  return (
    <header className="app-header">
      <div className="app-bar">
        <a className="brand" href="#/" aria-label="Tickmark, start">
          Tickmark
        </a>
        <nav aria-label="Main">
          <NavLink target={{ name: 'start' }} label="Start" current={at('start')} testId="nav-start" />
          <NavLink target={{ name: 'trust' }} label="Trust store" current={at('trust')} testId="nav-trust" />
          <NavLink
            target={{ name: 'verify-workpaper' }}
            label="Verify workpaper"
            current={at('verify-workpaper')}
            testId="nav-verify-workpaper"
          />
        </nav>
        <span className="header-note">Offline · nothing leaves this machine</span>
      </div>
      {archiveId && (
        <nav className="archive-nav" aria-label="This archive" data-testid="archive-nav">
          <div className="nav-group" role="group" aria-labelledby="nav-group-evidence">
            <span className="nav-group-label" id="nav-group-evidence">
              Evidence
            </span>
            <NavLink
              target={{ name: 'dashboard', archiveId }}
              label="Dashboard"
              current={at('dashboard')}
              testId="nav-dashboard"
            />
            <NavLink
              target={{ name: 'receipts', archiveId, query: {} }}
              label="Receipts"
              current={at('receipts', 'receipt')}
              testId="nav-receipts"
            />
            <NavLink
              target={{ name: 'privacy', archiveId }}
              label="Privacy"
              current={at('privacy')}
              testId="nav-privacy"
            />
          </div>
          <div className="nav-group" role="group" aria-labelledby="nav-group-engagement">
            <span className="nav-group-label" id="nav-group-engagement">
              Engagement work
            </span>
            <NavLink
              target={{ name: 'controls', archiveId }}
              label="Controls & metrics"
              current={at('controls', 'metrics')}
              testId="nav-controls"
            />
            <NavLink
              target={{ name: 'bundles', archiveId }}
              label="Policy bundles"
              current={at('bundles', 'bundle-diff')}
              testId="nav-bundles"
            />
            <NavLink
              target={{ name: 'samples', archiveId }}
              label="Samples"
              current={at('samples', 'sample')}
              testId="nav-samples"
            />
            <NavLink
              target={{ name: 'workpaper', archiveId }}
              label="Workpaper"
              current={at('workpaper')}
              testId="nav-workpaper"
            />
          </div>
        </nav>
      )}
    </header>
  );
}
