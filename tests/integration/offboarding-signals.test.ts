/**
 * Offboarding started from outside: the signed webhook an HR system or IdP calls (real HTTP, the
 * secret held encrypted by the server), and the directory sync's "person disabled or removed" signal
 * (onDirectoryDisabled), with the scheduler and the Entra connector against the Graph stand-in.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../core/index.js';
import { onDirectoryDisabled, readOffboardWebhookSecret, setOffboardWebhookSecret, writeOffboardingSettings } from '../../sync-server/offboarding/index.js';
import { SecretKey } from '../../sync-server/secrets/crypto.js';
import { signedHeaders } from '../../sync-server/signing/signature.js';
import { startGraphStandin, type GraphStandin } from '../standins/graph/index.js';
import { standinEntraSettings } from './helpers/entra.js';
import { command, expectDutiesMoved, FALLBACK, seedLeaver } from './helpers/offboarding.js';
import { http, startTestServer, type TestServer } from './helpers/server.js';

const SECRET = 'hr-system-shared-secret-0123456789abcdef';
const key = SecretKey.generate();
let graph: GraphStandin;
let srv: TestServer | undefined;
let clock = Date.parse('2026-11-02T09:00:00Z');

beforeAll(async () => {
  graph = await startGraphStandin({ seed: 17 });
});
afterEach(async () => {
  await srv?.close();
  srv = undefined;
  graph.reset();
});
afterAll(async () => {
  await graph.close();
});

async function start(offboarding?: { fallbackId: string | null; onDirectoryDisabled: 'alert' | 'offboard' }): Promise<TestServer> {
  srv = await startTestServer({
    now: () => new Date(clock),
    secretKey: key,
    connectors: [{ id: 'entra-test', ...standinEntraSettings(graph), verifyReadIntervalMs: 5, maxRetryWaitMs: 0 }, { id: 'manual', kind: 'manual' }],
    scheduler: { intervalMs: 0, random: () => 0.5 },
    ...(offboarding ? { offboarding } : {}),
  });
  return srv;
}

async function runScheduler(s: TestServer) {
  clock += 1000;
  return await s.server.scheduler!.runOnce();
}

const events = (s: TestServer, type: AuditEvent['type']) => [...s.store.auditEvents()].filter((e) => e.type === type);

/** A call as the HR system sends it, signed at `signedAt` (default: the server's now). */
function signed(body: unknown, opts: { secret?: string; signedAt?: number } = {}) {
  const raw = JSON.stringify(body);
  return { rawBody: raw, headers: { 'content-type': 'application/json', ...signedHeaders(opts.secret ?? SECRET, raw, new Date(opts.signedAt ?? clock)) } };
}

const call = (s: TestServer, request: { rawBody: string; headers: Record<string, string> }) => http('POST', `${s.url}/api/v1/webhooks/offboard`, request);

describe('the signed offboarding webhook', () => {
  it('refuses a bad signature, an old timestamp and a replay; a well-signed call offboards the person, attributed to the webhook', async () => {
    const s = await start({ fallbackId: FALLBACK, onDirectoryDisabled: 'alert' });
    const leaver = await seedLeaver(s, graph, { id: 'u-fern', at: () => new Date(clock).toISOString(), runScheduler: () => runScheduler(s) });
    // Stored encrypted: the table holds an envelope, not the secret.
    setOffboardWebhookSecret(s.store, key, SECRET, { source: 'test' });
    const stored = (s.store.db.prepare('SELECT secret FROM offboard_webhook_secret').get() as { secret: string }).secret;
    expect(stored).not.toContain(SECRET);
    expect(readOffboardWebhookSecret(s.store, key)).toBe(SECRET);

    const body = { mail: 'FERN@example.test', reason: 'contract ended', reference: 'HR-2231' };
    const unsigned = await http('POST', `${s.url}/api/v1/webhooks/offboard`, { body });
    expect(unsigned.status).toBe(401);
    const wrongSecret = await call(s, signed(body, { secret: 'someone-elses-secret-0123456789abcdef' }));
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.text).toMatch(/does not match/);
    const altered = signed(body);
    const tampered = await call(s, { ...altered, rawBody: altered.rawBody.replace('FERN', 'ADMIN') });
    expect(tampered.status).toBe(401);
    const old = await call(s, signed(body, { signedAt: clock - 6 * 60_000 }));
    expect(old.status).toBe(401);
    expect(old.text).toMatch(/more than 300 s/);
    expect(s.store.getAccount('u-fern')?.disabledAt).toBeNull();
    expect((await http('GET', `${s.url}/api/v1/grants?mine=1`, { token: leaver.token })).status).toBe(200);

    const good = signed(body);
    const taken = await call(s, good);
    expect(taken.status, taken.text).toBe(200);
    expect(taken.body).toMatchObject({ personId: 'u-fern', outcome: { accountDisabled: true, sessionsEnded: 1, reassigned: 4 } });
    // The same call again, inside the window: a replay.
    const replay = await call(s, good);
    expect(replay.status).toBe(409);
    expect(replay.text).toMatch(/replay/);
    expect(events(s, 'offboard_webhook.refused').map((e) => e.data.why)).toEqual(['stale', 'replay']);

    expect((await http('GET', `${s.url}/api/v1/grants?mine=1`, { token: leaver.token })).status).toBe(401);
    expect(s.store.get('requests', leaver.ownRequestId)).toMatchObject({ status: 'cancelled', outcomeReason: 'offboarding' });
    await expectDutiesMoved(s, leaver);
    const summary = events(s, 'person.offboarded');
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatchObject({ actorId: 'webhook:offboard', data: { source: 'webhook', via: 'webhook', reference: 'HR-2231', fallbackId: FALLBACK, reason: 'contract ended' } });
    for (const id of leaver.grantIds) expect(s.store.get('grants', id)).toMatchObject({ status: 'revoking', endedBy: 'webhook:offboard', endedReason: 'offboarding' });

    await runScheduler(s);
    for (const [n, id] of leaver.grantIds.entries()) {
      expect(s.store.get('grants', id)).toMatchObject({ status: 'verified', verification: 'gone' });
      expect(graph.state.isMember(leaver.groupIds[n] as string, leaver.entraId)).toBe(false);
    }

    // A fresh call for the same person (the IdP retries): harmless, nothing more is ended or written.
    clock += 5000;
    const retried = await call(s, signed({ objectId: leaver.entraId }));
    expect(retried.status, retried.text).toBe(200);
    expect(retried.body.outcome).toMatchObject({ nothingLeft: true, grantsRevoked: [] });
    expect(events(s, 'person.offboarded')).toHaveLength(1);

    const unknown = await call(s, signed({ username: 'nobody-here' }));
    expect(unknown.status).toBe(404);
    const two = await call(s, signed({ username: 'fern', mail: 'fern@example.test' }));
    expect(two.status).toBe(400);
    // Mail is not unique: two people share one, and neither is offboarded by guess.
    for (const id of ['u-twin-1', 'u-twin-2']) s.store.put('users', { ...s.store.get('users', 'u-fern')!, id, username: id, email: 'shared@example.test', disabled: false, externalIds: {} });
    const ambiguous = await call(s, signed({ mail: 'Shared@example.test' }));
    expect(ambiguous.status, ambiguous.text).toBe(409);
    expect(ambiguous.body.error.message).toMatch(/2 people match mail/);
    expect(s.store.get('users', 'u-twin-1')?.disabled).toBe(false);
  });

  it('audits a replayed or stale call once per replay window, however often it is sent again', async () => {
    const s = await start({ fallbackId: FALLBACK, onDirectoryDisabled: 'alert' });
    await seedLeaver(s, graph, { id: 'u-hal', at: () => new Date(clock).toISOString(), runScheduler: () => runScheduler(s) });
    setOffboardWebhookSecret(s.store, key, SECRET, { source: 'test' });
    const good = signed({ username: 'hal', reason: 'left' });
    expect((await call(s, good)).status).toBe(200);
    const stale = signed({ username: 'hal' }, { signedAt: clock - 6 * 60_000 });
    for (let i = 0; i < 20; i++) {
      expect((await call(s, good)).status).toBe(409);
      expect((await call(s, stale)).status).toBe(401);
    }
    const refused = () => events(s, 'offboard_webhook.refused');
    expect(refused().map((e) => e.data.why).sort()).toEqual(['replay', 'stale']);
    expect(refused().every((e) => e.data.suppressedSinceLast === 0)).toBe(true);
    // Past the window the next refusal is audited again, with how many were only counted in between.
    clock += 301_000;
    expect((await call(s, stale)).status).toBe(401);
    const latest = refused().at(-1);
    expect(latest?.data).toMatchObject({ why: 'stale', suppressedSinceLast: 19 });
    expect(refused()).toHaveLength(3);
  });

  it('refuses every call while the server holds no secret', async () => {
    const s = await start();
    const res = await call(s, signed({ username: 'admin' }));
    expect(res.status).toBe(401);
    expect(res.text).toMatch(/no shared secret/);
  });
});

describe('a person the directory sync sees disabled', () => {
  it('raises one "offboard?" alert for admins by default, and offboarding from it closes the alert', async () => {
    const s = await start({ fallbackId: FALLBACK, onDirectoryDisabled: 'alert' });
    const leaver = await seedLeaver(s, graph, { id: 'u-gus', at: () => new Date(clock).toISOString(), runScheduler: () => runScheduler(s) });
    const signal = { personId: 'u-gus', change: 'disabled' as const, connectorId: 'entra-test', at: new Date(clock).toISOString() };
    expect(onDirectoryDisabled(s.store, signal)).toMatchObject({ action: 'alerted', taskId: 't-offboard-u-gus' });
    expect(onDirectoryDisabled(s.store, signal)).toMatchObject({ action: 'alerted', message: 'an offboard alert is already open' });
    const alerts = s.store.list('tasks', { status: 'open' }).filter((t) => t.kind === 'offboard_alert');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ assigneeId: null, severity: 'critical', title: 'Offboard Gus? Disabled in the directory' });
    // Nothing is ended on the alert alone.
    expect((await http('GET', `${s.url}/api/v1/grants?mine=1`, { token: leaver.token })).status).toBe(200);
    for (const id of leaver.grantIds) expect(s.store.get('grants', id)?.status).toBe('active');

    const res = await command(s, s.adminToken, 'person.offboard', { personId: 'u-gus', reason: 'the directory disabled them' });
    expect(res.status, res.text).toBe(200);
    expect(s.store.get('tasks', 't-offboard-u-gus')).toMatchObject({ status: 'done', closedBy: 'u-admin' });
    // The configured fallback took the duties.
    await expectDutiesMoved(s, leaver);
    // A later sync seeing them disabled again asks nothing more.
    expect(onDirectoryDisabled(s.store, { ...signal, at: new Date(clock + 60_000).toISOString() })).toMatchObject({ action: 'nothing' });
    expect(s.store.list('tasks', { status: 'open' }).filter((t) => t.kind === 'offboard_alert')).toHaveLength(0);
  });

  it('offboards at once where the admin chose so, revoking and verifying through the connector', async () => {
    const s = await start({ fallbackId: FALLBACK, onDirectoryDisabled: 'offboard' });
    const leaver = await seedLeaver(s, graph, { id: 'u-hal', at: () => new Date(clock).toISOString(), runScheduler: () => runScheduler(s) });
    const outcome = onDirectoryDisabled(s.store, { personId: 'u-hal', change: 'removed', connectorId: 'entra-test', at: new Date(clock).toISOString() });
    expect(outcome.action).toBe('offboarded');
    expect((await http('GET', `${s.url}/api/v1/grants?mine=1`, { token: leaver.token })).status).toBe(401);
    expect(events(s, 'person.offboarded')[0]).toMatchObject({ actorId: 'system', data: { source: 'directory', via: 'directory', change: 'removed' } });
    await runScheduler(s);
    for (const id of leaver.grantIds) expect(s.store.get('grants', id)).toMatchObject({ status: 'verified', verification: 'gone', endedReason: 'offboarding' });
    const progress = await http('GET', `${s.url}/api/v1/people/u-hal/offboarding`, { token: s.adminToken });
    expect(progress.body).toMatchObject({ state: 'in_progress', progress: { total: 4, verified: 3 } });
  });

  it('falls back to the alert, saying why, when it cannot offboard at once (no fallback for the duties)', async () => {
    const s = await start({ fallbackId: null, onDirectoryDisabled: 'offboard' });
    await seedLeaver(s, graph, { id: 'u-ivy', at: () => new Date(clock).toISOString(), runScheduler: () => runScheduler(s) });
    writeOffboardingSettings(s.store, { fallbackId: null, onDirectoryDisabled: 'offboard' });
    const outcome = onDirectoryDisabled(s.store, { personId: 'u-ivy', change: 'disabled', at: new Date(clock).toISOString() });
    expect(outcome.action).toBe('alerted');
    expect(s.store.get('tasks', 't-offboard-u-ivy')?.detail).toMatch(/Offboarding at once was not possible: .*name a fallback person/);
    expect(s.store.getAccount('u-ivy')?.disabledAt).toBeNull();
  });
});
