// Installs what the tests need when it is missing: on Debian as root through apt-get,
// elsewhere a clear message naming what to install.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const SYSTEM_PACKAGES = [
  { name: 'chromium', check: () => existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'), why: 'end-to-end tests of the console' },
];

export function ensureSystemPackages() {
  const missing = SYSTEM_PACKAGES.filter((p) => !p.check());
  if (missing.length === 0) return;
  const names = missing.map((p) => p.name);
  const isDebian = existsSync('/etc/debian_version');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isDebian || !isRoot) {
    console.error(`The tests need: ${missing.map((p) => `${p.name} (${p.why})`).join(', ')}.`);
    console.error(isDebian ? `Run as root: apt-get install -y ${names.join(' ')}` : `Install ${names.join(', ')} with your system's package manager; set CHROMIUM_PATH if chromium is not at /usr/bin/chromium.`);
    process.exit(1);
  }
  console.log(`Installing ${names.join(', ')} (needed by the tests)...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', ...names], { stdio: 'inherit', env });
}

export function ensureNodeModules() {
  if (existsSync('node_modules/.package-lock.json')) return;
  console.log('Installing npm dependencies (npm ci)...');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
}
