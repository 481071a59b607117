import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccessProfile, type AuditEvent } from '../../core/index.js';
import { seedDemoOrganisation } from '../demo/seed.js';
import { openStore } from '../store/sqlite-store.js';
import type { Store } from '../store/types.js';
import { createCommandProcessor, type CommandProcessor } from './processor.js';

/**
 * An access profile's audit events carry the whole profile as written, like a policy's and a
 * resource's, so its history reads field by field from the trail: applied at once, proposed (the
 * proposal's event carries the profile it would write) and applied by a second person.
 */

let dir: string;
let store: Store;
let processor: CommandProcessor;
const clock = new Date('2030-06-01T09:00:00.000Z');
let n = 0;

const send = (actorId: string, type: 'profile.upsert' | 'proposal.approve', payload: Record<string, unknown>) =>
  processor.apply({ id: `prof-audit-${++n}`, type, actorId, payload, createdAt: clock.toISOString() }, { authenticatedActorId: actorId });
const withoutServerFields = ({ updatedAt: _u, changedBy: _c, ...rest }: AccessProfile) => rest;
const eventsSince = (seq: number, type: AuditEvent['type']) => [...store.auditEvents(seq + 1)].filter((e) => e.type === type);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'jit-profile-audit-'));
  store = openStore({ dataDir: dir });
  processor = createCommandProcessor({ store, now: () => clock, separation: { cooldownDays: 30 } });
  store.createAccount({ id: 'u-admin', username: 'admin', passwordHash: 'unused', roles: ['admin', 'approver', 'auditor', 'policy_admin'], createdAt: clock.toISOString() });
  store.put('users', { id: 'u-admin', username: 'admin', displayName: 'Administrator', roles: ['admin'], updatedAt: clock.toISOString() });
  expect((await seedDemoOrganisation(store, processor, clock)).seeded).toBe(true);
});
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('profile.changed', () => {
  it('records the whole profile as written when a change applies at once', () => {
    const before = store.get('profiles', 'prof-business')!;
    const seq = store.auditHead().seq;
    const narrowed = { ...withoutServerFields(before), description: 'Finance and HR, no directory reading', resourceIds: before.resourceIds.filter((id) => id !== 'res-entra-security-readers') };
    expect(send('u-mallory', 'profile.upsert', { profile: narrowed })).toMatchObject({ status: 'applied' });

    const [event] = eventsSince(seq, 'profile.changed');
    expect(event).toMatchObject({ actorId: 'u-mallory', subjectType: 'profile', subjectId: 'prof-business' });
    // Every field of the profile, and nothing the server keeps for itself.
    expect(event!.data).toMatchObject({ name: 'Finance and HR', created: false, after: withoutServerFields(store.get('profiles', 'prof-business')!) });
    // And the version it replaced, so the change reads from the event alone.
    expect(event!.data.before).toEqual(withoutServerFields(before));
    expect(Object.keys(event!.data.after as object).sort()).toEqual(Object.keys(withoutServerFields(before)).sort());
    expect(event!.data).not.toHaveProperty('added');
    expect(event!.data).not.toHaveProperty('removed');
  });

  it('records the whole profile a proposal would write, and again with both editors when a second person applies it', () => {
    const before = store.get('profiles', 'prof-engineering')!;
    const seq = store.auditHead().seq;
    const widened = { ...withoutServerFields(before), userIds: ['u-frank'] };
    const proposed = send('u-mallory', 'profile.upsert', { profile: widened });
    expect(proposed.message).toMatch(/widens access/);
    const [created] = eventsSince(seq, 'proposal.created');
    expect((created!.data.change as { after: AccessProfile }).after).toMatchObject(widened);

    expect(send('u-admin', 'proposal.approve', { proposalId: proposed.subjectIds[0] })).toMatchObject({ status: 'applied' });
    const [applied] = eventsSince(seq, 'profile.changed');
    expect(applied!.data).toMatchObject({ created: false, proposalId: proposed.subjectIds[0], editors: ['u-mallory', 'u-admin'], after: widened });
  });

  it('records a new profile whole, marked created', () => {
    const seq = store.auditHead().seq;
    const profile = { id: 'prof-new-audit', name: 'Nobody yet', description: '', resourceIds: ['res-entra-global-reader'], userIds: [], departments: [], roles: [], maxDurationMinutes: 60, enabled: false };
    expect(send('u-mallory', 'profile.upsert', { profile })).toMatchObject({ status: 'applied' });
    expect(eventsSince(seq, 'profile.changed')[0]!.data).toMatchObject({ created: true, before: null, after: profile });
  });
});
