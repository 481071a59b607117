import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Where the Electron binary is, or why it is not there. Reads electron's own path.txt instead of
 * `require('electron')`, which would try to download the binary when it is missing.
 */
export function findElectronBinary(): { path: string } | { missing: string } {
  let packageDir: string;
  try {
    packageDir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { missing: 'the electron package is not installed' };
  }
  const pathFile = path.join(packageDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  // Same rule as electron's index.js: an override folder wins, and names the binary `electron` by default.
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const binary = path.join(override, relative ?? 'electron');
    return existsSync(binary) ? { path: binary } : { missing: `ELECTRON_OVERRIDE_DIST_PATH names ${binary}, which does not exist` };
  }
  if (!relative) return { missing: `the Electron binary was never downloaded (${pathFile} is absent; run "npx install-electron")` };
  const binary = path.join(packageDir, 'dist', relative);
  if (!existsSync(binary)) return { missing: `the Electron binary is missing at ${binary}` };
  return { path: binary };
}
