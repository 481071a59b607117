/**
 * A throwaway Samba AD domain controller on a loopback address, started as a child process.
 *
 *   const why = sambaMissing();                 // null, or why no DC can run here
 *   const dc = await startSambaDc();            // copies the template (provisioned once), starts samba
 *   dc.ldapsUrl, dc.caPem, dc.admin, dc.service  // ldaps://127.x.y.z:636, its CA, two accounts
 *   await dc.stop(); await dc.start();           // SIGTERM by pid; start again on the same copy
 *   await dc.destroy();                          // stops and deletes the copy
 *
 * The template (provisioned domain JIT.TEST plus the fixture of fixture.ts) is built once per
 * Samba version under the OS temp dir (or `templateRoot`) and reused by later runs; each DC is a
 * copy with its paths fixed in smb.conf, its own pid / ncalrpc / winbindd directories, its own
 * loopback address (Samba's LDAP ports are fixed, so two DCs cannot share one address) and its own
 * TLS certificate for that address, signed by a CA made for it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { BASE_DN, buildFixture, FIXTURE_VERSION, run, SERVICE_ACCOUNTS, type Account } from './fixture.js';

export { BASE_DN };
const SAMBA = '/usr/sbin/samba';
const ADMIN_PASSWORD = 'Adm1n-Jit-Test-Pw!';

/** Null when a DC can run here, else why not (in words, for a skip message). */
export function sambaMissing(): string | null {
  for (const tool of [SAMBA, '/usr/bin/samba-tool', '/usr/bin/ldbadd']) {
    if (!existsSync(tool)) return `${tool} is not installed (Debian, as root: apt-get install -y samba winbind krb5-user ldb-tools smbclient)`;
  }
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'the Samba DC needs root (it refuses to start otherwise)';
  return null;
}

export function sambaVersion(): string {
  return execFileSync(SAMBA, ['--version'], { encoding: 'utf8' }).trim().replace(/^Version\s+/, '').replace(/[^A-Za-z0-9.+-]/g, '_');
}

export type SambaDc = {
  address: string;
  ldapsUrl: string;
  /** ldap:// on 389, for StartTLS. */
  ldapUrl: string;
  baseDn: string;
  /** The CA that signed this DC's certificate (PEM). */
  caPem: string;
  /** Domain administrator. */
  admin: Account;
  /** Least-privilege service accounts of the fixture: `jit` may change members of groups under OU=Groups; `reader` only reads. */
  service: typeof SERVICE_ACCOUNTS;
  dir: string;
  pid(): number | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
  destroy(): Promise<void>;
};

export type StartSambaOptions = {
  /** Where templates are kept (default: the OS temp dir). */
  templateRoot?: string;
  /** Where the copy goes (default: a new dir under the OS temp dir). */
  dir?: string;
  /** Names the certificate carries besides the DC's address (default: dc1.jit.test). */
  certificateNames?: string[];
  /** A second address the DC also listens on, which its certificate does not name. */
  unnamedAddress?: boolean;
  startTimeoutMs?: number;
  /** Whether the template holds the 5,000-member group (default true; building it takes about a minute once). */
  bulk?: boolean;
  /** Keep Samba's fsync per transaction, as a production DC would (default: off, for fast tests). */
  durable?: boolean;
};

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Builds the template when missing. Concurrent callers wait for the one building it. */
export async function ensureTemplate(root = tmpdir(), bulk = true): Promise<string> {
  const full = join(root, `jit-samba-${sambaVersion()}-f${FIXTURE_VERSION}`);
  // The full template holds everything the small one does: use it when it is there.
  if (!bulk && existsSync(join(full, 'etc', 'smb.conf'))) return full;
  const template = bulk ? full : `${full}-small`;
  if (existsSync(join(template, 'etc', 'smb.conf'))) return template;
  const lock = `${template}.lock`;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      if (existsSync(join(template, 'etc', 'smb.conf'))) return template;
      if (lockHolderGone(lock)) rmSync(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    if (existsSync(join(template, 'etc', 'smb.conf'))) return template;
    const build = `${template}.build-${process.pid}`;
    rmSync(build, { recursive: true, force: true });
    await run(
      '/usr/bin/samba-tool',
      [
        'domain', 'provision', `--targetdir=${build}`, '--realm=JIT.TEST', '--domain=JIT', '--server-role=dc', '--dns-backend=SAMBA_INTERNAL',
        '--use-rfc2307', '--host-name=dc1', `--adminpass=${ADMIN_PASSWORD}`, '--option=interfaces=lo', '--option=bind interfaces only=yes',
        '--option=server services=ldap', '--option=dns forwarder=127.0.0.1',
      ],
    );
    await buildFixture(build, { bulk });
    for (const f of ['ous.ldif', 'bulk-users.ldif', 'bulk-group.ldif']) rmSync(join(build, f), { force: true });
    // The paths in smb.conf are the build's: make them the template's, which copies then replace.
    const conf = join(build, 'etc', 'smb.conf');
    writeFileSync(conf, readFileSync(conf, 'utf8').split(build).join(template));
    rmSync(template, { recursive: true, force: true });
    renameSync(build, template);
    return template;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function lockHolderGone(lock: string): boolean {
  try {
    const pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

let counter = 0;
/** An address of 127/8 no other DC of a live process uses: derived from the pid, checked free. */
async function freeAddress(): Promise<string> {
  for (let tries = 0; tries < 64; tries++) {
    const n = process.pid * 64 + (counter++ % 64) + 2;
    const address = `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
    if ((n & 255) === 0 || (n & 255) === 255 || address === '127.0.0.1') continue;
    if (!(await listening(address, 636)) && !(await listening(address, 389))) return address;
  }
  throw new Error('no free loopback address for a Samba DC');
}

async function certificates(address: string, names: string[]): Promise<{ caPem: string; certPem: string; keyPem: string }> {
  const notBeforeDate = new Date(Date.now() - 3_600_000);
  const notAfterDate = new Date(Date.now() + 30 * 86_400_000);
  const ca = await generate([{ name: 'commonName', value: `JIT test DC CA ${address}` }], {
    keyType: 'rsa', keySize: 2048, algorithm: 'sha256', notBeforeDate, notAfterDate,
    extensions: [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }],
  });
  const server = await generate([{ name: 'commonName', value: names[0] ?? address }], {
    keyType: 'rsa', keySize: 2048, algorithm: 'sha256', notBeforeDate, notAfterDate, ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [...names.map((value) => ({ type: 2 as const, value })), { type: 7 as const, ip: address }] },
    ],
  });
  return { caPem: ca.cert, certPem: server.cert, keyPem: server.private };
}

/** Copies the template, fixes its paths and starts the DC; resolves once LDAPS answers. */
export async function startSambaDc(opts: StartSambaOptions = {}): Promise<SambaDc & { unnamedAddress?: string }> {
  const missing = sambaMissing();
  if (missing) throw new Error(missing);
  const template = await ensureTemplate(opts.templateRoot, opts.bulk ?? true);
  const dir = opts.dir ?? join(tmpdir(), `jit-samba-dc-${process.pid}-${Date.now().toString(36)}-${counter}`);
  rmSync(dir, { recursive: true, force: true });
  cpSync(template, dir, { recursive: true, preserveTimestamps: true });
  const address = await freeAddress();
  const unnamed = opts.unnamedAddress ? await freeAddress() : undefined;
  const tls = await certificates(address, opts.certificateNames ?? ['dc1.jit.test']);
  for (const sub of ['run', 'ncalrpc', 'winbindd', 'tls', 'log']) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, 'tls', 'ca.pem'), tls.caPem);
  writeFileSync(join(dir, 'tls', 'cert.pem'), tls.certPem);
  writeFileSync(join(dir, 'tls', 'key.pem'), tls.keyPem);
  chmodSync(join(dir, 'tls', 'key.pem'), 0o600);
  const confPath = join(dir, 'etc', 'smb.conf');
  const own = [
    `interfaces = ${[address, unnamed].filter(Boolean).map((a) => `${a}/8`).join(' ')}`,
    `pid directory = ${dir}/run`,
    `ncalrpc dir = ${dir}/ncalrpc`,
    `winbindd socket directory = ${dir}/winbindd`,
    `log file = ${dir}/log/log.%m`,
    'tls enabled = yes',
    `tls keyfile = ${dir}/tls/key.pem`,
    `tls certfile = ${dir}/tls/cert.pem`,
    `tls cafile = ${dir}/tls/ca.pem`,
    // A throwaway DC: no fsync per transaction (Samba's own test suite runs this way), unless asked.
    ...(opts.durable ? [] : ['ldb:nosync = true']),
  ];
  const conf = readFileSync(confPath, 'utf8')
    .split(template)
    .join(dir)
    .split('\n')
    .filter((line) => !/^\s*(interfaces|log file)\s*=/.test(line))
    .join('\n')
    .replace('[global]\n', `[global]\n${own.map((l) => `\t${l}\n`).join('')}`);
  writeFileSync(confPath, conf);

  let child: ChildProcess | undefined;
  let output = '';
  const start = async (): Promise<void> => {
    if (child && child.exitCode === null) return;
    output = '';
    const proc = spawn(SAMBA, ['--foreground', '--no-process-group', '-M', 'single', '-s', confPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    live.add(proc);
    proc.stdout?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-20_000)));
    proc.stderr?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-20_000)));
    proc.once('exit', () => live.delete(proc));
    const deadline = Date.now() + (opts.startTimeoutMs ?? 30_000);
    while (!(await listening(address, 636)) || !(await listening(address, 389))) {
      if (proc.exitCode !== null) throw new Error(`samba exited with ${proc.exitCode}:\n${output}`);
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`samba did not listen on ${address}:636 in time:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async (): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    // The children of a `-M single` samba leave within a few seconds; wait until the ports are free.
    for (let i = 0; i < 200 && ((await listening(address, 636)) || (await listening(address, 389))); i++) await new Promise((r) => setTimeout(r, 50));
  };
  await start();
  return {
    address,
    ...(unnamed ? { unnamedAddress: unnamed } : {}),
    ldapsUrl: `ldaps://${address}:636`,
    ldapUrl: `ldap://${address}:389`,
    baseDn: BASE_DN,
    caPem: tls.caPem,
    admin: { dn: `CN=Administrator,CN=Users,${BASE_DN}`, sAMAccountName: 'Administrator', password: ADMIN_PASSWORD },
    service: SERVICE_ACCOUNTS,
    dir,
    pid: () => (child && child.exitCode === null ? child.pid : undefined),
    start,
    stop,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
