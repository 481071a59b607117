import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';

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
    plugins: [react()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      minify: true,
      chunkSizeWarningLimit: 4096,
      rolldownOptions: { input: resolve(root, 'renderer/index.html') },
    },
  },
});
