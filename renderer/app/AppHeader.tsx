import { formatRoute, type Route } from './routes.ts';

/** The top bar: where you are and the places you can always go. */
export function AppHeader({ route }: { route: Route }) {
  const archiveId =
    route.name === 'dashboard' ||
    route.name === 'receipts' ||
    route.name === 'privacy' ||
    route.name === 'controls' ||
    route.name === 'metrics' ||
    route.name === 'bundles' ||
    route.name === 'bundle-diff' ||
    route.name === 'workpaper' ||
    route.name === 'samples' ||
    route.name === 'sample'
      ? route.archiveId
      : null;
  const link = (target: Route, label: string, current: boolean, testId: string) => (
    <a href={formatRoute(target)} aria-current={current ? 'page' : undefined} data-testid={testId}>
      {label}
    </a>
  );
  return (
    <header className="app-header">
      <a className="brand" href="#/" aria-label="Tickmark, start">
        Tickmark
      </a>
      <nav aria-label="Main">
        {link({ name: 'start' }, 'Start', route.name === 'start', 'nav-start')}
        {link({ name: 'trust' }, 'Trust store', route.name === 'trust', 'nav-trust')}
        {link(
          { name: 'verify-workpaper' },
          'Verify workpaper',
          route.name === 'verify-workpaper',
          'nav-verify-workpaper',
        )}
        {archiveId && link({ name: 'dashboard', archiveId }, 'Dashboard', route.name === 'dashboard', 'nav-dashboard')}
        {archiveId &&
          link({ name: 'receipts', archiveId, query: {} }, 'Receipts', route.name === 'receipts', 'nav-receipts')}
        {archiveId && link({ name: 'privacy', archiveId }, 'Privacy', route.name === 'privacy', 'nav-privacy')}
        {archiveId &&
          link(
            { name: 'controls', archiveId },
            'Controls',
            route.name === 'controls' || route.name === 'metrics',
            'nav-controls',
          )}
        {archiveId &&
          link(
            { name: 'bundles', archiveId },
            'Policy bundles',
            route.name === 'bundles' || route.name === 'bundle-diff',
            'nav-bundles',
          )}
        {archiveId &&
          link(
            { name: 'samples', archiveId },
            'Samples',
            route.name === 'samples' || route.name === 'sample',
            'nav-samples',
          )}
        {archiveId && link({ name: 'workpaper', archiveId }, 'Workpaper', route.name === 'workpaper', 'nav-workpaper')}
      </nav>
      <span className="header-note">Offline · nothing leaves this machine</span>
    </header>
  );
}
