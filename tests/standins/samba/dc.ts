/**
 * A throwaway Samba AD domain controller on a loopback address, started as a child process.
 *
 *   const why = sambaMissing();                 // null, or why no DC can run here
 *   const dc = await startSambaDc();            // copies the template (provisioned once), starts samba
 *   const plan = await prepareSambaDc();        // its address, CA and accounts now; plan.start() later
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
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { BASE_DN, buildFixture, FIXTURE_VERSION, run, SERVICE_ACCOUNTS, type Account } from './fixture.js';

export { BASE_DN };
const SAMBA = '/usr/sbin/samba';
const ADMIN_PASSWORD = 'Adm1n-Jit-Test-Pw!';
const ADMIN: Account = { dn: `CN=Administrator,CN=Users,${BASE_DN}`, sAMAccountName: 'Administrator', password: ADMIN_PASSWORD };

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
  /** Told what is being done, in a few words, as each step of building the template and starting begins. */
  onProgress?: Progress;
  /** Stops a template build or a start half-way (its tools are killed, the half-built template removed). */
  signal?: AbortSignal;
};

export type Progress = (message: string) => void;

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Where the template for these options is kept, built or not. */
export function templatePath(root = tmpdir(), bulk = true): string {
  const full = join(root, `jit-samba-${sambaVersion()}-f${FIXTURE_VERSION}`);
  // The full template holds everything the small one does: use it when it is there.
  if (!bulk && existsSync(join(full, 'etc', 'smb.conf'))) return full;
  return bulk ? full : `${full}-small`;
}

/** Builds the template when missing. Concurrent callers wait for the one building it. */
export async function ensureTemplate(root = tmpdir(), bulk = true, opts: Pick<StartSambaOptions, 'onProgress' | 'signal'> = {}): Promise<string> {
  const template = templatePath(root, bulk);
  if (existsSync(join(template, 'etc', 'smb.conf'))) return template;
  const progress = opts.onProgress ?? (() => undefined);
  const lock = `${template}.lock`;
  // A new data dir has no template root yet: without it every mkdir of the lock failed, and the
  // loop below spun on the event loop forever (a first `npm start` sat at full CPU, silent).
  mkdirSync(root, { recursive: true });
  let waiting = false;
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
      if (existsSync(join(template, 'etc', 'smb.conf'))) return template;
      if (lockHolderGone(lock)) rmSync(lock, { recursive: true, force: true });
      else if (!waiting) {
        waiting = true;
        progress(`waiting for another process that is building the template ${template}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const build = `${template}.build-${process.pid}`;
  try {
    if (existsSync(join(template, 'etc', 'smb.conf'))) return template;
    rmSync(build, { recursive: true, force: true });
    progress(`provisioning the domain JIT.TEST into ${template} (samba-tool domain provision; once, later starts copy it)`);
    await run(
      '/usr/bin/samba-tool',
      [
        'domain', 'provision', `--targetdir=${build}`, '--realm=JIT.TEST', '--domain=JIT', '--server-role=dc', '--dns-backend=SAMBA_INTERNAL',
        '--use-rfc2307', '--host-name=dc1', `--adminpass=${ADMIN_PASSWORD}`, '--option=interfaces=lo', '--option=bind interfaces only=yes',
        '--option=server services=ldap', '--option=dns forwarder=127.0.0.1',
      ],
      opts.signal,
    );
    await buildFixture(build, { bulk, progress, ...(opts.signal ? { signal: opts.signal } : {}) });
    for (const f of ['ous.ldif', 'bulk-users.ldif', 'bulk-group.ldif']) rmSync(join(build, f), { force: true });
    // The paths in smb.conf are the build's: make them the template's, which copies then replace.
    const conf = join(build, 'etc', 'smb.conf');
    writeFileSync(conf, readFileSync(conf, 'utf8').split(build).join(template));
    rmSync(template, { recursive: true, force: true });
    renameSync(build, template);
    return template;
  } catch (error) {
    rmSync(build, { recursive: true, force: true });
    throw error;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function lockHolderGone(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
  } catch {
    // Taken a moment ago and its pid not written yet, or left by a holder that died right then.
    try {
      return Date.now() - statSync(lock).mtimeMs > 10_000;
    } catch {
      return true;
    }
  }
  try {
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

/** What a DC will be, known before it runs: its address, CA and accounts. `start()` builds the template if needed and starts it. */
export type PreparedSambaDc = Pick<SambaDc, 'address' | 'ldapsUrl' | 'ldapUrl' | 'baseDn' | 'caPem' | 'admin' | 'service'> & {
  unnamedAddress?: string;
  start(): Promise<SambaDc & { unnamedAddress?: string }>;
};

/** Picks the DC's loopback address and makes its certificate; nothing is copied or started yet. */
export async function prepareSambaDc(opts: StartSambaOptions = {}): Promise<PreparedSambaDc> {
  const missing = sambaMissing();
  if (missing) throw new Error(missing);
  const address = await freeAddress();
  const unnamed = opts.unnamedAddress ? await freeAddress() : undefined;
  const tls = await certificates(address, opts.certificateNames ?? ['dc1.jit.test']);
  return {
    address,
    ...(unnamed ? { unnamedAddress: unnamed } : {}),
    ldapsUrl: `ldaps://${address}:636`,
    ldapUrl: `ldap://${address}:389`,
    baseDn: BASE_DN,
    caPem: tls.caPem,
    admin: ADMIN,
    service: SERVICE_ACCOUNTS,
    start: () => launch(opts, address, unnamed, tls),
  };
}

/** Copies the template, fixes its paths and starts the DC; resolves once LDAPS answers. */
export async function startSambaDc(opts: StartSambaOptions = {}): Promise<SambaDc & { unnamedAddress?: string }> {
  return await (await prepareSambaDc(opts)).start();
}

async function launch(opts: StartSambaOptions, address: string, unnamed: string | undefined, tls: { caPem: string; certPem: string; keyPem: string }): Promise<SambaDc & { unnamedAddress?: string }> {
  const template = await ensureTemplate(opts.templateRoot, opts.bulk ?? true, opts);
  opts.signal?.throwIfAborted();
  opts.onProgress?.('copying the template and starting the DC');
  const dir = opts.dir ?? join(tmpdir(), `jit-samba-dc-${process.pid}-${Date.now().toString(36)}-${counter}`);
  rmSync(dir, { recursive: true, force: true });
  cpSync(template, dir, { recursive: true, preserveTimestamps: true });
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
      if (opts.signal?.aborted) {
        proc.kill('SIGKILL');
        throw new Error('the DC start was cancelled');
      }
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
  try {
    await start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    address,
    ...(unnamed ? { unnamedAddress: unnamed } : {}),
    ldapsUrl: `ldaps://${address}:636`,
    ldapUrl: `ldap://${address}:389`,
    baseDn: BASE_DN,
    caPem: tls.caPem,
    admin: ADMIN,
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
