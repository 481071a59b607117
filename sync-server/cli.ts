/**
 * `npm run server`. Environment:
 *   JIT_DATA_DIR            data directory (default ./data), holds jit.sqlite
 *   JIT_HOST / JIT_PORT     listen address (default 127.0.0.1:8787; JIT_PORT=0 picks a free port)
 *   JIT_ADMIN_PASSWORD      password of the `admin` account created on first start
 *                           (absent: one is generated and printed once)
 *   JIT_CONNECTORS_FILE     JSON file holding an array of connector configs (see
 *                           sync-server/connectors/config.ts), stored in the data directory at
 *                           start with their secrets encrypted; the file can then be deleted
 *   JIT_DIRECTORY_SYNC_FILE JSON file: people and groups synced from connectors, e.g.
 *                           {"intervalMs": 900000, "sources": [{"connectorId": "entra-prod"}]}
 *                           (sync-server/directory-sync/config.ts: matchOn, groups, pageSize)
 *   JIT_SECRET_KEY_FILE     file holding the secrets key (base64 of 32 bytes, mode 0600 or stricter;
 *                           `npm run secrets -- generate-key <file>`), or JIT_SECRET_KEY: the key
 *                           itself. Needed once connector secrets are stored; the demo makes
 *                           <data dir>/secret.key when neither is set
 *   JIT_AUDIT_KEY_FILE      the audit log's Ed25519 signing key (generated, mode 0600, on first start;
 *                           default beside JIT_SECRET_KEY_FILE, else <data dir>/audit-signing.key);
 *                           JIT_AUDIT_STRICT=1 refuses to start when the start check finds anything;
 *                           JIT_AUDIT_CHECKPOINT_EVERY_EVENTS / _MINUTES (default 1000 / 5). See
 *                           sync-server/audit/env.ts and docs/decisions/signed-checkpoints.md
 *   JIT_AUDIT_RECENT_BLOCKS the recent sealed audit blocks (default 20) a console that does not hold the whole
 *                           log pulls; older ones on demand (docs/decisions/older-audit-history.md)
 *   JIT_SIEM_SYSLOG_URL     tls://host:port: forward every audit event as RFC 5424 syslog over TLS (RFC 5425),
 *                           resuming after the last acknowledged seq; JIT_SIEM_HTTPS_URL: or as JSON
 *                           batches POSTed there (2xx acknowledges). CA files, pins and the rest in
 *                           sync-server/audit/siem/settings.ts; status: GET /api/v1/audit/siem
 *   JIT_DEMO=1              seed the demo organisation into an empty store, and run its Entra
 *                           tenant (the Microsoft Graph stand-in) in this process; configures the
 *                           connectors entra-demo, ad-demo and manual unless the file names them
 *   JIT_DEMO_SAMBA=1        with JIT_DEMO: serve ad-demo through a Samba DC on loopback (a child
 *                           process, provisioned once under <data dir>/samba) when Samba can run
 *                           here (JIT_DEMO_SAMBA_TEMPLATES: keep the provisioned template elsewhere);
 *                           otherwise, or without it, ad-demo is a manual connector. `npm start`
 *                           sets it unless told JIT_DEMO_SAMBA=0. The server listens without
 *                           waiting for the DC: ad-demo says "starting" until it is up
 *   JIT_ALLOWED_ORIGINS     comma-separated CORS origins (e.g. http://localhost:5173)
 *   JIT_ALLOW_FILE_ORIGIN=1 also allow the `null` origin of file:// pages (packaged Electron app)
 *   JIT_TOKEN_TTL_MINUTES   session lifetime (default 720)
 *   JIT_TRUST_PROXY         reverse proxies whose X-Forwarded-For names the client: their addresses
 *                           or CIDR ranges (comma-separated), or a hop count; default off (the
 *                           header is ignored and the TCP peer is the client)
 *   JIT_WEB_ROOT            built web console to serve at / (default out/renderer)
 *   JIT_SOD_COOLDOWN_DAYS   days after changing a policy, profile or resource during which its editor
 *                           may not approve requests it governs (default 30)
 *   JIT_LOG_LEVEL           fatal|error|warn|info|debug|trace|silent (default info)
 *   JIT_TICKET_HOOK_CA_FILE PEM CA trusted beside the system's roots when calling ticket-check hooks
 *                           (a private CA of the ticket system); their secrets: `npm run secrets`
 *   JIT_OIDC_ISSUER         single sign-on through this OpenID Connect provider (Entra:
 *                           https://login.microsoftonline.com/<tenant>/v2.0); with JIT_OIDC_CLIENT_ID,
 *                           JIT_OIDC_CLIENT_SECRET (none: a public client), JIT_OIDC_REDIRECT_URIS
 *                           (the web console's https://<host>/signin-oidc, comma-separated; the
 *                           desktop's loopback is always accepted), JIT_OIDC_NAME (button text),
 *                           JIT_OIDC_CLAIM (oid|sub|preferred_username|email, default oid),
 *                           JIT_OIDC_MATCH (entra|username|email: the person's field it must equal),
 *                           JIT_BREAK_GLASS_ADMINS (usernames still signing in with a password,
 *                           default admin). docs/decisions/single-sign-on.md
 *   JIT_OFFBOARD_FALLBACK   the person (id) who takes over an offboarded person's approvals, tasks and
 *                           resources when the offboarding names nobody; JIT_OFFBOARD_ON_DIRECTORY_DISABLED
 *                           alert (default: an "offboard?" task) or offboard (at once) for a person the
 *                           directory sync sees disabled or removed. docs/decisions/offboarding.md
 *   JIT_TLS_CERT_FILE       PEM certificate (with its chain) and its private key: serve HTTPS
 *   JIT_TLS_KEY_FILE        (TLS 1.2 or later) and send HSTS; both or neither. Without them plain
 *                           HTTP, with a warning at start unless the address is loopback
 *   JIT_REQUEST_TIMEOUT_MS  time to receive a whole request, headers and body (default 30000)
 *   JIT_HEADERS_TIMEOUT_MS  time to receive the headers, and the TLS handshake (default 15000)
 *   JIT_CONNECTION_TIMEOUT_MS socket inactivity allowed during a request (default 60000);
 *                           live streams are exempt from every timeout
 *   JIT_KEEP_ALIVE_TIMEOUT_MS idle keep-alive connection lifetime (default 72000)
 *   JIT_MAX_REQUESTS_PER_SOCKET requests per keep-alive connection (default 1000)
 *   JIT_MAX_CONNECTIONS     open connections at once; more are refused (default 1000)
 * The revocation scheduler always runs in this process.
 * Prints "JIT sync server listening on <url>" once ready; SIGTERM/SIGINT close cleanly.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_SEPARATION } from '../core/index.js';
import { auditSettingsFromEnv } from './audit/env.js';
import { siemSettingsFromEnv } from './audit/siem/settings.js';
import { recentBlocksSetting } from './audit/blocks-pull.js';
import { createServer, DEFAULT_HOST, DEFAULT_PORT, type JitServer } from './app.js';
import { DEMO_CONNECTOR_IDS, startDemoTenant, type DemoTenant } from './demo/graph-tenant.js';
import { DEMO_PASSWORD, DEMO_USERS } from './demo/seed.js';
import { parseTrustProxy } from './http/trust-proxy.js';
import { transportFromEnv } from './http/transport.js';
import { demoSecretKey, importIntoDataDir, KEY_VARIABLE, secretKeyFromEnv } from './secrets/index.js';
import { schedulerOptionsFromEnv } from './scheduler/env.js';
import { readDirectorySyncFile } from './directory-sync/config.js';
import { ssoFromEnv } from './sso/settings.js';
import { offboardingSettingsFromEnv } from './offboarding/migrations.js';
import { openStore } from './store/sqlite-store.js';

function origins(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`JIT_PORT must be 0-65535, got "${raw}"`);
  return port;
}

/** JIT_SOD_COOLDOWN_DAYS: whole days, 0 (off) to 365. */
function parseCooldownDays(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_SEPARATION.cooldownDays;
  const days = Number(raw);
  if (!Number.isInteger(days) || days < 0 || days > 365) throw new Error(`JIT_SOD_COOLDOWN_DAYS must be a whole number of days from 0 to 365, got "${raw}"`);
  return days;
}

/** JIT_TICKET_HOOK_CA_FILE: a PEM CA for ticket-check hook calls. */
function readTicketHookCa(path: string | undefined): string | undefined {
  if (!path) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`JIT_TICKET_HOOK_CA_FILE: cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`JIT_TICKET_HOOK_CA_FILE: ${path} holds no PEM certificate`);
  return text;
}

/** The connector configs of JIT_CONNECTORS_FILE (validated when they are stored). */
function readConnectorsFile(path: string | undefined): unknown[] {
  if (!path) return [];
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`JIT_CONNECTORS_FILE: cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`JIT_CONNECTORS_FILE: ${path} is not JSON: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (!Array.isArray(parsed)) throw new Error(`JIT_CONNECTORS_FILE: ${path} must hold a JSON array of connector configs`);
  return parsed;
}

/** The demo's tenant and connectors, for the demo ids the store (or the connectors file) does not configure itself. */
async function startDemo(dataDir: string, configuredIds: readonly string[]): Promise<DemoTenant> {
  const configured = new Set<string>(configuredIds);
  const include = (Object.keys(DEMO_CONNECTOR_IDS) as (keyof typeof DEMO_CONNECTOR_IDS)[]).filter((key) => !configured.has(DEMO_CONNECTOR_IDS[key]));
  // A restarted demo gets a fresh in-memory tenant: read what the store says was provisioned there.
  const samba = process.env.JIT_DEMO_SAMBA === '1';
  const store = include.includes('entra') || (samba && include.includes('ad')) ? openStore({ dataDir }) : undefined;
  const onProgress = (step: string) => {
    demoDomainStep = step;
    process.stdout.write(`Demo AD domain JIT.TEST: ${step}...\n`);
  };
  try {
    return await startDemoTenant({ include, ...(store ? { store } : {}), ...(samba ? { adDomain: { dataDir, onProgress, ...(process.env.JIT_DEMO_SAMBA_TEMPLATES ? { templateRoot: resolve(process.env.JIT_DEMO_SAMBA_TEMPLATES) } : {}) } } : {}) });
  } finally {
    store?.close();
  }
}

/** The demo DC's step in progress, for the line repeated while it starts. */
let demoDomainStep = 'starting';

const SAMBA_HINT = 'To serve them through a real DC, install Samba as root (apt-get install -y samba winbind krb5-user ldb-tools smbclient) and start again';

/**
 * Says how the demo's DC is getting on: once it serves, or why its groups went to the manual
 * connector; a line every 15 s until then. The function it returns silences it (the server is
 * closing, and a DC stopped half-way is no news).
 */
function reportDemoDomain(ad: NonNullable<DemoTenant['ad']>): () => void {
  let quiet = false;
  if ('manual' in ad) {
    process.stdout.write(`Demo AD resources go to the manual connector: ${ad.manual}. ${SAMBA_HINT}\n`);
    return () => undefined;
  }
  const started = Date.now();
  const still = setInterval(() => process.stdout.write(`Demo AD domain JIT.TEST: still ${demoDomainStep.split(' (')[0]} (${Math.round((Date.now() - started) / 1000)} s); the console works meanwhile, AD grants wait for it\n`), 15_000);
  still.unref();
  void ad.ready.then((result) => {
    clearInterval(still);
    if (quiet) return;
    if ('manual' in result) process.stdout.write(`Demo AD resources go to the manual connector: ${result.manual}. Fix that and start again to use the DC\n`);
    else process.stdout.write(`Demo AD domain JIT.TEST (Samba DC) at ${ad.url} is ready${result.restored ? `; ${result.restored} membership(s) restored` : ''}\n`);
  });
  return () => {
    quiet = true;
    clearInterval(still);
  };
}

async function main(): Promise<void> {
  const env = process.env;
  const dataDir = resolve(env.JIT_DATA_DIR || './data');
  const demo = env.JIT_DEMO === '1';
  // Read before the demo tenant starts, so a bad value fails with nothing to close.
  const { tls, transport } = transportFromEnv(env);
  const fileConnectors = readConnectorsFile(env.JIT_CONNECTORS_FILE);
  const ticketHookCaPem = readTicketHookCa(env.JIT_TICKET_HOOK_CA_FILE);
  const sso = ssoFromEnv(env);
  const offboarding = offboardingSettingsFromEnv(env);
  const siem = siemSettingsFromEnv(env);
  // Read at every filtered audit pull; checked here so a bad value stops the start, not every pull.
  recentBlocksSetting(env);
  // Secrets: the key decrypts the stored connector configs; the file's configs are stored (encrypted) first.
  const demoKey = demo ? demoSecretKey(dataDir, env) : undefined;
  const secretKey = demoKey?.key ?? secretKeyFromEnv(env);
  delete process.env[KEY_VARIABLE]; // nothing started from here inherits the key
  if (demoKey?.generatedAt) process.stdout.write(`Demo: generated the secrets key ${demoKey.generatedAt} (mode 0600); a deployment keeps its key outside the data directory (JIT_SECRET_KEY_FILE)\n`);
  const stored = importIntoDataDir(dataDir, fileConnectors, { ...(secretKey ? { key: secretKey } : {}), source: 'JIT_CONNECTORS_FILE' });
  if (env.JIT_CONNECTORS_FILE && fileConnectors.length > 0) {
    const what = stored.stored.length > 0 ? `stored ${stored.stored.join(', ')}${stored.keyId ? ` with secrets encrypted under key ${stored.keyId}` : ''}` : 'already stored, unchanged';
    process.stdout.write(`JIT_CONNECTORS_FILE ${env.JIT_CONNECTORS_FILE}: ${what}; the server reads them from its store, so the file can be deleted\n`);
  }
  const tenant = demo ? await startDemo(dataDir, stored.ids) : undefined;
  if (tenant?.origin) {
    process.stdout.write(`Demo Entra tenant (Microsoft Graph stand-in) at ${tenant.origin}${tenant.restored ? `; ${tenant.restored} provisioned assignment(s) restored` : ''}\n`);
  }
  const quietDemoDomain = tenant?.ad ? reportDemoDomain(tenant.ad) : () => undefined;
  const directorySync = readDirectorySyncFile(env.JIT_DIRECTORY_SYNC_FILE, (path) => readFileSync(path, 'utf8'));
  let server: JitServer;
  try {
    server = await createServer({
      dataDir,
      ...(env.JIT_ADMIN_PASSWORD ? { adminPassword: env.JIT_ADMIN_PASSWORD } : {}),
      seedDemo: demo,
      logLevel: env.JIT_LOG_LEVEL || 'info',
      allowedOrigins: origins(env.JIT_ALLOWED_ORIGINS),
      allowFileOrigin: env.JIT_ALLOW_FILE_ORIGIN === '1',
      trustProxy: parseTrustProxy(env.JIT_TRUST_PROXY),
      ...(env.JIT_WEB_ROOT ? { webRoot: resolve(env.JIT_WEB_ROOT) } : {}),
      ...(tls ? { tls: { certFile: resolve(tls.certFile), keyFile: resolve(tls.keyFile) } } : {}),
      transport,
      connectors: tenant?.connectors ?? [],
      connectorInstances: tenant?.instances ?? [],
      ...(secretKey ? { secretKey } : {}),
      // Drift re-checks and the rolling re-verification sweep (JIT_DRIFT_CHECK_AFTER, JIT_REVERIFY_*).
      scheduler: schedulerOptionsFromEnv(env),
      separation: { cooldownDays: parseCooldownDays(env.JIT_SOD_COOLDOWN_DAYS) },
      ...(ticketHookCaPem ? { ticketHookCaPem } : {}),
      ...(sso ? { sso } : {}),
      ...(directorySync ? { directorySync } : {}),
      offboarding,
      audit: auditSettingsFromEnv(env, dataDir),
      ...(siem ? { siem } : {}),
    });
  } catch (error) {
    quietDemoDomain();
    await tenant?.close();
    throw error;
  }
  if (demo) {
    const accounts = DEMO_USERS.map((u) => `${u.username} (${u.roles.join(', ')})`).join(', ');
    process.stdout.write(`Demo accounts, password "${DEMO_PASSWORD}": ${accounts}\n`);
  }
  const connectorIds = server.registry.ids();
  process.stdout.write(`Connectors: ${connectorIds.length ? connectorIds.join(', ') : 'none (set JIT_CONNECTORS_FILE)'}; scheduler running\n`);
  const url = await server.listen(parsePort(env.JIT_PORT), env.JIT_HOST || DEFAULT_HOST);
  process.stdout.write(`JIT sync server listening on ${url} (data: ${dataDir})\n`);

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    process.stdout.write(`${signal}: closing\n`);
    server
      .close()
      .then(() => {
        quietDemoDomain();
        return tenant?.close();
      })
      .then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`failed to close cleanly: ${String(error)}\n`);
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  // The message names what to fix (e.g. a connector config field); the stack only when debugging.
  const verbose = ['debug', 'trace'].includes(process.env.JIT_LOG_LEVEL ?? '');
  const text = error instanceof Error ? (verbose ? (error.stack ?? error.message) : error.message) : String(error);
  process.stderr.write(`JIT sync server failed to start: ${text}\n`);
  process.exit(1);
});
