import { formatRoute, type Route } from './routes.ts';

/** A link of the header: where it goes, and the screens it is the current place for. */
interface Place {
  readonly target: Route;
  readonly label: string;
  readonly at: readonly Route['name'][];
  readonly testId: string;
}

function PlaceLink({ place, route }: { place: Place; route: Route }) {
  return (
    <a
      href={formatRoute(place.target)}
      aria-current={place.at.includes(route.name) ? 'page' : undefined}
      data-testid={place.testId}
    >
      {place.label}
    </a>
  );
}

const MAIN: readonly Place[] = [
  { target: { name: 'start' }, label: 'Start', at: ['start'], testId: 'nav-start' },
  { target: { name: 'trust' }, label: 'Trust store', at: ['trust'], testId: 'nav-trust' },
  {
    target: { name: 'verify-workpaper' },
    label: 'Verify workpaper',
    at: ['verify-workpaper'],
    testId: 'nav-verify-workpaper',
  },
];

/** One archive's places, in two groups: its evidence, and the engagement's work on it. */
function archivePlaces(archiveId: string): readonly { id: string; label: string; places: readonly Place[] }[] {
  return [
    {
      id: 'nav-group-evidence',
      label: 'Evidence',
      places: [
        { target: { name: 'dashboard', archiveId }, label: 'Dashboard', at: ['dashboard'], testId: 'nav-dashboard' },
        {
          target: { name: 'receipts', archiveId, query: {} },
          label: 'Receipts',
          at: ['receipts', 'receipt'],
          testId: 'nav-receipts',
        },
        { target: { name: 'privacy', archiveId }, label: 'Privacy', at: ['privacy'], testId: 'nav-privacy' },
      ],
    },
    {
      id: 'nav-group-engagement',
      label: 'Engagement work',
      places: [
        {
          target: { name: 'controls', archiveId },
          label: 'Controls & metrics',
          at: ['controls', 'metrics'],
          testId: 'nav-controls',
        },
        {
          target: { name: 'bundles', archiveId },
          label: 'Policy bundles',
          at: ['bundles', 'bundle-diff'],
          testId: 'nav-bundles',
        },
        { target: { name: 'samples', archiveId }, label: 'Samples', at: ['samples', 'sample'], testId: 'nav-samples' },
        { target: { name: 'workpaper', archiveId }, label: 'Workpaper', at: ['workpaper'], testId: 'nav-workpaper' },
      ],
    },
  ];
}

/**
 * The top bar: the places you can always go; below it, on a screen about one archive, that
 * archive's places in two groups: its evidence (dashboard, receipts and each receipt's
 * reconstruction, privacy) and the engagement's work on it (controls and their metrics,
 * policy bundles and their diffs, samples, the workpaper). Each place is one link, never
 * folded into a menu, and one line at 1280 px and wider.
 */
export function AppHeader({ route }: { route: Route }) {
  const archiveId = 'archiveId' in route ? route.archiveId : null;
  return (
    <header className="app-header">
      <div className="app-bar">
        <a className="brand" href="#/" aria-label="Tickmark, start">
          Tickmark
        </a>
        <nav aria-label="Main">
          {MAIN.map((place) => (
            <PlaceLink key={place.testId} place={place} route={route} />
          ))}
        </nav>
        <span className="header-note">Offline · nothing leaves this machine</span>
      </div>
      {archiveId && (
        <nav className="archive-nav" aria-label="This archive" data-testid="archive-nav">
          {archivePlaces(archiveId).map((group) => (
            <div key={group.id} className="nav-group" role="group" aria-labelledby={group.id}>
              <span className="nav-group-label" id={group.id}>
                {group.label}
              </span>
              {group.places.map((place) => (
                <PlaceLink key={place.testId} place={place} route={route} />
              ))}
            </div>
          ))}
        </nav>
      )}
    </header>
  );
}
