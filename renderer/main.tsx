import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createRoot } from 'react-dom/client';
import { App } from './app/App.js';
import { startOfflineWorker } from './app/offline-worker.js';
import { UpdateBanner } from './app/UpdateBanner.js';
import { detectHost } from './host/index.js';
import { SessionProvider } from './session/session.js';
import './styles.css';

// networkMode 'always': a call to the server made while offline fails at once and the screen says
// it needs the server (with Retry), rather than waiting paused behind a spinner.
const queryClient = new QueryClient({
  defaultOptions: { queries: { staleTime: 30_000, refetchOnWindowFocus: false, networkMode: 'always' }, mutations: { networkMode: 'always' } },
});

async function start() {
  const root = document.getElementById('root');
  if (!root) throw new Error('index.html has no #root');
  const host = await detectHost();
  createRoot(root).render(
    // No StrictMode: its double-run effects would open and close the local database twice.
    <QueryClientProvider client={queryClient}>
      <SessionProvider host={host}>
        <App />
        <UpdateBanner />
      </SessionProvider>
    </QueryClientProvider>,
  );
  // The web console keeps its app shell for offline starts; the desktop app has its own files.
  void startOfflineWorker(host);
}

start().catch((error: unknown) => {
  const root = document.getElementById('root');
  if (root) root.textContent = `The console could not start: ${error instanceof Error ? error.message : String(error)}`;
});
