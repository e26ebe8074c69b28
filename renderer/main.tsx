import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App.tsx';
import { HostContext } from './app/host-context.ts';
import { selectHost } from './host/select-host.ts';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <HostContext.Provider value={selectHost()}>
      <App />
    </HostContext.Provider>
  </StrictMode>,
);
