/**
 * The ticket-check hook over REST, against a real HTTPS receiver on 127.0.0.1 that checks the
 * signature (tests/standins/ticket-hook): open, closed, unknown, slow past the timeout, garbage,
 * HTTP 500, a redirect, a huge answer; a receiver with another secret refuses; an untrusted
 * certificate; a captured call replayed. Each result is stored on the request and in its audit event.
 */
import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncPath, TICKET_UNCHECKED_STEP_NAME, type AccessRequest } from '../../core/index.js';
import { createStandinCertificates } from '../standins/graph/tls.js';
import { startTicketHookStandin, type ReceivedCall, type TicketHookStandin } from '../standins/ticket-hook/index.js';
import { HOOK_SECRET, HOOK_SECRET_NAME, startTicketHookWorld, TICKET_PASSWORD, type TicketHookWorld } from './helpers/ticket-hook.js';
import { http, login } from './helpers/server.js';

let world: TicketHookWorld;
let rita: string;
let counter = 0;

beforeAll(async () => {
  world = await startTicketHookWorld();
  rita = await login(world.srv.url, 'rita', TICKET_PASSWORD);
});
afterAll(() => world?.close());

const ask = (resourceId: string, ticket: string, id = `req-tc-${++counter}`) => http('POST', `${world.srv.url}/api/v1/requests`, { token: rita, body: { requestId: id, resourceId, durationMinutes: 30, ticket } });
const callsFor = (hook: TicketHookStandin, ticket: string): ReceivedCall[] => hook.calls.filter((c) => c.body.includes(`"ticket":"${ticket}"`));
const auditOf = (requestId: string) => [...world.srv.store.auditEvents()].find((e) => e.type === 'request.created' && e.subjectId === requestId);
const host = () => new URL(world.hook.url).host;

describe('a request naming a ticket, over REST', () => {
  it('open: the hook is called once, signed; the request is approved as the policy says and records the answer', async () => {
    world.hook.answer('OPS-100', 'open');
    const res = await ask('res-human', 'OPS-100');
    expect(res.status).toBe(201);
    const created = res.body as AccessRequest;
    expect(created).toMatchObject({ status: 'approved', ticketCheck: { status: 'open', hookHost: host(), reason: 'the ticket system says it is open: OPS-100 is in progress' } });
    const [call, ...more] = callsFor(world.hook, 'OPS-100');
    expect(more).toEqual([]);
    expect(call?.signature).toEqual({ ok: true });
    expect(JSON.parse(call?.body ?? '{}')).toMatchObject({ ticket: 'OPS-100', request: { kind: 'access' }, resource: { id: 'res-human', name: 'Billing Reader' }, requester: { id: 'u-rita', username: 'rita' } });
    expect(auditOf(created.id)?.data).toMatchObject({ ticketCheck: { status: 'open', hookHost: host() } });
  });

  it('closed: refused (422 ticket_not_open) with a sentence naming the ticket; nothing is created', async () => {
    world.hook.answer('OPS-101', 'closed');
    const res = await ask('res-human', 'OPS-101', 'req-tc-closed');
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'ticket_not_open', message: expect.stringMatching(/^ticket OPS-101 is closed in the ticket system/) });
    expect(world.srv.store.get('requests', 'req-tc-closed')).toBeNull();
  });

  it('unknown under "send to a person": the policy would approve automatically, but a person decides', async () => {
    world.hook.answer('OPS-102', 'unknown');
    const res = await ask('res-human', 'OPS-102');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'pending_approval', ticketCheck: { status: 'unknown', reason: 'the ticket system does not know it' } });
    expect((res.body as AccessRequest).policy?.approvalSteps.map((s) => s.name)).toEqual([TICKET_UNCHECKED_STEP_NAME]);
  });

  it('unknown under "refuse": refused, saying the ticket could not be checked', async () => {
    world.hook.answer('OPS-103', 'unknown');
    const res = await ask('res-refuse', 'OPS-103');
    expect(res.status).toBe(422);
    expect(res.body.error.message).toMatch(/^ticket OPS-103 could not be checked \(.*: the ticket system does not know it\), and the access policy refuses/);
  });

  it.each([
    ['slow', 'OPS-110', 'no answer within 1 s'],
    ['garbage', 'OPS-111', 'the answer is not valid JSON'],
    ['error', 'OPS-112', 'answered HTTP 500'],
    ['redirect', 'OPS-113', 'answered HTTP 302, a redirect, which is never followed'],
    ['huge', 'OPS-114', 'the answer is longer than 16 KiB'],
  ] as const)('%s: counts as unknown with the reason recorded', async (behaviour, ticket, reason) => {
    world.hook.answer(ticket, behaviour);
    const res = await ask('res-human', ticket);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'pending_approval', ticketCheck: { status: 'unknown', reason } });
    expect(auditOf(res.body.id)?.data).toMatchObject({ ticketCheck: { status: 'unknown', reason } });
    // Only the configured address is called: the redirect's target never is.
    expect(world.hook.calls.filter((c) => c.path !== '/jit/ticket-check')).toEqual([]);
  });

  it('the catalog tells the requester beforehand who checks a ticket and what an unknown answer does', async () => {
    const catalog = await http('GET', `${world.srv.url}/api/v1/catalog`, { token: rita });
    const words = (id: string) => catalog.body.resources.find((r: { id: string }) => r.id === id)?.policyInWords as string[];
    expect(words('res-human')).toContain(`A ticket given is checked with ${host()} when you ask: a closed one is refused, and if the ticket system cannot say, an approver decides.`);
    expect(words('res-refuse')).toContain(`A ticket given is checked with ${host()} when you ask: a closed one is refused, and if the ticket system cannot say, the request is refused.`);
  });

  it('no ticket: no call, nothing stored', async () => {
    const before = world.hook.calls.length;
    const res = await ask('res-human', '');
    expect(res.status).toBe(201);
    expect(res.body.ticketCheck).toBeUndefined();
    expect(world.hook.calls.length).toBe(before);
  });

  it('the same command sent again is answered with its first result, without a second call', async () => {
    world.hook.answer('OPS-120', 'open');
    const body = { id: 'cmd-tc-again', type: 'request.create', payload: { requestId: 'req-tc-again', resourceId: 'res-human', durationMinutes: 30, ticket: 'OPS-120' } };
    expect((await http('POST', `${world.srv.url}/api/v1/commands`, { token: rita, body })).status).toBe(200);
    expect((await http('POST', `${world.srv.url}/api/v1/commands`, { token: rita, body })).status).toBe(200);
    expect(callsFor(world.hook, 'OPS-120')).toHaveLength(1);
  });
});

describe('a receiver that cannot be trusted, or does not trust the call', () => {
  it('a receiver holding another secret refuses the call (401), which counts as unknown', async () => {
    const other = await startTicketHookStandin({ secret: 'not-the-shared-secret-0123456789abcdef', certificates: world.hook.certificates });
    try {
      await repoint('pol-human', other.url);
      const res = await ask('res-human', 'OPS-130');
      expect(res.body).toMatchObject({ status: 'pending_approval', ticketCheck: { status: 'unknown', reason: 'answered HTTP 401' } });
      expect(other.calls[0]?.signature).toMatchObject({ ok: false, reason: expect.stringMatching(/does not match/) });
    } finally {
      await repoint('pol-human', world.hook.url);
      await other.close();
    }
  });

  it('a certificate from a CA the server does not trust: the call fails in TLS, unknown', async () => {
    const stranger = await startTicketHookStandin({ secret: HOOK_SECRET, certificates: await createStandinCertificates() });
    try {
      await repoint('pol-human', stranger.url);
      const res = await ask('res-human', 'OPS-131');
      expect(res.body).toMatchObject({ status: 'pending_approval', ticketCheck: { status: 'unknown', reason: expect.stringMatching(/^TLS failed: the hook's certificate is not trusted/) } });
      expect(stranger.calls).toEqual([]);
    } finally {
      await repoint('pol-human', world.hook.url);
      await stranger.close();
    }
  });

  it('a captured call replayed is refused by the receiver: at once as a repeat, and later as too old', async () => {
    world.hook.answer('OPS-140', 'open');
    await ask('res-human', 'OPS-140');
    const captured = callsFor(world.hook, 'OPS-140')[0] as ReceivedCall;
    const headers = { 'content-type': 'application/json', 'x-jit-timestamp': String(captured.headers['x-jit-timestamp']), 'x-jit-signature': String(captured.headers['x-jit-signature']) };
    expect(await resend(world.hook, headers, captured.body)).toBe(401);
    expect(world.hook.calls.at(-1)?.signature).toEqual({ ok: false, reason: 'already received: a replay' });

    // A receiver that has not seen it, six minutes later.
    const later = await startTicketHookStandin({ secret: HOOK_SECRET, certificates: world.hook.certificates, now: () => new Date(Date.now() + 6 * 60_000) });
    try {
      expect(await resend(later, headers, captured.body)).toBe(401);
      expect(later.calls[0]?.signature).toMatchObject({ ok: false, reason: expect.stringMatching(/more than 300 s: a replay/) });
    } finally {
      await later.close();
    }
  });
});

describe('the hook in a policy', () => {
  const upsert = (ticketCheck: Record<string, unknown>) =>
    http('POST', `${world.srv.url}/api/v1/commands`, {
      token: world.srv.adminToken,
      body: { type: 'policy.upsert', payload: { policy: { id: 'pol-new', name: 'New', maxDurationMinutes: 60, defaultDurationMinutes: 30, autoApprove: false, approvalSteps: [{ name: 'A', mode: 'any', approverRoles: ['approver'] }], ticketCheck } } },
    });

  it('is refused on save with plain http, a query, a timeout past 10 s, or a secret the server does not hold', async () => {
    const http1 = await upsert({ url: world.hook.url.replace('https:', 'http:'), secretName: HOOK_SECRET_NAME });
    expect(http1.body.error).toMatchObject({ code: 'invalid_input', field: 'payload.policy.ticketCheck.url', message: expect.stringMatching(/must be https/) });
    expect((await upsert({ url: `${world.hook.url}?token=1`, secretName: HOOK_SECRET_NAME })).body.error.message).toMatch(/query or fragment/);
    expect((await upsert({ url: world.hook.url, secretName: HOOK_SECRET_NAME, timeoutSeconds: 30 })).body.error.field).toBe('payload.policy.ticketCheck.timeoutSeconds');
    const ghost = await upsert({ url: world.hook.url, secretName: 'nobody-has-it' });
    expect(ghost.body.error.message).toMatch(/the server holds no ticket-hook secret named nobody-has-it/);
    expect((await upsert({ url: world.hook.url, secretName: HOOK_SECRET_NAME })).status).toBe(200);
  });

  it('loosening it waits for a second person: refuse → a person decides is proposed, not applied', async () => {
    const policy = world.srv.store.get('policies', 'pol-refuse');
    const { changedBy: _c, updatedAt: _u, ...rest } = policy as NonNullable<typeof policy>;
    const res = await http('POST', `${world.srv.url}/api/v1/commands`, {
      token: world.srv.adminToken,
      body: { type: 'policy.upsert', payload: { policy: { ...rest, ticketCheck: { ...rest.ticketCheck, onUnknown: 'human' } } } },
    });
    expect(res.status).toBe(200);
    expect(res.body.message).toMatch(/widens access \(a ticket that cannot be checked at .* goes to a person instead of being refused\): proposed as prop-/);
    expect(world.srv.store.get('policies', 'pol-refuse')?.ticketCheck?.onUnknown).toBe('refuse');
  });

  it('replicates and exports by the secret’s name only: the secret is in neither', async () => {
    const exported = await http('GET', `${world.srv.url}/api/v1/config/export`, { token: world.srv.adminToken });
    expect(exported.status).toBe(200);
    expect(exported.text).toContain(`secretName: ${HOOK_SECRET_NAME}`);
    expect(exported.text).not.toContain(HOOK_SECRET);
    // The hook round-trips: reading the export back changes nothing.
    const diff = await http('POST', `${world.srv.url}/api/v1/config/diff`, { token: world.srv.adminToken, rawBody: exported.text, headers: { 'content-type': 'text/yaml' } });
    expect(diff.body).toMatchObject({ summary: 'nothing changed', outcome: { status: 'unchanged' } });
    const pulled = await http('GET', `${world.srv.url}${syncPath('policies', 'pull')}?batchSize=100`, { token: world.srv.adminToken });
    expect(pulled.text).toContain(HOOK_SECRET_NAME);
    expect(pulled.text).not.toContain(HOOK_SECRET);
    expect(JSON.stringify([...world.srv.store.auditEvents()])).not.toContain(HOOK_SECRET);
  });
});

/** Points a policy's hook elsewhere (as the admin's first configuration: no second person in tests). */
async function repoint(policyId: string, url: string): Promise<void> {
  const policy = world.srv.store.get('policies', policyId);
  if (!policy?.ticketCheck) throw new Error(`${policyId} has no hook`);
  const { changedBy: _c, updatedAt: _u, ...rest } = policy;
  const result = world.srv.processor.apply({ id: `repoint-${++counter}`, type: 'policy.upsert', actorId: 'u-admin', payload: { policy: { ...rest, ticketCheck: { ...policy.ticketCheck, url } } }, createdAt: new Date().toISOString() }, { bootstrap: true });
  if (result.status !== 'applied') throw new Error(result.message);
}

/** Sends a body with given headers to a stand-in, trusting its CA; answers the HTTP status. */
function resend(hook: TicketHookStandin, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(hook.url, { method: 'POST', headers, ca: hook.caPem }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}
