/**
 * `jit`: asking for and managing just-in-time access from a terminal, over the sync server's REST
 * API. Run through cli/jit.mjs (the package's `bin`), e.g. `npx jit request ...`.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { Command, CommanderError, Option } from 'commander';
import type { AccessRequest, Grant } from '../core/index.js';
import { ApiClient } from './client.js';
import { credentialsPath, readCredentials, removeCredentials, writeCredentials, type Credentials } from './credentials.js';
import { formatMinutes, parseDuration, parseWait, timeLeft } from './duration.js';
import { CliError, EXIT } from './errors.js';
import { parseStart } from './start.js';

const DEFAULT_SERVER = 'http://127.0.0.1:8787';
const LIVE_GRANT_STATES = new Set(['provisioning', 'provision_failed', 'active', 'revoking', 'revoke_failed']);
const ENDED_REQUEST_STATES = new Set(['approved', 'denied', 'expired', 'cancelled', 'ineligible']);

type CatalogEntry = {
  id: string;
  name: string;
  description: string;
  kind: string;
  sensitivity: string;
  maxDurationMinutes: number;
  defaultDurationMinutes: number;
  requireJustification: boolean;
  requireTicket: boolean;
};
type LoginAnswer = { token: string; expiresAt: string; user: { id: string; displayName: string; roles: string[] } };
type CommandAnswer = { id: string; status: string; code: string; message: string; subjectIds: string[] };

const EXIT_HELP = `
Exit codes:
  0  done (with --wait: approved)
  1  anything else (server unreachable, throttled, server error)
  2  usage or bad input (the message names the option or field)
  3  not signed in, session expired, or the token file is not private (run jit login)
  4  refused (forbidden, not eligible, already decided, limits of the policy)
  5  not found (no such request, grant or resource that you may see)
  6  the request ended without access: denied, expired, cancelled or ineligible (--wait)
  7  no decision before --timeout (--wait); the request stays pending

The token is kept in $XDG_CONFIG_HOME/jit/credentials.json (~/.config/jit/ by default; JIT_CONFIG_DIR
overrides), mode 0600; a file others can read is refused. JIT_PASSWORD gives the password to scripts.
With --json every command prints one JSON document on stdout (errors too: {"error":{...},"exitCode":n}).`;

// ---- output ---------------------------------------------------------------------------------

let jsonOutput = false;
function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}
/** Progress goes to stderr under --json, so stdout stays one JSON document. */
function progress(line: string): void {
  if (jsonOutput) process.stderr.write(`${line}\n`);
  else print(line);
}
function printJson(value: unknown): void {
  print(JSON.stringify(value, null, 2));
}

function usage(flag: string, message: string): CliError {
  return new CliError(EXIT.usage, `${flag}: ${message}`, 'invalid_input', flag);
}

function minutesOf(flag: string, text: string): number {
  const parsed = parseDuration(text);
  if (!parsed.ok) throw usage(flag, parsed.message);
  return parsed.minutes;
}

function msOf(flag: string, text: string): number {
  const parsed = parseWait(text);
  if (!parsed.ok) throw usage(flag, parsed.message);
  return parsed.ms;
}

// ---- session --------------------------------------------------------------------------------

function signedIn(): { client: ApiClient; credentials: Credentials } {
  const credentials = readCredentials();
  if (!credentials) throw new CliError(EXIT.unauthenticated, 'not signed in: run jit login', 'unauthenticated');
  if (Date.parse(credentials.expiresAt) <= Date.now()) {
    throw new CliError(EXIT.unauthenticated, `your session ended at ${credentials.expiresAt}: run jit login`, 'unauthenticated');
  }
  return { client: new ApiClient(credentials.server, credentials.token), credentials };
}

function serverUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usage('--server', `"${text}" is not a URL (for example ${DEFAULT_SERVER})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usage('--server', `must start with http:// or https://, not ${url.protocol}`);
  return url.toString().replace(/\/+$/, '');
}

const isLoopback = (host: string) => host === 'localhost' || host === '[::1]' || /^127\./.test(host);

/** Reads a line from the terminal without echoing it. */
function readHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = () => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          finish();
          return resolve(value);
        }
        if (ch === '\u0003') {
          finish();
          return reject(new CliError(EXIT.other, 'interrupted', 'interrupted'));
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.resume();
    stdin.on('data', onData);
  });
}

async function askLine(prompt: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(prompt)).trim();
  } finally {
    rl.close();
  }
}

// ---- words ----------------------------------------------------------------------------------

async function catalogOf(client: ApiClient): Promise<CatalogEntry[]> {
  return (await client.call<{ resources: CatalogEntry[] }>('GET', '/api/v1/catalog')).resources;
}

/** Resource names by id, from the catalog (an id stays an id when the resource is no longer there). */
async function namesOf(client: ApiClient): Promise<(id: string) => string> {
  const names = new Map((await catalogOf(client)).map((r) => [r.id, r.name]));
  return (id) => names.get(id) ?? id;
}

function requirements(entry: CatalogEntry): string {
  const needs = [entry.requireJustification ? 'a justification (--why)' : '', entry.requireTicket ? 'a ticket (--ticket)' : ''].filter(Boolean);
  return needs.length ? `needs ${needs.join(' and ')}` : 'no justification or ticket needed';
}

function bounds(entry: CatalogEntry): string {
  return `up to ${formatMinutes(entry.maxDurationMinutes)} (${formatMinutes(entry.defaultDurationMinutes)} is recommended); ${requirements(entry)}`;
}

/** "; starts 2026-03-07T22:00:00.000Z" for a request whose access begins later (provisioning waits for it). */
const startsLater = (request: AccessRequest) => (request.startsAt && Date.parse(request.startsAt) > Date.now() ? `; starts ${request.startsAt}` : '');

/** Where a request is: its state, and for a pending one the step of the chain and who decides. */
function whereIs(request: AccessRequest): string {
  const steps = request.policy?.approvalSteps ?? [];
  switch (request.status) {
    case 'pending_approval':
    case 'requested':
    case 'eligibility_checked': {
      const step = steps[request.currentStep];
      if (!step) return 'waiting for approval';
      const who = [...step.approverIds, ...step.approverRoles.map((r) => `anyone with the ${r} role`)];
      const decided = request.decisions.filter((d) => d.decision === 'approve').map((d) => d.approverId);
      return `waiting for approval: step ${request.currentStep + 1} of ${steps.length} (${step.name}${who.length ? `: ${who.join(', ')}` : ''})${decided.length ? `; approved so far by ${decided.join(', ')}` : ''}${startsLater(request)}`;
    }
    case 'approved':
      return `approved${request.grantId ? `; grant ${request.grantId}` : ''}${startsLater(request)}`;
    case 'denied':
      return `denied${request.outcomeReason ? `: ${request.outcomeReason}` : ''}`;
    case 'expired':
      return `expired without a decision${request.outcomeReason ? `: ${request.outcomeReason}` : ''}`;
    case 'cancelled':
      return `cancelled${request.outcomeReason ? `: ${request.outcomeReason}` : ''}`;
    case 'ineligible':
      return `not eligible${request.outcomeReason ? `: ${request.outcomeReason}` : ''}`;
  }
}

const VERIFICATION_WORDS: Record<Grant['verification'], string> = {
  none: 'not verified yet',
  pending: 'verification pending',
  effective: 'verified in the directory',
  gone: 'verified gone',
  still_present: 'still present after revocation',
  drift: 'differs from the directory (drift)',
  inconclusive: 'verification inconclusive',
};

// ---- waiting --------------------------------------------------------------------------------

/** Polls the request until it is decided or the time is up, printing each change of where it is. */
async function waitForDecision(client: ApiClient, first: AccessRequest, options: { timeoutMs: number; everyMs: number }): Promise<AccessRequest> {
  const deadline = Date.now() + options.timeoutMs;
  let request = first;
  let shown = '';
  for (;;) {
    const where = whereIs(request);
    if (where !== shown) {
      progress(`${request.id}: ${where}`);
      shown = where;
    }
    if (ENDED_REQUEST_STATES.has(request.status)) return request;
    if (Date.now() >= deadline) {
      throw new CliError(EXIT.timeout, `no decision on ${request.id} within ${formatWait(options.timeoutMs)}; it is still ${where} (jit status ${request.id})`, 'timeout');
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(options.everyMs, Math.max(0, deadline - Date.now()))));
    request = await client.call<AccessRequest>('GET', `/api/v1/requests/${encodeURIComponent(request.id)}`);
  }
}

const formatWait = (ms: number) => (ms < 60_000 ? `${Math.round(ms / 100) / 10}s` : formatMinutes(Math.round(ms / 60_000)));

/** The exit code for a decided request: approved 0, anything else that ended 6. */
const exitForOutcome = (request: AccessRequest) => (request.status === 'approved' ? EXIT.ok : EXIT.notGranted);

// ---- commands -------------------------------------------------------------------------------

async function login(options: { server?: string; user?: string }): Promise<void> {
  let previous: Credentials | null = null;
  try {
    previous = readCredentials();
  } catch {
    // An unsafe file is replaced below, never read.
  }
  const server = serverUrl(options.server ?? process.env.JIT_SERVER ?? previous?.server ?? DEFAULT_SERVER);
  const interactive = Boolean(process.stdin.isTTY);
  const username = options.user ?? process.env.JIT_USER ?? (interactive ? await askLine(`Username for ${server}: `) : previous?.user.username);
  if (!username) throw usage('--user', 'give the username (--user NAME or JIT_USER)');
  let password = process.env.JIT_PASSWORD;
  if (password === undefined) {
    if (!interactive) throw usage('password', 'no terminal to read it from: set JIT_PASSWORD');
    password = await readHidden(`Password for ${username}: `);
  }
  const host = new URL(server).hostname;
  if (server.startsWith('http:') && !isLoopback(host)) process.stderr.write(`warning: ${server} is not HTTPS; the password and token cross the network in clear\n`);
  const client = new ApiClient(server);
  const answer = await client.call<LoginAnswer>('POST', '/api/v1/auth/login', { body: { username, password }, flags: { username: '--user' } });
  const path = writeCredentials({ server, token: answer.token, expiresAt: answer.expiresAt, user: { id: answer.user.id, username, displayName: answer.user.displayName, roles: answer.user.roles } });
  if (jsonOutput) return printJson({ server, user: { ...answer.user, username }, expiresAt: answer.expiresAt, tokenFile: path });
  print(`Signed in to ${server} as ${answer.user.displayName} (${username}) until ${answer.expiresAt}; token kept in ${path} (mode 0600)`);
}

async function logout(): Promise<void> {
  let credentials: Credentials | null = null;
  try {
    credentials = readCredentials();
  } catch (error) {
    // An unsafe or unreadable file is removed all the same: signing out must always work.
    if (!(error instanceof CliError)) throw error;
  }
  let ended = false;
  if (credentials) {
    try {
      await new ApiClient(credentials.server, credentials.token).call('POST', '/api/v1/auth/logout');
      ended = true;
    } catch (error) {
      // Already expired or ended elsewhere: nothing to end on the server.
      if (!(error instanceof CliError) || error.exitCode !== EXIT.unauthenticated) {
        // The file goes all the same; the token stays valid on the server until it expires.
        removeCredentials();
        const message = error instanceof Error ? error.message : String(error);
        throw new CliError(EXIT.other, `${credentialsPath()} removed, but the server was not told (${message}); the token stays valid until ${credentials.expiresAt}`, 'logout_incomplete');
      }
    }
  }
  const removed = removeCredentials();
  if (jsonOutput) return printJson({ signedOut: removed, sessionEnded: ended });
  print(removed ? `Signed out${credentials ? ` of ${credentials.server}` : ''}; ${credentialsPath()} removed` : 'Not signed in');
}

async function catalog(): Promise<void> {
  const { client } = signedIn();
  const resources = await catalogOf(client);
  if (jsonOutput) return printJson({ resources });
  if (resources.length === 0) return print('You are not eligible for any resource.');
  for (const r of resources) {
    print(`${r.name}  (${r.id})  ${r.kind.replace('_', ' ')}, ${r.sensitivity} sensitivity`);
    if (r.description) print(`  ${r.description}`);
    print(`  ${bounds(r)}`);
  }
}

type RequestOptions = { for?: string; why?: string; ticket?: string; start?: string; wait?: boolean; timeout: string; every: string };

async function request(resourceArg: string, options: RequestOptions): Promise<void> {
  const timeoutMs = msOf('--timeout', options.timeout);
  const everyMs = msOf('--every', options.every);
  const { client } = signedIn();
  const resources = await catalogOf(client);
  const entry = resources.find((r) => r.id === resourceArg) ?? resources.find((r) => r.name.toLowerCase() === resourceArg.toLowerCase());
  // Without --for the server gives the resource's recommended duration (the maximum is still the cap).
  const minutes = options.for !== undefined ? minutesOf('--for', options.for) : undefined;
  const start = options.start !== undefined ? parseStart(options.start, new Date()) : undefined;
  if (start && !start.ok) throw usage('--start', start.message);
  const flags = { resourceId: '<resource>', durationMinutes: '--for', justification: '--why', ticket: '--ticket', startsAt: '--start', requestId: '<resource>' };
  const created = await client.call<AccessRequest>('POST', '/api/v1/requests', {
    body: { resourceId: entry?.id ?? resourceArg, ...(minutes !== undefined ? { durationMinutes: minutes } : {}), justification: options.why ?? '', ticket: options.ticket ?? '', ...(start?.ok ? { startsAt: start.iso } : {}) },
    flags,
  });
  const name = entry?.name ?? created.resourceId;
  if (!options.wait) {
    if (jsonOutput) return printJson({ request: created });
    print(`Requested ${name} for ${formatMinutes(created.durationMinutes)}${created.startsAt ? ` from ${created.startsAt}` : ''}: ${created.id}`);
    print(`${created.id}: ${whereIs(created)}`);
    if (!ENDED_REQUEST_STATES.has(created.status)) print(`Follow it with: jit status ${created.id}`);
    return;
  }
  if (!jsonOutput) print(`Requested ${name} for ${formatMinutes(created.durationMinutes)}: ${created.id}`);
  await finishWaiting(client, created, { timeoutMs, everyMs });
}

async function finishWaiting(client: ApiClient, first: AccessRequest, options: { timeoutMs: number; everyMs: number }): Promise<void> {
  let decided: AccessRequest;
  try {
    decided = await waitForDecision(client, first, options);
  } catch (error) {
    if (error instanceof CliError && error.exitCode === EXIT.timeout && jsonOutput) {
      const latest = await client.call<AccessRequest>('GET', `/api/v1/requests/${encodeURIComponent(first.id)}`);
      printJson({ request: latest, outcome: 'timeout', error: { code: error.code, message: error.message }, exitCode: error.exitCode });
      process.exitCode = error.exitCode;
      return;
    }
    throw error;
  }
  process.exitCode = exitForOutcome(decided);
  if (jsonOutput) printJson({ request: decided, outcome: decided.status });
}

async function status(requestId: string | undefined, options: { limit: string }): Promise<void> {
  const { client } = signedIn();
  const nameOf = await namesOf(client);
  if (requestId) {
    const found = await client.call<AccessRequest>('GET', `/api/v1/requests/${encodeURIComponent(requestId)}`, { flags: { id: '<request-id>' } });
    if (jsonOutput) return printJson({ request: found });
    print(`${found.id}  ${nameOf(found.resourceId)} for ${formatMinutes(found.durationMinutes)}${found.extendsGrantId ? ` more on grant ${found.extendsGrantId}` : ''}`);
    print(`  ${whereIs(found)}`);
    if (found.ticket) print(`  ticket ${found.ticket}`);
    if (found.justification) print(`  why: ${found.justification}`);
    for (const d of found.decisions) print(`  step ${d.stepIndex + 1}: ${d.decision === 'approve' ? 'approved' : 'denied'} by ${d.approverId} at ${d.decidedAt}${d.reason ? `: ${d.reason}` : ''}`);
    print(`  asked ${found.createdAt}${found.decidedAt ? `, decided ${found.decidedAt}` : ''}`);
    return;
  }
  const limit = Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw usage('--limit', `"${options.limit}" is not a whole number from 1 to 1000`);
  const { requests } = await client.call<{ requests: AccessRequest[] }>('GET', `/api/v1/requests?mine=1&limit=${limit}`);
  if (jsonOutput) return printJson({ requests });
  if (requests.length === 0) return print('You have no requests.');
  for (const r of requests) print(`${r.id}  ${nameOf(r.resourceId)}  ${formatMinutes(r.durationMinutes)}${r.extendsGrantId ? ' more' : ''}  ${whereIs(r)}`);
}

async function grants(options: { all?: boolean }): Promise<void> {
  const { client } = signedIn();
  const nameOf = await namesOf(client);
  const { grants: all } = await client.call<{ grants: Grant[] }>('GET', '/api/v1/grants?mine=1&limit=1000');
  const now = new Date();
  const shown = (options.all ? all : all.filter((g) => LIVE_GRANT_STATES.has(g.status))).map((g) => ({
    ...g,
    resourceName: nameOf(g.resourceId),
    minutesLeft: Math.max(0, Math.floor((Date.parse(g.expiresAt) - now.getTime()) / 60_000)),
  }));
  if (jsonOutput) return printJson({ grants: shown });
  if (shown.length === 0) return print(options.all ? 'You have no grants.' : 'You have no active grants (jit grants --all shows ended ones).');
  for (const g of shown) {
    const left = LIVE_GRANT_STATES.has(g.status) ? `${timeLeft(g.expiresAt, now)} (until ${g.expiresAt})` : `ended ${g.revokedAt ?? g.expiresAt}`;
    const extensions = g.maxExtensions > 0 ? `; extended ${g.extensions} of ${g.maxExtensions} times allowed` : '';
    print(`${g.id}  ${g.resourceName}  ${g.status.replace('_', ' ')}  ${left}  ${VERIFICATION_WORDS[g.verification]}${extensions}`);
  }
}

async function extend(grantId: string, options: { by: string; why?: string; wait?: boolean; timeout: string; every: string }): Promise<void> {
  const minutes = minutesOf('--by', options.by);
  const timeoutMs = msOf('--timeout', options.timeout);
  const everyMs = msOf('--every', options.every);
  const { client } = signedIn();
  const requestId = `ext-${randomUUID()}`;
  const result = await client.call<CommandAnswer>('POST', '/api/v1/commands', {
    body: { id: `cmd-cli-${randomUUID()}`, type: 'grant.extend', payload: { grantId, minutes, reason: options.why ?? '', requestId } },
    flags: { grantId: '<grant>', minutes: '--by', reason: '--why', durationMinutes: '--by', justification: '--why' },
  });
  const asked = await client.call<AccessRequest>('GET', `/api/v1/requests/${encodeURIComponent(requestId)}`);
  if (options.wait) {
    if (!jsonOutput) print(`Asked for ${formatMinutes(minutes)} more on grant ${grantId}: ${requestId}`);
    return finishWaiting(client, asked, { timeoutMs, everyMs });
  }
  if (jsonOutput) return printJson({ result, request: asked });
  print(`Asked for ${formatMinutes(minutes)} more on grant ${grantId}: ${requestId}`);
  if (asked.status === 'approved') print(`  ${result.message}`);
  else print(`  it went to the approvers, ${whereIs(asked)}\n  Follow it with: jit status ${requestId}`);
}

async function giveBack(grantId: string, options: { why?: string }): Promise<void> {
  const { client } = signedIn();
  const result = await client.call<CommandAnswer>('POST', '/api/v1/commands', {
    body: { id: `cmd-cli-${randomUUID()}`, type: 'grant.revoke', payload: { grantId, reason: options.why ?? 'given back early' } },
    flags: { grantId: '<grant>', reason: '--why' },
  });
  if (jsonOutput) return printJson({ result });
  print(`Gave back grant ${grantId}: ${result.message}`);
  print('  jit grants --all shows when it is verified gone');
}

// ---- the program ----------------------------------------------------------------------------

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function buildProgram(): Command {
  const program = new Command('jit')
    .description('Just-in-time privileged access from the terminal: ask for access, follow the decision, see, extend and give back your grants.')
    .version(version())
    .exitOverride()
    .showSuggestionAfterError()
    // Usage errors in one line too, like every other error: "jit: unknown option '--fro' (Did you mean --for?)".
    .configureOutput({ outputError: (text, write) => write(`jit: ${text.replace(/^error: /, '').trim().replace(/\s*\n\s*/g, ' ')}\n`) })
    .addHelpText('after', EXIT_HELP);
  const json = () => new Option('--json', 'print one JSON document for scripts');
  const waitOptions = (command: Command) =>
    command
      .option('--wait', 'wait for the decision, printing where it is in the approval chain')
      .option('--timeout <duration>', 'with --wait: give up (exit 7) after this long', '30m')
      .option('--every <duration>', 'with --wait: how often to look', '2s');
  const run =
    <A extends unknown[]>(action: (...args: A) => Promise<void>) =>
    async (...args: A) => {
      const command = args[args.length - 1] as Command;
      jsonOutput = Boolean(command.opts().json);
      await action(...args);
    };

  program
    .command('login')
    .description('sign in; the token is kept in a file only you can read (mode 0600)')
    .option('--server <url>', `the sync server (default: JIT_SERVER, the last one used, or ${DEFAULT_SERVER})`)
    .option('--user <name>', 'your username (default: JIT_USER, or asked)')
    .addOption(json())
    .addHelpText('after', '\nThe password is read from the terminal without echo, or from JIT_PASSWORD.')
    .action(run((options: { server?: string; user?: string }) => login(options)));

  program.command('logout').description('end the session on the server and remove the token file').addOption(json()).action(run(() => logout()));

  program.command('catalog').description('the resources you may request, with their policy bounds').addOption(json()).action(run(() => catalog()));

  waitOptions(
    program
      .command('request')
      .description('ask for access to a resource (its id or name, as jit catalog lists them)')
      .argument('<resource>', 'resource id or name')
      .option('--for <duration>', 'how long: 30m, 2h, 1d, 1h30m (default: the recommended duration)')
      .option('--why <text>', 'justification')
      .option('--ticket <id>', 'change or incident ticket, such as INC0012345')
      .option('--start <time>', 'begin later: 2026-03-07T22:00Z or +2h (at most 30 days ahead; default: once approved)'),
  )
    .addOption(json())
    .addHelpText('after', '\nWith --wait the exit code says the outcome: 0 approved, 6 denied/expired/cancelled, 7 no decision in time.')
    .action(run((resource: string, options: RequestOptions) => request(resource, options)));

  program
    .command('status')
    .description('your requests, newest first; or one request in detail')
    .argument('[request-id]', 'a request id')
    .option('--limit <n>', 'how many requests to list', '20')
    .addOption(json())
    .action(run((requestId: string | undefined, options: { limit: string }) => status(requestId, options)));

  program
    .command('grants')
    .description('your active grants: time left and verification state')
    .option('--all', 'include ended grants')
    .addOption(json())
    .action(run((options: { all?: boolean }) => grants(options)));

  waitOptions(
    program
      .command('extend')
      .description('ask for more time on your grant; the extension goes to its approvers like a request')
      .argument('<grant>', 'grant id, as jit grants lists it')
      .requiredOption('--by <duration>', 'how much more: 30m, 1h')
      .option('--why <text>', 'why more time is needed (required by the server)'),
  )
    .addOption(json())
    .action(run((grant: string, options: { by: string; why?: string; wait?: boolean; timeout: string; every: string }) => extend(grant, options)));

  program
    .command('give-back')
    .description('end your grant early; the access is removed and verified gone')
    .argument('<grant>', 'grant id, as jit grants lists it')
    .option('--why <text>', 'reason (default: "given back early")')
    .addOption(json())
    .action(run((grant: string, options: { why?: string }) => giveBack(grant, options)));

  return program;
}

export async function main(argv: string[]): Promise<number> {
  jsonOutput = argv.includes('--json');
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its help or its one-line error already.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.help' || error.code === 'commander.version') return EXIT.ok;
      if (jsonOutput) printJson({ error: { code: 'invalid_input', message: error.message.replace(/^error: /, '') }, exitCode: EXIT.usage });
      return EXIT.usage;
    }
    const failure = error instanceof CliError ? error : new CliError(EXIT.other, error instanceof Error ? error.message : String(error), 'error');
    process.stderr.write(`jit: ${failure.message.replace(/\s*\n\s*/g, ' ')}\n`);
    if (jsonOutput) printJson({ error: { code: failure.code, message: failure.message, ...(failure.field ? { field: failure.field } : {}) }, exitCode: failure.exitCode });
    return failure.exitCode;
  }
}

process.exitCode = await main(process.argv.slice(2));
