import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App.tsx';
import { HostContext } from './app/host-context.ts';
import { parseRoute } from './app/routes.ts';
import { warmExplainWorker } from './features/reconstruct/explain-client.ts';
import { selectHost } from './host/select-host.ts';

// A reconstruction opened directly (a shared link, a reload): its worker starts loading Cedar
// now, before the window's first render, rather than when the page mounts.
if (parseRoute(window.location.hash).name === 'receipt') warmExplainWorker();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <HostContext.Provider value={selectHost()}>
      <App />
    </HostContext.Provider>
  </StrictMode>,
);
