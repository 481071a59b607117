import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configHash, configOf, verifyChain, type ConfigEntities } from '../../core/index.js';
import { seedDemoOrganisation } from '../demo/seed.js';
import { openStore } from '../store/sqlite-store.js';
import type { Store } from '../store/types.js';
import { createCommandProcessor, type CommandProcessor } from './processor.js';

/**
 * config.import against the demo organisation: all or nothing, tightening at once with its
 * editor recorded, anything widening as one proposal a second person applies, nothing that
 * widens the importer's own access.
 */

let dir: string;
let store: Store;
let processor: CommandProcessor;
let clock = new Date('2030-06-01T09:00:00.000Z');
let n = 0;
const DAY = 86_400_000;

const current = (): ConfigEntities => {
  const { policies, resources, profiles } = configOf({ policies: store.list('policies'), resources: store.list('resources'), profiles: store.list('profiles') });
  return structuredClone({ policies, resources, profiles });
};
const send = (actorId: string, payload: Record<string, unknown>, type: 'config.import' | 'proposal.approve' | 'policy.upsert' = 'config.import') =>
  processor.apply({ id: `imp-${++n}`, type, actorId, payload, createdAt: clock.toISOString() }, { authenticatedActorId: actorId });
const policyOf = (config: ConfigEntities, id: string) => {
  const found = config.policies.find((p) => p.id === id);
  if (!found) throw new Error(`no policy ${id}`);
  return found;
};
const auditSince = (seq: number) => [...store.auditEvents(seq + 1)];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'jit-import-'));
  store = openStore({ dataDir: dir });
  processor = createCommandProcessor({ store, now: () => clock, separation: { cooldownDays: 30 } });
  store.createAccount({ id: 'u-admin', username: 'admin', passwordHash: 'unused', roles: ['admin', 'approver', 'auditor', 'policy_admin'], createdAt: clock.toISOString() });
  store.put('users', { id: 'u-admin', username: 'admin', displayName: 'Administrator', roles: ['admin'], updatedAt: clock.toISOString() });
  expect((await seedDemoOrganisation(store, processor, clock)).seeded).toBe(true);
});
beforeEach(() => {
  clock = new Date(clock.getTime() + DAY);
});
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a configuration import', () => {
  it('that only tightens applies at once, each change audited with the command and the importer in changedBy', () => {
    const config = current();
    policyOf(config, 'pol-two-step').maxDurationMinutes = 120;
    config.profiles = config.profiles.map((p) => (p.id === 'prof-business' ? { ...p, resourceIds: p.resourceIds.filter((r) => r !== 'res-entra-security-readers') } : p));
    const seq = store.auditHead().seq;
    const result = send('u-mallory', { config });
    expect(result).toMatchObject({ status: 'applied', message: 'configuration imported: 2 changed', subjectIds: ['pol-two-step', 'prof-business'] });
    expect(store.get('policies', 'pol-two-step')).toMatchObject({ maxDurationMinutes: 120, changedBy: [{ userId: 'u-mallory', at: clock.toISOString() }], updatedAt: clock.toISOString() });
    expect(store.get('profiles', 'prof-business')?.changedBy[0]).toEqual({ userId: 'u-mallory', at: clock.toISOString() });
    const events = auditSince(seq);
    expect(events.map((e) => [e.type, e.subjectId])).toEqual([
      ['policy.changed', 'pol-two-step'],
      ['profile.changed', 'prof-business'],
    ]);
    expect(events.every((e) => e.actorId === 'u-mallory' && e.data.commandId === result.id && e.data.imported === true)).toBe(true);
    expect(store.list('proposals', { status: 'pending' })).toHaveLength(0);
    // The same file again: nothing to import.
    expect(send('u-mallory', { config })).toMatchObject({ status: 'applied', message: 'the file matches the configuration: nothing to import', subjectIds: [] });
  });

  it('is all or nothing: one bad entity and nothing of the file is written, the refusal naming it as the file does', () => {
    const config = current();
    policyOf(config, 'pol-two-step').maxDurationMinutes = 60;
    config.resources = config.resources.map((r) => (r.id === 'res-entra-user-admin' ? { ...r, ownerId: 'u-nobody' } : r));
    const result = send('u-mallory', { config });
    expect(result).toMatchObject({ status: 'rejected', code: 'not_found', message: 'resources[res-entra-user-admin].ownerId: user u-nobody does not exist' });
    expect(store.get('policies', 'pol-two-step')?.maxDurationMinutes).toBe(120);
    const steps = current();
    policyOf(steps, 'pol-two-step').approvalSteps[1]!.approverIds = ['u-ghost'];
    policyOf(steps, 'pol-two-step').approvalSteps[1]!.mode = 'all';
    expect(send('u-mallory', { config: steps }).message).toBe('policies[pol-two-step].approvalSteps[1].approverIds: user u-ghost does not exist');
  });

  it('that widens access becomes one proposal holding every change; a second policy admin applies them together', () => {
    const config = current();
    const twoStep = policyOf(config, 'pol-two-step');
    twoStep.maxDurationMinutes = 480;
    twoStep.description = 'Longer, with the same two steps.';
    const tighter = policyOf(config, 'pol-two-step-break-glass');
    tighter.requireMfa = true;
    const result = send('u-mallory', { config });
    expect(result.status).toBe('applied');
    expect(result.message).toMatch(/^the import widens access \(access policy .* \(pol-two-step\): maximum duration 120 → 480 minutes\): its 2 change\(s\) are proposed together as prop-/);
    // Nothing applied, not even the tightening: all or nothing.
    expect(store.get('policies', 'pol-two-step')?.maxDurationMinutes).toBe(120);
    expect(store.get('policies', 'pol-two-step-break-glass')?.requireMfa).toBe(false);
    const proposal = store.get('proposals', result.subjectIds[0] as string);
    expect(proposal).toMatchObject({ status: 'pending', kind: 'policy', subjectId: 'pol-two-step', proposedBy: 'u-mallory' });
    expect(proposal?.subjectName).toMatch(/ and 1 more change \(configuration import\)$/);
    expect(proposal?.changes.map((c) => c.after.id)).toEqual(['pol-two-step', 'pol-two-step-break-glass']);
    expect(proposal?.widenings).toEqual([expect.stringMatching(/\(pol-two-step\): maximum duration 120 → 480 minutes$/)]);
    expect(proposal?.effect.resourceIds).toEqual(expect.arrayContaining(['res-entra-user-admin', 'res-pim-prod-operators', 'res-ad-server-admins']));

    // Four eyes: not the proposer.
    expect(send('u-mallory', { proposalId: proposal?.id }, 'proposal.approve')).toMatchObject({ status: 'rejected', code: 'self_approval_forbidden' });
    const seq = store.auditHead().seq;
    const approved = send('u-admin', { proposalId: proposal?.id, reason: 'reviewed' }, 'proposal.approve');
    expect(approved).toMatchObject({ status: 'applied', message: `proposal ${proposal?.id} approved: the import's 2 change(s) applied` });
    expect(store.get('policies', 'pol-two-step')).toMatchObject({ maxDurationMinutes: 480, description: 'Longer, with the same two steps.' });
    expect(store.get('policies', 'pol-two-step-break-glass')).toMatchObject({ requireMfa: true });
    expect(store.get('policies', 'pol-two-step')?.changedBy.slice(0, 2).map((e) => e.userId)).toEqual(['u-mallory', 'u-admin']);
    expect(store.get('proposals', proposal?.id ?? '')).toMatchObject({ status: 'applied', decidedBy: 'u-admin' });
    expect(auditSince(seq).map((e) => [e.type, e.subjectId, e.data.proposalId ?? null])).toEqual([
      ['policy.changed', 'pol-two-step', proposal?.id],
      ['policy.changed', 'pol-two-step-break-glass', proposal?.id],
      ['proposal.applied', proposal?.id, null],
    ]);
  });

  it('that widens the importer’s own access is refused outright', () => {
    // Mallory is an approver: the Approvers profile makes her eligible for Global Reader, under pol-single-approver.
    const config = current();
    policyOf(config, 'pol-single-approver').maxDurationMinutes = 24 * 60;
    const pending = store.count('proposals', { status: 'pending' });
    const result = send('u-mallory', { config });
    expect(result).toMatchObject({ status: 'rejected', code: 'self_approval_forbidden' });
    expect(result.message).toMatch(/^this import widens your own access \(access policy pol-single-approver: maximum duration 480 → 1440 minutes\)/);
    expect(store.count('proposals', { status: 'pending' })).toBe(pending);
    expect(store.get('policies', 'pol-single-approver')?.maxDurationMinutes).toBe(480);
  });

  it('leaves nothing out unless pruning: then a resource is archived and a profile disabled, at once', () => {
    const config = current();
    const without = { ...config, resources: config.resources.filter((r) => r.id !== 'res-manual-erp-payments'), profiles: config.profiles.filter((p) => p.id !== 'prof-security') };
    const refused = send('u-mallory', { config: without });
    expect(refused).toMatchObject({ status: 'rejected', code: 'conflict' });
    expect(refused.message).toMatch(/^the file leaves out resource res-manual-erp-payments, access profile prof-security: left out of the file: import with --prune/);
    const pruned = send('u-mallory', { config: without, prune: true });
    expect(pruned).toMatchObject({ status: 'applied', message: 'configuration imported: 1 archived, 1 disabled' });
    expect(store.get('resources', 'res-manual-erp-payments')?.archived).toBe(true);
    expect(store.get('profiles', 'prof-security')?.enabled).toBe(false);
    // Exported again, they are in the file as archived and disabled; left out again, nothing changes.
    expect(send('u-mallory', { config: without })).toMatchObject({ status: 'applied', subjectIds: [] });
    const noPolicy = { ...current(), policies: current().policies.filter((p) => p.id !== 'pol-auto-low') };
    expect(send('u-mallory', { config: noPolicy, prune: true }).message).toMatch(/^the file leaves out access policy pol-auto-low: access policies are not removed/);
  });

  it('is stale when the configuration changed after the diff it names, and its proposal when an entity changed after it', () => {
    const base = configHash(current());
    const config = current();
    policyOf(config, 'pol-two-step').maxDurationMinutes = 600;
    const { updatedAt: _u, changedBy: _c, ...auto } = store.get('policies', 'pol-auto-low')!;
    expect(send('u-admin', { policy: { ...auto, maxDurationMinutes: 240 } }, 'policy.upsert').status).toBe('applied');
    expect(send('u-mallory', { config, baseHash: base })).toMatchObject({ status: 'rejected', code: 'stale' });

    const proposed = send('u-mallory', { config: { ...current(), policies: current().policies.map((p) => (p.id === 'pol-two-step' ? { ...p, maxDurationMinutes: 600 } : p)) }, baseHash: configHash(current()) });
    const proposalId = proposed.subjectIds[0] as string;
    expect(store.get('proposals', proposalId)?.status).toBe('pending');
    const { updatedAt: _u2, changedBy: _c2, ...twoStep } = store.get('policies', 'pol-two-step')!;
    expect(send('u-admin', { policy: { ...twoStep, description: 'edited meanwhile' } }, 'policy.upsert').status).toBe('applied');
    expect(store.get('proposals', proposalId)?.status).toBe('superseded');

    // Another entity of the import changed meanwhile: approving would overwrite a change nobody reviewed with it.
    const both = current();
    policyOf(both, 'pol-two-step').maxDurationMinutes = 720;
    policyOf(both, 'pol-auto-low').maxDurationMinutes = 120;
    const second = send('u-mallory', { config: both }).subjectIds[0] as string;
    expect(store.get('proposals', second)?.changes.map((c) => c.after.id)).toEqual(['pol-auto-low', 'pol-two-step']);
    const { updatedAt: _u3, changedBy: _c3, ...low } = store.get('policies', 'pol-auto-low')!;
    expect(send('u-admin', { policy: { ...low, description: 'edited meanwhile' } }, 'policy.upsert').status).toBe('applied');
    expect(send('u-admin', { proposalId: second }, 'proposal.approve')).toMatchObject({ status: 'rejected', code: 'stale', message: expect.stringMatching(/\(pol-auto-low\) changed after this import was proposed/) });
    expect(store.get('policies', 'pol-two-step')?.maxDurationMinutes).not.toBe(720);
    expect(verifyChain(store.auditEvents()).ok).toBe(true);
  });
});
