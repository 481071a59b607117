import { describe, expect, it } from 'vitest';
import { configOf, type ConfigState } from '../config/document.js';
import { AccessPolicy, AccessProfile, ApprovalStep } from '../schema/policy.js';
import { FIXTURE_TIME, makeResource, makeUser } from '../test-fixtures.js';
import type { ConfigWorld } from './config-change.js';
import { importChanges, importEffect, importWidenings, importWideningWords, importWidensOwnAccess } from './config-import.js';

/** Four eyes on a whole import: each change judged like its single upsert, in order, with the earlier ones written. */

const now = new Date('2025-04-01T08:00:00.000Z');
const policy = (over: Partial<AccessPolicy> = {}) =>
  AccessPolicy.parse({
    id: 'p-strict',
    name: 'Strict',
    maxDurationMinutes: 240,
    defaultDurationMinutes: 60,
    approvalSteps: [ApprovalStep.parse({ name: 'Security', mode: 'any', approverIds: ['u-sec'] })],
    changedBy: [{ userId: 'u-old', at: FIXTURE_TIME }],
    updatedAt: FIXTURE_TIME,
    ...over,
  });
const profile = (over: Partial<AccessProfile> = {}) => AccessProfile.parse({ id: 'prof-eng', name: 'Engineering', resourceIds: ['res-1'], departments: ['eng'], updatedAt: FIXTURE_TIME, ...over });
const users = [makeUser({ id: 'u-ann', displayName: 'Ann', department: 'eng' }), makeUser({ id: 'u-pat', displayName: 'Pat', department: 'ops', roles: ['policy_admin'] })];
const state: ConfigState = { policies: [policy()], resources: [makeResource({ policyIds: ['p-strict'] })], profiles: [profile()] };
const world: ConfigWorld = { ...state, users };
const file = () => structuredClone(configOf(state));

describe('an import, judged as a whole', () => {
  it('tightening only: no widening, and every change keeps its stored editors for the server to extend', () => {
    const next = file();
    next.policies[0]!.maxDurationMinutes = 60;
    next.profiles[0]!.departments = [];
    const changes = importChanges(state, next, { prune: false, now });
    expect(changes.map((c) => [c.kind, c.after.id])).toEqual([['policy', 'p-strict'], ['profile', 'prof-eng']]);
    expect(changes[0]?.before).toBe(state.policies[0]);
    expect(changes[0]?.after).toMatchObject({ maxDurationMinutes: 60, changedBy: [{ userId: 'u-old' }], updatedAt: now.toISOString() });
    expect(importWidenings(changes, world)).toEqual([]);
    // An unchanged file changes nothing.
    expect(importChanges(state, file(), { prune: false, now })).toEqual([]);
  });

  it('a widening in the file is found, named by its entity', () => {
    const next = file();
    next.policies[0]!.maxDurationMinutes = 960;
    next.policies[0]!.approvalSteps = [];
    next.policies[0]!.autoApprove = true;
    const widenings = importWidenings(importChanges(state, next, { prune: false, now }), world);
    expect(widenings).toEqual([{ kind: 'policy', id: 'p-strict', name: 'Strict', widenings: ['maximum duration 240 → 960 minutes', 'requests are approved automatically', 'approval steps 1 → 0'] }]);
    expect(importWideningWords(widenings)[0]).toBe('access policy Strict (p-strict): maximum duration 240 → 960 minutes');
  });

  it('a new auto-approving policy and the resource moved onto it in the same file are judged together', () => {
    const next = file();
    next.policies.push({ ...next.policies[0]!, id: 'p-auto', name: 'Instant', approvalSteps: [], autoApprove: true });
    next.resources[0]!.policyIds = ['p-auto'];
    const widenings = importWidenings(importChanges(state, next, { prune: false, now }), world);
    // The new policy alone governs nothing; pointing the resource at it is what widens.
    expect(widenings.map((w) => [w.kind, w.id])).toEqual([['resource', 'res-1']]);
    expect(widenings[0]?.widenings).toContain('requests are approved automatically');
  });

  it('a new resource and a profile naming it: the profile change widens, and the what-if names who becomes eligible', () => {
    const next = file();
    next.resources.push({ ...next.resources[0]!, id: 'res-new', name: 'New', target: { externalId: 'g-new' } });
    next.profiles[0]!.resourceIds = ['res-1', 'res-new'];
    const changes = importChanges(state, next, { prune: false, now });
    expect(importWidenings(changes, world).map((w) => w.id)).toEqual(['prof-eng']);
    expect(importEffect(changes, world)).toEqual({ resourceIds: ['res-1', 'res-new'], peopleEligible: 1, newlyEligibleUserIds: ['u-ann'], newlyEligible: 1 });
  });

  it('a widening of the importer’s own access is found wherever it is in the file', () => {
    const loosened = file();
    loosened.policies[0]!.maxDurationMinutes = 480;
    // Pat (ops) is not eligible for res-1: loosening its policy widens nothing of Pat's; Ann (eng) is.
    expect(importWidensOwnAccess(users[1]!, importChanges(state, loosened, { prune: false, now }), world)).toBe(false);
    expect(importWidensOwnAccess(users[0]!, importChanges(state, loosened, { prune: false, now }), world)).toBe(true);
    // The same file with ops added to the profile: Pat is made eligible by one change and the other loosens what Pat gets.
    const both = structuredClone(loosened);
    both.profiles[0]!.departments = ['eng', 'ops'];
    expect(importWidensOwnAccess(users[1]!, importChanges(state, both, { prune: false, now }), world)).toBe(true);
  });

  it('with prune, what the file leaves out is archived or disabled, which widens nothing', () => {
    const changes = importChanges(state, { policies: file().policies, resources: [], profiles: [] }, { prune: true, now });
    expect(changes.map((c) => [c.kind, c.after.id, 'archived' in c.after ? c.after.archived : (c.after as AccessProfile).enabled])).toEqual([
      ['resource', 'res-1', true],
      ['profile', 'prof-eng', false],
    ]);
    expect(importWidenings(changes, world)).toEqual([]);
    expect(importChanges(state, { policies: file().policies, resources: [], profiles: [] }, { prune: false, now })).toEqual([]);
  });
});
