/**
 * The web console's service worker (built by Workbox from electron.vite.config.ts): it keeps the
 * app shell so the console loads offline and works from its replica, like the desktop app. It is
 * registered only by the web console served over http(s), never inside Electron (which loads the
 * console from its own app:// files). A new version never takes over an open console by itself:
 * it waits, the console offers "A new version is ready: reload" (UpdateBanner), and otherwise it
 * starts the next time the console opens.
 */
import { BehaviorSubject } from 'rxjs';
import type { HostApi } from '../host/index.js';

export type WorkerUpdate = {
  /** Let the waiting version take over, then reload this page. */
  apply(): Promise<void>;
};

/** Set while a new version is installed and waiting for the person to reload. */
export const workerUpdate$ = new BehaviorSubject<WorkerUpdate | null>(null);

/** How often an open console asks the server whether a new version was deployed. */
const UPDATE_CHECK_MS = 60 * 60_000;

export type WorkerEnvironment = { hostKind: HostApi['kind']; protocol: string; serviceWorkers: boolean; production: boolean };

/** The built web console, served over http(s) by the server, in a browser that has service workers. */
export function offlineWorkerWanted(env: WorkerEnvironment): boolean {
  return env.production && env.hostKind === 'browser' && (env.protocol === 'http:' || env.protocol === 'https:') && env.serviceWorkers;
}

export async function startOfflineWorker(host: Pick<HostApi, 'kind'>): Promise<void> {
  const env = { hostKind: host.kind, protocol: window.location.protocol, serviceWorkers: 'serviceWorker' in navigator, production: import.meta.env.PROD };
  if (!offlineWorkerWanted(env)) return;
  const { registerSW } = await import('virtual:pwa-register');
  const takeOver = registerSW({
    immediate: true,
    onNeedRefresh: () =>
      workerUpdate$.next({
        apply: async () => {
          // This page reloads once the new version controls it (also in a page opened before any worker did).
          navigator.serviceWorker.addEventListener('controllerchange', () => window.location.reload(), { once: true });
          await takeOver(true);
        },
      }),
    // Another tab's person let the new version in: this page keeps running (and offering to
    // reload) until its own person chooses; it is never reloaded for them.
    onNeedReload: () => undefined,
    onRegisteredSW: (_url, registration) => {
      if (!registration) return;
      setInterval(() => {
        if (navigator.onLine) registration.update().catch(() => undefined);
      }, UPDATE_CHECK_MS);
    },
    // Without the worker the console still works online; it just cannot be reloaded offline.
    onRegisterError: () => undefined,
  });
}
