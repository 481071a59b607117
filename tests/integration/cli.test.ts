/**
 * The `jit` CLI (cli/), run as a child process (`node cli/jit.mjs`, what `npx jit` runs) against a
 * real server with the demo organisation, as bob (a requester), with a temporary config directory.
 * Approvers act over REST meanwhile. Every exit code is seen at least once.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMinutes, parseDuration, parseWait } from '../../cli/duration.js';
import { jitIn, json } from './helpers/jit.js';
import { DEMO_PASSWORD, http, startTestServer, type TestServer } from './helpers/server.js';

let srv: TestServer;
let configHome: string;
const tokenFile = () => join(configHome, 'jit', 'credentials.json');
const mode = (path: string) => statSync(path).mode & 0o777;

const { start, jit } = jitIn(() => configHome);

// One REST session per person for the whole file: a sign-in is a scrypt check, and the sessions are
// not what these tests look at (the CLI's own session is).
const sessions = new Map<string, Promise<string>>();
const tokenOf = (username: string) => {
  if (!sessions.has(username)) sessions.set(username, srv.login(username));
  return sessions.get(username) as Promise<string>;
};

async function decide(username: string, type: 'request.approve' | 'request.deny', requestId: string, reason = 'ok') {
  const res = await http('POST', `${srv.url}/api/v1/commands`, { token: await tokenOf(username), body: { type, payload: { requestId, reason } } });
  expect(res.status, res.text).toBe(200);
}

beforeAll(async () => {
  srv = await startTestServer({ seedDemo: true });
  configHome = mkdtempSync(join(tmpdir(), 'jit-cli-config-'));
});
afterAll(async () => {
  await srv?.close();
  if (configHome) rmSync(configHome, { recursive: true, force: true });
});

describe('durations as people type them', () => {
  it('reads 30m, 2h, 1d, 1h30m, 1.5h and refuses what is not a whole number of minutes', () => {
    expect(['30m', '2h', '1d', '1h30m', '1.5h', '1w'].map((t) => parseDuration(t))).toEqual([30, 120, 1440, 90, 90, 10080].map((minutes) => ({ ok: true, minutes })));
    for (const bad of ['', '90', '2x', 'h', '0m', '30s', '1.25m']) expect(parseDuration(bad).ok, bad).toBe(false);
    expect(parseWait('0.5s')).toEqual({ ok: true, ms: 500 });
    expect(formatMinutes(90)).toBe('1 h 30 min');
    expect(formatMinutes(1500)).toBe('1 d 1 h');
  });
});

describe('jit against a real server, as bob', { timeout: 60_000 }, () => {
  let pendingId = '';
  let approvedGrant = '';

  it('refuses everything before login (exit 3), usage errors exit 2, an unreachable server exits 1', async () => {
    const before = await jit(['grants']);
    expect(before.code).toBe(3);
    expect(before.stderr.trim()).toBe('jit: not signed in: run jit login');

    const unknown = await jit(['request', 'res-x', '--fro', '2h']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^jit: unknown option '--fro' \(Did you mean --for\?\)\n$/);
    const noBy = await jit(['extend', 'g-1', '--why', 'x', '--json']);
    expect(noBy.code).toBe(2);
    expect(json(noBy)).toMatchObject({ error: { code: 'invalid_input', message: "required option '--by <duration>' not specified" }, exitCode: 2 });
    const badServer = await jit(['login', '--server', 'not a url', '--user', 'bob'], { JIT_PASSWORD: DEMO_PASSWORD });
    expect(badServer.code).toBe(2);
    expect(badServer.stderr).toMatch(/^jit: --server: /);
    const noPassword = await jit(['login', '--server', srv.url, '--user', 'bob']);
    expect(noPassword.code).toBe(2);
    expect(noPassword.stderr).toMatch(/password: no terminal to read it from: set JIT_PASSWORD/);

    const unreachable = await jit(['login', '--server', 'http://127.0.0.1:1', '--user', 'bob'], { JIT_PASSWORD: DEMO_PASSWORD });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^jit: cannot reach http:\/\/127\.0\.0\.1:1/);

    const wrong = await jit(['login', '--server', srv.url, '--user', 'bob'], { JIT_PASSWORD: 'not-the-password-1' });
    expect(wrong.code).toBe(3);
    expect(existsSync(tokenFile())).toBe(false);
  });

  it('login keeps the token in a file only bob can read (0600), and a 0644 file is refused', async () => {
    const login = await jit(['login', '--server', srv.url, '--user', 'bob', '--json'], { JIT_PASSWORD: DEMO_PASSWORD });
    expect(login.code, login.stderr).toBe(0);
    const answer = json<{ server: string; user: { id: string; username: string }; tokenFile: string; token?: string }>(login);
    expect(answer).toMatchObject({ server: srv.url, user: { id: 'u-bob', username: 'bob' }, tokenFile: tokenFile() });
    expect(answer.token).toBeUndefined();
    expect(mode(tokenFile())).toBe(0o600);
    expect(mode(join(configHome, 'jit'))).toBe(0o700);

    chmodSync(tokenFile(), 0o644);
    const refused = await jit(['grants']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/readable or writable by others \(mode 0644\); refusing to use it/);
    // Signing in again replaces it with a private one (the server is named again: nothing is read from an unsafe file).
    const again = await jit(['login', '--server', srv.url, '--user', 'bob'], { JIT_PASSWORD: DEMO_PASSWORD });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^Signed in to .* as Bob Nguyen \(bob\)/);
    expect(mode(tokenFile())).toBe(0o600);
  });

  it('catalog lists what bob may request, with the policy bounds in words', async () => {
    const text = await jit(['catalog']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/PIM Prod Operators {2}\(res-pim-prod-operators\)/);
    expect(text.stdout).toMatch(/up to 4 h \(1 h is recommended\); needs a justification \(--why\) and a ticket \(--ticket\)/);
    expect(text.stdout).toMatch(/up to 8 h \(1 h is recommended\); no justification or ticket needed/);
    const { resources } = json<{ resources: { id: string; requireTicket: boolean }[] }>(await jit(['catalog', '--json']));
    expect(resources.map((r) => r.id).sort()).toEqual(['res-ad-server-admins', 'res-entra-global-reader', 'res-entra-security-readers', 'res-pim-prod-operators']);
    expect(resources.find((r) => r.id === 'res-pim-prod-operators')?.requireTicket).toBe(true);
  });

  it('request with a ticket, by name; bad input names the option and the field', async () => {
    const run = await jit(['request', 'pim prod operators', '--for', '1h', '--why', 'Failover rehearsal', '--ticket', 'INC0012345', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const { request } = json<{ request: { id: string; status: string; ticket: string; durationMinutes: number } }>(run);
    expect(request).toMatchObject({ status: 'pending_approval', ticket: 'INC0012345', durationMinutes: 60 });
    expect(srv.store.get('requests', request.id)).toMatchObject({ requesterId: 'u-bob', resourceId: 'res-pim-prod-operators', ticket: 'INC0012345' });
    pendingId = request.id;

    const tooLong = await jit(['request', 'res-pim-prod-operators', '--for', '9h', '--why', 'x', '--ticket', 'INC1']);
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toMatch(/^jit: --for \(durationMinutes\): .*240 minutes/);
    expect(tooLong.stderr.trim().split('\n')).toHaveLength(1);
    const noTicket = await jit(['request', 'res-pim-prod-operators', '--for', '1h', '--why', 'x']);
    expect(noTicket.code).toBe(2);
    expect(noTicket.stderr).toMatch(/^jit: --ticket \(ticket\): /);
    const notADuration = await jit(['request', 'res-pim-prod-operators', '--for', '2x']);
    expect(notADuration.code).toBe(2);
    expect(notADuration.stderr).toMatch(/^jit: --for: "2x" is not a duration/);
    const notEligible = await jit(['request', 'res-entra-helpdesk-admin', '--for', '1h', '--why', 'x']);
    expect(notEligible.code).toBe(4);
  });

  it('request without --for gets the recommended duration from the server', async () => {
    const run = await jit(['request', 'res-entra-global-reader', '--why', 'Read the sign-in logs']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Requested Global Reader for 2 h: /);
    const id = /: (\S+)\n/.exec(run.stdout)?.[1] ?? '';
    expect(srv.store.get('requests', id)).toMatchObject({ durationMinutes: 120, status: 'pending_approval' });
    // Withdrawn again, so the lists the next tests read are as they were.
    const token = await tokenOf('bob');
    expect((await http('POST', `${srv.url}/api/v1/commands`, { token, body: { type: 'request.cancel', payload: { requestId: id } } })).status).toBe(200);
  });

  it('request --start asks for access that begins later (an ISO time or +2h); a past or far start names --start', async () => {
    const before = Date.now();
    const run = await jit(['request', 'res-entra-global-reader', '--why', 'Saturday maintenance', '--start', '+2h']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Requested Global Reader for 2 h from \S+Z: /);
    const id = /: (\S+)\n/.exec(run.stdout)?.[1] ?? '';
    const startsAt = Date.parse(srv.store.get('requests', id)?.startsAt ?? '');
    expect(startsAt - before).toBeGreaterThanOrEqual(2 * 3_600_000);
    expect(startsAt - before).toBeLessThan(3 * 3_600_000);
    expect(run.stdout).toMatch(/; starts \S+Z\n/);
    const iso = await jit(['request', 'res-entra-global-reader', '--why', 'x', '--start', '2020-01-01T22:00Z']);
    expect(iso.code).toBe(2);
    expect(iso.stderr).toMatch(/^jit: --start: 2020-01-01T22:00:00.000Z is not in the future/);
    const far = await jit(['request', 'res-entra-global-reader', '--why', 'x', '--start', '+40d']);
    expect(far.stderr).toMatch(/^jit: --start: may be at most 30 days ahead/);
    const noZone = await jit(['request', 'res-entra-global-reader', '--why', 'x', '--start', '2030-01-01T22:00']);
    expect(noZone.stderr).toMatch(/^jit: --start: "2030-01-01T22:00" is not a time: give one with its zone/);
    // Withdrawn again, so the lists the next tests read are as they were.
    const token = await tokenOf('bob');
    expect((await http('POST', `${srv.url}/api/v1/commands`, { token, body: { type: 'request.cancel', payload: { requestId: id } } })).status).toBe(200);
  });

  it('status shows where a request is in the chain; --json lists them; an unknown one exits 5', async () => {
    const one = await jit(['status', pendingId]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/PIM Prod Operators for 1 h/);
    expect(one.stdout).toMatch(/waiting for approval: step 1 of 2 \(Resource owner: u-alice\)/);
    expect(one.stdout).toMatch(/ticket INC0012345/);
    const { requests } = json<{ requests: { id: string; requesterId: string }[] }>(await jit(['status', '--json']));
    expect(requests.map((r) => r.id)).toContain(pendingId);
    expect(requests.every((r) => r.requesterId === 'u-bob')).toBe(true);

    const missing = await jit(['status', 'req-nope', '--json']);
    expect(missing.code).toBe(5);
    expect(json(missing)).toEqual({ error: { code: 'not_found', message: 'request req-nope does not exist' }, exitCode: 5 });
    // Someone else's request answers like a missing one.
    expect((await jit(['status', 'req-demo-dave-prod-operators'])).code).toBe(5);
  });

  it('request --wait follows the chain while approvers decide over REST, and exits 0 once approved', async () => {
    const running = start(['request', 'res-pim-prod-operators', '--for', '2h', '--why', 'Database failover', '--ticket', 'INC0012346', '--wait', '--every', '0.1s']);
    const [, id] = (await running.waitFor(/Requested PIM Prod Operators for 2 h: (\S+)/)) as [string, string];
    await running.waitFor(/step 1 of 2 \(Resource owner/);
    await decide('alice', 'request.approve', id, 'owner agrees');
    await running.waitFor(/step 2 of 2 \(Security: u-carol, u-mallory\); approved so far by u-alice/);
    await decide('carol', 'request.approve', id, 'security agrees');
    const run = await running.done;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`${id}: approved; grant g-${id}`));
    approvedGrant = `g-${id}`;
  });

  it('request --wait exits 6 when denied (--json: one document, progress on stderr) and 7 when nobody decides in time', async () => {
    const running = start(['request', 'res-ad-server-admins', '--for', '30m', '--why', 'Patch', '--ticket', 'CHG-1', '--wait', '--every', '0.1s', '--json']);
    // Under --json, progress goes to stderr and stdout stays one JSON document.
    const [, id] = (await running.waitFor(/(\S+): waiting for approval: step 1 of 2 \(Resource owner/)) as [string, string];
    await decide('alice', 'request.deny', id, 'use the patch pipeline');
    const denied = await running.done;
    expect(denied.code).toBe(6);
    expect(json(denied)).toMatchObject({ outcome: 'denied', request: { id, status: 'denied', outcomeReason: 'use the patch pipeline' } });
    expect(denied.stderr).toMatch(/denied: use the patch pipeline/);

    const timeout = await jit(['request', 'res-entra-global-reader', '--for', '1h', '--why', 'Read the sign-in logs', '--wait', '--timeout', '0.3s', '--every', '0.1s']);
    expect(timeout.code).toBe(7);
    expect(timeout.stderr).toMatch(/^jit: no decision on \S+ within 0\.3s; it is still waiting for approval: step 1 of 1/);
  });

  it('grants lists bob’s live grants with time left and verification state', async () => {
    await decide('alice', 'request.approve', 'req-demo-bob-global-reader', 'ok');
    const text = await jit(['grants']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/g-req-demo-bob-global-reader {2}Global Reader {2}provisioning {2}(1 h \d+ min|2 h) left \(until .*\) {2}not verified yet; extended 0 of 1 times allowed/);
    expect(text.stdout).toMatch(new RegExp(`${approvedGrant} {2}PIM Prod Operators`));
    const { grants } = json<{ grants: { id: string; userId: string; resourceName: string; minutesLeft: number; verification: string }[] }>(await jit(['grants', '--json']));
    expect(grants.every((g) => g.userId === 'u-bob')).toBe(true);
    expect(grants.find((g) => g.id === 'g-req-demo-bob-global-reader')).toMatchObject({ resourceName: 'Global Reader', verification: 'none' });
    expect(grants.find((g) => g.id === 'g-req-demo-bob-global-reader')?.minutesLeft).toBeGreaterThan(100);
  });

  it('extend sends the extension to the approvers; a second one, or one the policy does not allow, is refused (exit 4)', async () => {
    const noReason = await jit(['extend', 'g-req-demo-bob-global-reader', '--by', '1h']);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr.trim()).toBe('jit: --why (reason): a reason is required');
    const badBy = await jit(['extend', 'g-req-demo-bob-global-reader', '--by', 'soon', '--why', 'x']);
    expect(badBy.code).toBe(2);
    expect(badBy.stderr).toMatch(/^jit: --by: "soon" is not a duration/);

    const run = await jit(['extend', 'g-req-demo-bob-global-reader', '--by', '1h', '--why', 'The migration overran']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Asked for 1 h more on grant g-req-demo-bob-global-reader: (ext-\S+)/);
    expect(run.stdout).toMatch(/it went to the approvers, waiting for approval: step 1 of 1 \(Approver: anyone with the approver role\)/);
    const extensionId = /(ext-\S+)/.exec(run.stdout)?.[1] as string;
    expect(srv.store.get('requests', extensionId)).toMatchObject({ status: 'pending_approval', extendsGrantId: 'g-req-demo-bob-global-reader', requesterId: 'u-bob', durationMinutes: 60 });
    expect(srv.store.get('grants', 'g-req-demo-bob-global-reader')?.extensions).toBe(0);

    const twice = await jit(['extend', 'g-req-demo-bob-global-reader', '--by', '1h', '--why', 'again', '--json']);
    expect(twice.code).toBe(4);
    expect(json(twice)).toMatchObject({ error: { code: 'conflict' }, exitCode: 4 });
    // "Owner and security" allows no extension.
    const beyond = await jit(['extend', approvedGrant, '--by', '30m', '--why', 'more']);
    expect(beyond.code).toBe(4);
    expect(beyond.stderr.trim().split('\n')).toHaveLength(1);
    // Someone else's grant does not exist for a requester.
    expect((await jit(['extend', 'g-req-demo-dave-global-reader', '--by', '30m', '--why', 'mine now'])).code).toBe(5);
  });

  it('give-back ends the grant early; giving it back twice is refused, an unknown grant is not found', async () => {
    const run = await jit(['give-back', approvedGrant, '--why', 'Failover done', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(json(run)).toMatchObject({ result: { status: 'applied', subjectIds: [approvedGrant] } });
    expect(srv.store.get('grants', approvedGrant)).toMatchObject({ status: 'revoking', endedBy: 'u-bob', endedReason: 'Failover done' });
    const twice = await jit(['give-back', approvedGrant]);
    expect(twice.code).toBe(4);
    expect(twice.stderr).toMatch(/^jit: .*already/);
    expect((await jit(['give-back', 'g-nope'])).code).toBe(5);
    const live = json<{ grants: { id: string }[] }>(await jit(['grants', '--json'])).grants.map((g) => g.id);
    expect(live).toContain(approvedGrant); // revoking is still live until the connector removes it
    expect(json<{ grants: { id: string; status: string }[] }>(await jit(['grants', '--all', '--json'])).grants.find((g) => g.id === approvedGrant)?.status).toBe('revoking');
  });

  it('an expired session exits 3; logout ends the token on the server and removes the file', async () => {
    const stored = JSON.parse(readFileSync(tokenFile(), 'utf8')) as { token: string; expiresAt: string };
    writeFileSync(tokenFile(), JSON.stringify({ ...stored, expiresAt: '2000-01-01T00:00:00.000Z' }), { mode: 0o600 });
    const expired = await jit(['catalog']);
    expect(expired.code).toBe(3);
    expect(expired.stderr).toMatch(/your session ended at 2000-01-01T00:00:00.000Z: run jit login/);
    writeFileSync(tokenFile(), JSON.stringify(stored), { mode: 0o600 });

    const out = await jit(['logout']);
    expect(out.code, out.stderr).toBe(0);
    expect(existsSync(tokenFile())).toBe(false);
    expect((await http('GET', `${srv.url}/api/v1/me`, { token: stored.token })).status).toBe(401);
    expect((await jit(['status'])).code).toBe(3);

    // A server that cannot be told still loses the file, and says the token lives on until it expires.
    writeFileSync(tokenFile(), JSON.stringify({ ...stored, server: 'http://127.0.0.1:1' }), { mode: 0o600 });
    const unreachable = await jit(['logout']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/removed, but the server was not told .*the token stays valid until/);
    expect(existsSync(tokenFile())).toBe(false);
  });

  it('--help documents the commands and the exit codes', async () => {
    const help = await jit(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['login', 'logout', 'catalog', 'request', 'status', 'grants', 'extend', 'give-back']) expect(help.stdout).toContain(`  ${command} `);
    for (const code of ['0', '1', '2', '3', '4', '5', '6', '7']) expect(help.stdout).toMatch(new RegExp(`^ {2}${code} {2}\\S`, 'm'));
  });
});
