import { describe, expect, it } from 'vitest';
import { makeGrant } from '../test-fixtures.js';
import type { DirectoryUser } from '../schema/directory.js';
import type { Resource } from '../schema/resource.js';
import { ReviewCampaign, type ReviewStage } from '../schema/review.js';
import { resolveReviewers, type ReviewerWorld } from './review-reviewers.js';
import { principalIdPart, snapshotCampaign } from './review-snapshot.js';

const at = '2027-01-01T00:00:00.000Z';
const user = (id: string, extra: Partial<DirectoryUser> = {}): DirectoryUser => ({ id, username: id, displayName: id, email: '', department: '', managerId: null, roles: ['requester'], externalIds: {}, disabled: false, updatedAt: at, ...extra });
const resource = (id: string, ownerId: string): Resource => ({ id, name: id, kind: 'entra_group', connector: 'entra', connectorId: 'entra-t', target: { externalId: `ext-${id}` }, ownerId, sensitivity: 'high', policyIds: ['p'], archived: false, updatedAt: at }) as unknown as Resource;

function campaign(stages: ReviewStage[]): ReviewCampaign {
  return ReviewCampaign.parse({
    id: 'rc', campaignId: 'rc', kind: 'campaign', name: 'R', ownerId: 'u-owner', scope: { type: 'resources', resourceIds: ['res-a', 'res-b'] },
    reviewed: { standingMembers: false, jitGrants: true, eligibility: false }, stages, schedule: { type: 'once' }, durationDays: 14, status: 'scheduled',
    counts: { items: 0, decided: 0, keep: 0, remove: 0, flagged: 0, applied: 0, verified: 0, refused: 0 }, createdAt: at, updatedAt: at, revision: 0,
  });
}

describe('snapshot reviewers', () => {
  // Reviewers: a group of four; the people reviewed include two of them and a person whose manager reviews.
  const people = [user('u-owner', { roles: ['reviewer'] }), user('u-disabled-owner', { roles: ['reviewer'], disabled: true }), user('u-boss', { roles: ['reviewer'] }), ...['r1', 'r2', 'r3', 'r4'].map((id) => user(`u-${id}`, { roles: ['reviewer'] })), ...Array.from({ length: 8 }, (_, i) => user(`u-p${i}`, { managerId: 'u-boss' }))];
  const world: ReviewerWorld = { users: new Map(people.map((u) => [u.id, u])), groups: new Map([['g-rev', { id: 'g-rev', displayName: 'Reviewers', memberUserIds: ['u-r1', 'u-r2', 'u-r3', 'u-r4'] }]]) };
  const resources = [resource('res-a', 'u-r1'), resource('res-b', 'u-disabled-owner')];
  const grants = ['u-r1', 'u-r2', 'u-p0', 'u-p1', 'u-p2', 'u-boss'].flatMap((userId, i) => [makeGrant({ id: `g-a${i}`, userId, resourceId: 'res-a', status: 'active', expiresAt: '2027-02-01T00:00:00.000Z' }), makeGrant({ id: `g-b${i}`, userId, resourceId: 'res-b', status: 'active', expiresAt: '2027-02-01T00:00:00.000Z' })]);
  const snapshotWith = (stages: ReviewStage[]) => snapshotCampaign(campaign(stages), 1, { ...world, people: world.users as ReadonlyMap<string, DirectoryUser>, resources, grants, profiles: [], standing: [], breakGlassGrantIds: new Set() }, new Date(at), '2027-01-15T00:00:00.000Z');

  it('names for every item the reviewers the rule resolves for that item alone, never the reviewed person', () => {
    const stages: ReviewStage[] = [
      { name: 'Owner', reviewer: { type: 'resource_owner' }, fallback: { type: 'group', groupId: 'g-rev' } },
      { name: 'Group', reviewer: { type: 'group', groupId: 'g-rev' }, fallback: { type: 'person', userId: 'u-owner' } },
      { name: 'Manager', reviewer: { type: 'manager' }, fallback: { type: 'person', userId: 'u-owner' } },
    ];
    const items = snapshotWith(stages);
    expect(items).toHaveLength(12);
    for (const item of items) {
      const ownerId = resources.find((r) => r.id === item.subject.resourceId)!.ownerId;
      item.stageDecisions.forEach((decision, index) => {
        const direct = resolveReviewers(stages[index]!, { reviewedUserId: item.subject.userId, resourceOwnerId: ownerId }, world);
        expect({ reviewerIds: decision.reviewerIds, fallbackReason: decision.fallbackReason }, `${item.id} stage ${index + 1}`).toEqual(direct);
        expect(decision.reviewerIds).not.toContain(item.subject.userId);
      });
    }
    const r2OnB = items.find((i) => i.subject.userId === 'u-r2' && i.subject.resourceId === 'res-b')!;
    expect(r2OnB.stageDecisions[0]).toMatchObject({ reviewerIds: ['u-r1', 'u-r3', 'u-r4'], fallbackReason: expect.stringContaining('disabled') });
    expect(r2OnB.stageDecisions[1]!.reviewerIds).toEqual(['u-r1', 'u-r3', 'u-r4']);
    const p0OnB = items.find((i) => i.subject.userId === 'u-p0' && i.subject.resourceId === 'res-b')!;
    expect(p0OnB.stageDecisions.map((s) => s.reviewerIds)).toEqual([['u-r1', 'u-r2', 'u-r3', 'u-r4'], ['u-r1', 'u-r2', 'u-r3', 'u-r4'], ['u-boss']]);
    // Items do not share their reviewer lists: one item's list changed leaves the others alone.
    p0OnB.stageDecisions[0]!.reviewerIds.push('u-x');
    expect(items.find((i) => i.subject.userId === 'u-p1' && i.subject.resourceId === 'res-b')!.stageDecisions[0]!.reviewerIds).toEqual(['u-r1', 'u-r2', 'u-r3', 'u-r4']);
  });
});

describe('principal as an id part', () => {
  it('keeps an Entra object id and hashes an AD distinguished name, case-insensitively, one hash per DN', () => {
    expect(principalIdPart('0A1B2C3D-0000-4000-8000-000000000001')).toBe('0a1b2c3d-0000-4000-8000-000000000001');
    const dn = 'CN=Ada Lovelace,OU=People,DC=corp,DC=example';
    expect(principalIdPart(dn)).toMatch(/^h[0-9a-f]{16}$/);
    expect(principalIdPart(dn.toLowerCase())).toBe(principalIdPart(dn));
    expect(principalIdPart('CN=Ada Lovelace 2,OU=People,DC=corp,DC=example')).not.toBe(principalIdPart(dn));
  });
});
