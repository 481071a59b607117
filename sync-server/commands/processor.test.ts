import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain, type CommandType } from '../../core/index.js';
import { seedDemoOrganisation } from '../demo/seed.js';
import { openStore } from '../store/sqlite-store.js';
import type { Store } from '../store/types.js';
import { createCommandProcessor, InvalidCommandError, type CommandProcessor } from './processor.js';

let dir: string;
let store: Store;
let processor: CommandProcessor;
let clock = new Date('2030-03-04T10:00:00.000Z');
let n = 0;

function send(actorId: string, type: CommandType, payload: Record<string, unknown>, extra: { id?: string; baseRevision?: number | null } = {}) {
  n++;
  return processor.apply({ id: extra.id ?? `t-${n}`, type, actorId, payload, createdAt: clock.toISOString(), baseRevision: extra.baseRevision ?? null });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'jit-processor-'));
  store = openStore({ dataDir: dir });
  processor = createCommandProcessor({ store, now: () => clock });
  store.createAccount({ id: 'u-admin', username: 'admin', passwordHash: 'unused', roles: ['admin', 'approver', 'auditor', 'policy_admin'], createdAt: clock.toISOString() });
  store.put('users', { id: 'u-admin', username: 'admin', displayName: 'Administrator', roles: ['admin'], updatedAt: clock.toISOString() });
  const summary = await seedDemoOrganisation(store, processor, clock);
  expect(summary.seeded).toBe(true);
});
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('demo seed', () => {
  it('creates the organisation through commands, leaving pending and approved requests and a valid chain', async () => {
    // Twelve people, the admin, and the nightly report job's service principal (owned by Bob).
    expect(store.count('users')).toBe(14);
    expect(store.count('requests', { status: 'pending_approval' })).toBe(8);
    expect(store.count('requests', { status: 'approved' })).toBe(3);
    expect(store.count('grants', { status: 'provisioning' })).toBe(3);
    const kinds = new Set(store.list('resources').map((r) => r.kind));
    expect([...kinds].sort()).toEqual(['ad_group', 'entra_group', 'entra_pim_group', 'entra_role', 'manual_role']);
    expect(verifyChain(store.auditEvents()).ok).toBe(true);
    // Seeding again is a no-op.
    expect((await seedDemoOrganisation(store, processor, clock)).seeded).toBe(false);
  });
});

describe('command processor', () => {
  it('creates a request, approves it, and hands over to a provisioning grant g-<requestId>', () => {
    const created = send('u-bob', 'request.create', { requestId: 'req-p1', resourceId: 'res-entra-global-reader', durationMinutes: 60, justification: 'triage' });
    expect(created).toMatchObject({ status: 'applied', code: 'ok', subjectIds: ['req-p1'] });
    const approved = send('u-alice', 'request.approve', { requestId: 'req-p1', reason: 'fine' });
    expect(approved).toMatchObject({ status: 'applied', subjectIds: ['req-p1', 'g-req-p1'] });
    expect(store.get('requests', 'req-p1')).toMatchObject({ status: 'approved', grantId: 'g-req-p1', revision: 2 });
    expect(store.get('grants', 'g-req-p1')).toMatchObject({ status: 'provisioning', userId: 'u-bob', expiresAt: '2030-03-04T11:00:00.000Z' });
    const types = store.list('audit', { order: 'desc', limit: 3 }).map((e) => e.type);
    expect(types).toEqual(['grant.created', 'request.approved', 'request.approval_recorded']);
    expect(store.get('commands', approved.id)).toMatchObject({ type: 'request.approve', actorId: 'u-alice' });
    expect(store.get('commandResults', approved.id)).toEqual(approved);
  });

  it('a replayed command id returns the first result and writes nothing', () => {
    const first = send('u-frank', 'request.create', { requestId: 'req-p2', resourceId: 'res-ad-finance-share', durationMinutes: 30, justification: 'close' }, { id: 'replay-1' });
    const head = store.auditHead();
    const seqBefore = store.pull('requests', null, 10_000).checkpoint.seq;
    clock = new Date(clock.getTime() + 60_000);
    const again = send('u-frank', 'request.create', { requestId: 'req-other', resourceId: 'res-ad-finance-share', durationMinutes: 99, justification: 'x' }, { id: 'replay-1' });
    expect(again).toEqual(first);
    expect(store.auditHead()).toEqual(head);
    expect(store.pull('requests', null, 10_000).checkpoint.seq).toBe(seqBefore);
    expect(store.get('requests', 'req-other')).toBeNull();
  });

  it('rejects an invalid payload naming the field and rule, records the rejection and audits it', () => {
    const result = send('u-bob', 'request.create', { resourceId: 'res-entra-global-reader', durationMinutes: 'long' });
    expect(result).toMatchObject({ status: 'rejected', code: 'invalid_input' });
    expect(result.message).toMatch(/^payload\.durationMinutes: .*number/);
    expect(store.get('commandResults', result.id)).toEqual(result);
    expect(store.list('audit', { order: 'desc', limit: 1 })[0]).toMatchObject({ type: 'command.rejected', subjectId: result.id, data: { code: 'invalid_input' } });
  });

  it('keeps a rejected command, but not an oversized payload every console would replicate', () => {
    const huge = send('u-bob', 'request.create', { resourceId: 'res-entra-global-reader', durationMinutes: 60, justification: 'x'.repeat(100_000) });
    expect(huge).toMatchObject({ status: 'rejected', code: 'invalid_input' });
    expect(huge.message).toMatch(/justification/);
    const stored = store.get('commands', huge.id);
    expect(stored?.type).toBe('request.create');
    expect(JSON.stringify(stored?.payload).length).toBeLessThan(1_000);
    expect(stored?.payload).toEqual({ omitted: expect.stringMatching(/not kept/) });
  });

  it('throws only when there is nothing to record a result against', () => {
    expect(() => processor.apply({ id: 'bad id!', type: 'request.create', actorId: 'u-bob', payload: {}, createdAt: clock.toISOString() })).toThrow(InvalidCommandError);
    expect(() => processor.apply({ id: 'ok-id', type: 'request.explode', actorId: 'u-bob', payload: {}, createdAt: clock.toISOString() })).toThrow(/type: must be one of/);
  });

  it('rejects unknown and disabled actors and roles without the right', () => {
    expect(send('u-nobody', 'request.create', { resourceId: 'res-entra-global-reader', durationMinutes: 5 })).toMatchObject({ code: 'forbidden' });
    expect(send('u-heidi', 'request.create', { resourceId: 'res-entra-global-reader', durationMinutes: 5 })).toMatchObject({ code: 'forbidden' });
    expect(send('u-bob', 'policy.upsert', { policy: {} }).code).toBe('invalid_input');
    store.updateAccount('u-judy', { disabledAt: clock.toISOString() });
    const disabled = send('u-judy', 'request.cancel', { requestId: 'req-demo-judy-finance-share' });
    expect(disabled.code).toBe('forbidden');
    expect(disabled.message).toMatch(/Judy Chen is disabled/);
    store.updateAccount('u-judy', { disabledAt: null });
  });

  it('forbids self-approval and writes nothing for it', () => {
    send('u-eve', 'request.create', { requestId: 'req-self', resourceId: 'res-entra-global-reader', durationMinutes: 30, justification: 'me' });
    const before = store.get('requests', 'req-self');
    const result = send('u-eve', 'request.approve', { requestId: 'req-self' });
    expect(result).toMatchObject({ status: 'rejected', code: 'self_approval_forbidden' });
    expect(store.get('requests', 'req-self')).toEqual(before);
  });

  it('walks a two-step chain: owner, then security; a non-approver of the step is refused', () => {
    send('u-oscar', 'request.create', { requestId: 'req-2s', resourceId: 'res-entra-user-admin', durationMinutes: 60, justification: 'onboarding', ticket: 'CHG-1' });
    expect(send('u-carol', 'request.approve', { requestId: 'req-2s' })).toMatchObject({ code: 'forbidden' });
    const step1 = send('u-alice', 'request.approve', { requestId: 'req-2s' });
    expect(step1.message).toMatch(/step 2 of 2: Security/);
    expect(store.get('requests', 'req-2s')).toMatchObject({ status: 'pending_approval', currentStep: 1 });
    expect(send('u-carol', 'request.approve', { requestId: 'req-2s' })).toMatchObject({ status: 'applied', subjectIds: ['req-2s', 'g-req-2s'] });
  });

  it('a decision on a request someone else already decided is rejected naming who decided', () => {
    send('u-ivan', 'request.create', { requestId: 'req-race', resourceId: 'res-entra-helpdesk-admin', durationMinutes: 30, justification: 'queue' });
    const seen = store.get('requests', 'req-race')?.revision as number;
    expect(send('u-alice', 'request.approve', { requestId: 'req-race' }, { baseRevision: seen }).status).toBe('applied');
    const late = send('u-eve', 'request.deny', { requestId: 'req-race', reason: 'no' }, { baseRevision: seen });
    expect(late).toMatchObject({ status: 'rejected', code: 'already_decided', message: 'the request was already approved by Alice Moreau' });
  });

  it('a requester revokes only their own grant; revoking twice names who revoked', () => {
    // Not Frank's to see: refused as if it did not exist (sync-server/commands/unseen-subject.ts).
    expect(send('u-frank', 'grant.revoke', { grantId: 'g-req-p1', reason: 'not mine' })).toMatchObject({ code: 'not_found', message: 'grant g-req-p1 does not exist' });
    expect(send('u-bob', 'grant.revoke', { grantId: 'g-req-p1', reason: 'done early' }).status).toBe('applied');
    expect(store.get('grants', 'g-req-p1')).toMatchObject({ status: 'revoking', endedBy: 'u-bob' });
    expect(send('u-alice', 'grant.revoke', { grantId: 'g-req-p1', reason: 'again' })).toMatchObject({
      code: 'already_decided',
      message: "the grant's revocation was already requested by Bob Nguyen",
    });
  });

  it('a command naming another actor is refused when the sender is known', () => {
    const result = processor.apply(
      { id: 'imp-1', type: 'request.cancel', actorId: 'u-admin', payload: { requestId: 'req-demo-judy-finance-share' }, createdAt: clock.toISOString() },
      { authenticatedActorId: 'u-judy' },
    );
    expect(result).toMatchObject({ status: 'rejected', code: 'forbidden', actorId: 'u-judy' });
    expect(store.get('commands', 'imp-1')?.actorId).toBe('u-judy');
    expect(store.get('requests', 'req-demo-judy-finance-share')?.status).toBe('pending_approval');
  });

  it('with a known sender, a missing actorId is recorded as a rejection naming the field, not thrown', () => {
    const result = processor.apply({ id: 'no-actor-1', type: 'request.cancel', payload: { requestId: 'req-demo-judy-finance-share' }, createdAt: clock.toISOString() }, { authenticatedActorId: 'u-judy' });
    expect(result).toMatchObject({ status: 'rejected', code: 'invalid_input', actorId: 'u-judy' });
    expect(result.message).toMatch(/^actorId: /);
    expect(store.get('commandResults', 'no-actor-1')).toEqual(result);
    expect(store.get('requests', 'req-demo-judy-finance-share')?.status).toBe('pending_approval');
  });

  it('upserts policies with guard clauses and audits the change', () => {
    const bad = send('u-mallory', 'policy.upsert', { policy: { id: 'pol-x', name: 'X', maxDurationMinutes: 30, defaultDurationMinutes: 60, updatedAt: 'ignored' } });
    expect(bad).toMatchObject({ code: 'invalid_input' });
    expect(bad.message).toMatch(/^payload\.policy\.defaultDurationMinutes:/);
    const good = send('u-mallory', 'policy.upsert', { policy: { id: 'pol-x', name: 'X', maxDurationMinutes: 60, defaultDurationMinutes: 30, autoApprove: true } });
    expect(good.status).toBe('applied');
    expect(store.get('policies', 'pol-x')?.updatedAt).toBe(clock.toISOString());
    expect(store.list('audit', { order: 'desc', limit: 1 })[0]).toMatchObject({ type: 'policy.changed', actorId: 'u-mallory', subjectId: 'pol-x' });
  });

  it('keeps the audit chain valid through all of it', () => {
    expect(verifyChain(store.auditEvents()).ok).toBe(true);
  });
});
