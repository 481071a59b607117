import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';
import { VitePWA } from 'vite-plugin-pwa';

const root = import.meta.dirname;

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      // ES module: electron-store 11 is ESM-only, and Electron 45 loads an ESM main natively.
      lib: { entry: resolve(root, 'main/index.ts'), formats: ['es'] },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      // CommonJS so the window can stay sandboxed (sandboxed preloads cannot be ES modules).
      lib: { entry: resolve(root, 'preload/index.ts'), formats: ['cjs'] },
      // A sandboxed preload can require only `electron`: everything else is bundled in.
      externalizeDeps: false,
      rolldownOptions: { output: { entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    plugins: [react(), offlineWorker()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      minify: true,
      chunkSizeWarningLimit: 4096,
      rolldownOptions: { input: resolve(root, 'renderer/index.html') },
    },
  },
});

/**
 * The web console's service worker (sw.js beside index.html, built by Workbox): it precaches the
 * app shell, the build's own files, so the console loads offline and works from its replica. It
 * caches nothing else: the API, sync, health and metrics are never answered by the worker (they
 * go to the network as if there were no worker), so no response with account data is stored.
 * A new version waits until the person reloads (renderer/app/offline-worker.ts asks); the desktop
 * app never registers it.
 */
function offlineWorker() {
  return VitePWA({
    strategies: 'generateSW',
    filename: 'sw.js',
    registerType: 'prompt',
    // Registered by renderer/app/offline-worker.ts, and only in the web console.
    injectRegister: false,
    // No web app manifest: the console needs to load offline, not to be installed.
    manifest: false,
    workbox: {
      globPatterns: ['**/*.{html,js,css,svg,woff2}'],
      // One bundle of a few MB (Workbox's default limit is 2 MiB per file).
      maximumFileSizeToCacheInBytes: 16 * 1024 * 1024,
      // Hash routes: every navigation is the one page, served from the precache offline.
      navigateFallback: 'index.html',
      navigateFallbackDenylist: [/^\/api\//, /^\/sync\//, /^\/healthz/, /^\/metrics/],
      runtimeCaching: [],
      cleanupOutdatedCaches: true,
      // A new worker waits for the person to reload; only the very first one takes the open page.
      skipWaiting: false,
      clientsClaim: true,
      // One script under script-src 'self', without importScripts of a separate runtime file.
      inlineWorkboxRuntime: true,
      sourcemap: false,
    },
  });
}
