import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function newest(target: string): number {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = 0;
  for (const entry of readdirSync(target)) latest = Math.max(latest, newest(path.join(target, entry)));
  return latest;
}

/** Builds the console (electron-vite build) when out/renderer is missing or older than its sources. */
export function buildConsoleIfStale(log: (message: string) => void = console.log): void {
  const built = path.join(REPO_ROOT, 'out/renderer/index.html');
  const sources = Math.max(
    ...['renderer', 'core', 'main', 'preload', 'electron.vite.config.ts'].map((p) => newest(path.join(REPO_ROOT, p))),
  );
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  log('building the console (out/renderer is missing or stale)...');
  const result = spawnSync(process.execPath, [path.join(REPO_ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) throw new Error(`electron-vite build failed with status ${result.status}`);
}
