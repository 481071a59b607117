// Installs what the tests need when it is missing: on Debian as root through apt-get,
// elsewhere a clear message naming what to install.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const SYSTEM_PACKAGES = [
  { name: 'chromium', check: () => existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'), why: 'end-to-end tests of the console' },
  { name: 'poppler-utils', check: () => existsSync('/usr/bin/pdftotext'), why: 'reading the evidence pack PDF back (pdftotext)' },
  // A real Samba AD DC for the AD connector's tests; without it those tests are skipped, saying why.
  ...['samba', 'winbind', 'krb5-user', 'ldb-tools', 'smbclient'].map((name) => ({
    name,
    check: () => existsSync({ samba: '/usr/sbin/samba', winbind: '/usr/sbin/winbindd', 'krb5-user': '/usr/bin/kinit', 'ldb-tools': '/usr/bin/ldbadd', smbclient: '/usr/bin/smbclient' }[name]),
    why: 'Active Directory connector tests against a Samba DC',
    optional: true,
  })),
];

export function ensureSystemPackages() {
  const missing = SYSTEM_PACKAGES.filter((p) => !p.check());
  if (missing.length === 0) return;
  const names = missing.map((p) => p.name);
  const isDebian = existsSync('/etc/debian_version');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if ((!isDebian || !isRoot) && missing.every((p) => p.optional)) {
    console.log(`Not installed: ${names.join(', ')} (${missing[0].why}); those tests will be skipped. ${isDebian ? `As root: apt-get install -y ${names.join(' ')}` : 'Install Samba with your system\'s package manager.'}`);
    return;
  }
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
