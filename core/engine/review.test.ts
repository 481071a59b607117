import { describe, expect, it } from 'vitest';
import type { DirectoryUser } from '../schema/directory.js';
import type { ReviewItem, ReviewStage } from '../schema/review.js';
import { applyDefault, decideItem, runOpen } from './review-decide.js';
import { lockoutGuard } from './review-lockout.js';
import { recommend } from './review-recommend.js';
import { nextRecurrence, recurrenceInWords } from './review-recurrence.js';
import { resolveReviewers, type ReviewerWorld } from './review-reviewers.js';
import { peopleByPrincipal, personByPrincipal } from './standing-access.js';

const user = (id: string, extra: Partial<DirectoryUser> = {}): DirectoryUser => ({ id, username: id, displayName: id, email: '', department: '', managerId: null, roles: ['approver'], externalIds: {}, disabled: false, updatedAt: '2027-01-01T00:00:00.000Z', ...extra });
const world = (...users: DirectoryUser[]): ReviewerWorld => ({ users: new Map(users.map((u) => [u.id, u])), groups: new Map([['g-sec', { id: 'g-sec', displayName: 'Sec', memberUserIds: ['u-a', 'u-b'] }]]) });

describe('recurrence', () => {
  const rule = { frequency: 'quarterly', week: 1, weekday: 'mon', time: '09:00', timeZone: 'Europe/Paris', startMonth: 1 } as const;
  it('is the first Monday of each quarter on the zone\'s clock', () => {
    expect(nextRecurrence(rule, new Date('2027-01-10T00:00:00Z')).toISOString()).toBe('2027-04-05T07:00:00.000Z');
    expect(nextRecurrence(rule, new Date('2027-04-05T07:00:00Z')).toISOString()).toBe('2027-07-05T07:00:00.000Z');
    expect(nextRecurrence({ ...rule, week: 'last', weekday: 'fri', frequency: 'monthly', timeZone: 'UTC' }, new Date('2027-02-01T00:00:00Z')).toISOString()).toBe('2027-02-26T09:00:00.000Z');
    expect(recurrenceInWords(rule)).toBe('Quarterly, on the first Monday at 09:00 (Europe/Paris)');
  });
});

describe('reviewers', () => {
  const stage: ReviewStage = { name: 'Owner', reviewer: { type: 'resource_owner' }, fallback: { type: 'group', groupId: 'g-sec' } };
  it('takes the rule, and the fallback when it finds only the reviewed person, nobody, or someone who cannot review', () => {
    expect(resolveReviewers(stage, { reviewedUserId: 'u-x', resourceOwnerId: 'u-o' }, world(user('u-o'), user('u-a')))).toEqual({ reviewerIds: ['u-o'], fallbackReason: null });
    const self = resolveReviewers(stage, { reviewedUserId: 'u-a', resourceOwnerId: 'u-a' }, world(user('u-a'), user('u-b')));
    expect(self.reviewerIds).toEqual(['u-b']);
    expect(self.fallbackReason).toContain('is the reviewed person');
    expect(resolveReviewers(stage, { reviewedUserId: 'u-x', resourceOwnerId: 'u-o' }, world(user('u-o', { roles: ['requester'] }), user('u-a'))).fallbackReason).toContain('holds no reviewing role');
    expect(resolveReviewers({ ...stage, reviewer: { type: 'manager' } }, { reviewedUserId: 'u-x', resourceOwnerId: null }, world(user('u-x'), user('u-a'))).fallbackReason).toContain('is missing');
  });
});

const item = (over: Partial<ReviewItem> = {}): ReviewItem => ({
  kind: 'item', id: 'ri-1', campaignId: 'rc', run: 1,
  subject: { type: 'standing', userId: 'u-x', displayName: 'X', principalId: 'p', resourceId: 'r', resourceName: 'R', connectorId: 'c', sensitivity: 'high', grantId: null, grantStatus: null, grantExpiresAt: null, grantedByBreakGlass: false, profileId: null, holderClass: 'standing', detail: '', accountDisabled: false, lastSignInAt: null, signInReadable: false, lastJitUseAt: null },
  stage: 1, stageCount: 2, reviewerIds: ['u-a'],
  stageDecisions: [{ stage: 1, reviewerIds: ['u-a'], fallbackReason: null, decision: null, reason: '', decidedBy: null, decidedAt: null }, { stage: 2, reviewerIds: ['u-b'], fallbackReason: null, decision: null, reason: '', decidedBy: null, decidedAt: null }],
  recommendations: [], decision: null, decisionSource: null, reason: '', decidedBy: null, decidedAt: null, flagged: false, flagReason: '', dueAt: '2027-01-15T00:00:00.000Z', remindedAt: null, reminders: 0, escalatedAt: null, escalatedToId: null,
  apply: { state: 'none', grantId: null, receiptIds: [], message: '', at: null }, createdAt: '2027-01-01T00:00:00.000Z', updatedAt: '2027-01-01T00:00:00.000Z', revision: 0, ...over,
});
const now = new Date('2027-01-02T00:00:00Z');

describe('deciding', () => {
  it('advances stage by stage; the last stage decides; never one\'s own; removal needs a reason', () => {
    const first = decideItem(item(), { decision: 'keep', reason: '' }, { id: 'u-a', displayName: 'A' }, now);
    expect(first.ok && first.value).toMatchObject({ advanced: true, item: { stage: 2, reviewerIds: ['u-b'], decision: null } });
    if (!first.ok) return;
    expect(decideItem(first.value.item, { decision: 'keep', reason: '' }, { id: 'u-a', displayName: 'A' }, now)).toMatchObject({ ok: false, code: 'forbidden' });
    expect(decideItem(first.value.item, { decision: 'remove', reason: '' }, { id: 'u-b', displayName: 'B' }, now)).toMatchObject({ ok: false, code: 'invalid_input' });
    const last = decideItem(first.value.item, { decision: 'remove', reason: 'gone' }, { id: 'u-b', displayName: 'B' }, now);
    expect(last.ok && last.value.item).toMatchObject({ decision: 'remove', decisionSource: 'reviewer', decidedBy: 'u-b' });
    expect(decideItem(item({ reviewerIds: ['u-x'] }), { decision: 'keep', reason: '' }, { id: 'u-x', displayName: 'X' }, now)).toMatchObject({ ok: false, message: expect.stringContaining('own access') });
  });
  it('applies the default at the deadline: flag keeps and marks it', () => {
    expect(applyDefault(item(), 'flag', now)).toMatchObject({ decision: 'keep', flagged: true, decisionSource: 'default' });
    expect(applyDefault(item(), 'remove', now)).toMatchObject({ decision: 'remove', flagged: false });
  });
  it('takes no decision once the run is closed, saying so', () => {
    expect(runOpen({ name: 'Q1', status: 'applying', run: 1, closedAt: '2027-01-15T00:00:00.000Z' }, { run: 1 })).toMatchObject({ ok: false, code: 'campaign_closed', message: expect.stringContaining('closed to decisions') });
    expect(runOpen({ name: 'Q1', status: 'open', run: 2, closedAt: null }, { run: 1 })).toMatchObject({ ok: false, code: 'campaign_closed' });
  });
});

describe('lockout guard and recommendations', () => {
  it('refuses the removal that would go below the minimum, in words', () => {
    const resource = { id: 'r', name: 'Global Administrator', keepAtLeast: 2 };
    expect(lockoutGuard({ resource, members: 3, removing: 0 }).ok).toBe(true);
    expect(lockoutGuard({ resource, members: 3, removing: 1 })).toMatchObject({ ok: false, code: 'below_minimum_members', message: 'Global Administrator must keep at least 2 members; removing this one would leave 1, so it is kept' });
    expect(lockoutGuard({ resource: { id: 'r', name: 'R' }, members: 1, removing: 0 }).ok).toBe(true);
  });
  it('explains each recommendation deterministically', () => {
    const codes = recommend({ ...item().subject, signInReadable: true, lastSignInAt: '2026-09-01T00:00:00.000Z', accountDisabled: true }, now).map((r) => r.code);
    expect(codes).toEqual(['account_disabled', 'no_sign_in', 'standing_no_grant', 'jit_unused']);
    const grant = recommend({ ...item().subject, type: 'grant', holderClass: null, grantExpiresAt: '2027-01-01T00:00:00.000Z', grantedByBreakGlass: true }, now).map((r) => r.code);
    expect(grant).toEqual(['grant_expired', 'break_glass']);
  });
});

describe('standing access finds people by principal.ts\'s rule', () => {
  it('reads the connector id\'s key first, the kind\'s only where the person has none for that connector', () => {
    const byConnector = user('u-c', { externalIds: { 'entra-demo': 'AAA' } });
    const byKind = user('u-k', { externalIds: { entra: 'BBB' } });
    const both = user('u-both', { externalIds: { entra: 'CCC', 'entra-demo': 'DDD' } });
    const people = peopleByPrincipal([byConnector, byKind, both]);
    const resource = { connector: 'entra', connectorId: 'entra-demo' } as const;
    expect(personByPrincipal(people, resource, 'aaa')?.id).toBe('u-c');
    expect(personByPrincipal(people, resource, 'BBB')?.id).toBe('u-k');
    expect(personByPrincipal(people, resource, 'DDD')?.id).toBe('u-both');
    // Her id for entra-demo is DDD: the kind's CCC names her object in other Entra tenants, not this one.
    expect(personByPrincipal(people, resource, 'CCC')).toBeUndefined();
  });
});
