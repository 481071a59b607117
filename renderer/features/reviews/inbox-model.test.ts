import { describe, expect, it } from 'vitest';
import type { ReviewItem } from '../../../core/schema/review.js';
import { DEFAULT_INBOX_FILTERS, filterInbox, followCursor, isForViewer, keepChecked, nextUndecided, recommendationCounts, toInboxRows, whyNotDecide, type SentDecision } from './inbox-model.js';

const at = '2026-12-01T09:00:00.000Z';
const due = '2026-12-15T09:00:00.000Z';
const carol = { id: 'u-carol', roles: ['approver', 'reviewer'], groupIds: ['g-security'] };

function item(id: string, over: Partial<ReviewItem> & { person?: string; userId?: string | null; resource?: string } = {}): ReviewItem {
  const { person = 'Judy Chen', userId = 'u-judy', resource = 'SG-Security-Readers', ...rest } = over;
  return {
    kind: 'item',
    id,
    campaignId: 'c-q4',
    run: 1,
    subject: {
      type: 'standing',
      userId,
      displayName: person,
      principalId: 'p-1',
      resourceId: 'res-1',
      resourceName: resource,
      connectorId: 'entra-demo',
      sensitivity: 'high',
      grantId: null,
      grantStatus: null,
      grantExpiresAt: null,
      grantedByBreakGlass: false,
      profileId: null,
      holderClass: 'standing',
      detail: '',
      accountDisabled: false,
      lastSignInAt: null,
      signInReadable: false,
      lastJitUseAt: null,
    },
    stage: 1,
    stageCount: 1,
    reviewerIds: ['u-carol'],
    stageDecisions: [{ stage: 1, reviewerIds: ['u-carol'], fallbackReason: null, decision: null, reason: '', decidedBy: null, decidedAt: null }],
    recommendations: [],
    decision: null,
    decisionSource: null,
    reason: '',
    decidedBy: null,
    decidedAt: null,
    flagged: false,
    flagReason: '',
    dueAt: due,
    remindedAt: null,
    reminders: 0,
    escalatedAt: null,
    escalatedToId: null,
    apply: { state: 'none', grantId: null, receiptIds: [], message: '', at: null },
    createdAt: at,
    updatedAt: at,
    revision: 1,
    ...rest,
  };
}

const campaigns = new Map([['c-q4', { name: 'Q4 privileged access' }]]);
const open = { status: 'open' as const, name: 'Q4 privileged access', run: 1, closedAt: null };

describe('the reviewer inbox', () => {
  it('lists what the viewer may decide: named on the current stage, undecided, never their own access', () => {
    const rows = toInboxRows(
      [
        item('i-1'),
        item('i-own', { userId: 'u-carol', person: 'Carol Diaz' }),
        item('i-other', { reviewerIds: ['u-alice'] }),
        item('i-group', { reviewerIds: ['u-alice', 'u-carol'], person: 'Bob Nguyen' }),
        item('i-done', { decision: 'keep', decidedBy: 'u-carol' }),
      ],
      campaigns,
    );
    const todo = filterInbox(rows, DEFAULT_INBOX_FILTERS, carol).map((r) => r.item.id);
    expect(todo.sort()).toEqual(['i-1', 'i-group']);
    expect(isForViewer(rows.find((r) => r.item.id === 'i-own')!, carol)).toBe(false);
    expect(filterInbox(rows, { ...DEFAULT_INBOX_FILTERS, view: 'decided' }, carol).map((r) => r.item.id)).toEqual(['i-done']);
  });

  it('says why no decision is offered, in words, and offers none to read-only roles', () => {
    expect(whyNotDecide(item('i-1'), open, carol, true)).toBeNull();
    expect(whyNotDecide(item('i-1'), open, { id: 'u-heidi', roles: ['auditor'] }, false)).toMatch(/Read-only/);
    expect(whyNotDecide(item('i-own', { userId: 'u-carol' }), open, carol, true)).toBe('This is your own access: someone else reviews it.');
    expect(whyNotDecide(item('i-1'), { status: 'applying', name: 'Q4 privileged access', run: 1, closedAt: '2026-12-15T09:00:00.000Z' }, carol, true)).toBe('Q4 privileged access closed to decisions at 2026-12-15T09:00:00.000Z (applying); the decision was not recorded.');
    expect(whyNotDecide(item('i-1', { reviewerIds: ['u-alice'] }), open, carol, true)).toMatch(/names other reviewers/);
    // A later run is open: the item's run has closed, in the server's words.
    expect(whyNotDecide(item('i-1'), { ...open, run: 2, closedAt: null }, carol, true)).toMatch(/^Q4 privileged access: this item belongs to run 1, which has closed/);
  });

  it('filters by recommendation and counts each kind, and searches the reasons too', () => {
    const rows = toInboxRows(
      [
        item('i-1', { recommendations: [{ code: 'no_sign_in', reason: 'no sign-in for 140 days' }, { code: 'standing_no_grant', reason: 'standing access with no grant' }] }),
        item('i-2', { person: 'Bob Nguyen', recommendations: [{ code: 'account_disabled', reason: 'account disabled in entra-demo' }] }),
        item('i-3', { person: 'Alice Moreau' }),
      ],
      campaigns,
    );
    const ids = (recommendation: typeof DEFAULT_INBOX_FILTERS.recommendation) => filterInbox(rows, { ...DEFAULT_INBOX_FILTERS, recommendation }, carol).map((r) => r.item.id);
    expect(ids('recommended')).toEqual(['i-1', 'i-2']);
    expect(ids('none')).toEqual(['i-3']);
    expect(ids('account_disabled')).toEqual(['i-2']);
    expect(recommendationCounts(rows).get('no_sign_in')).toBe(1);
    expect(filterInbox(rows, { ...DEFAULT_INBOX_FILTERS, search: '140 days' }, carol).map((r) => r.item.id)).toEqual(['i-1']);
    // Recommended first, the most reasons earliest; then by person.
    expect(filterInbox(rows, DEFAULT_INBOX_FILTERS, carol).map((r) => r.item.id)).toEqual(['i-1', 'i-2', 'i-3']);
  });

  it('keeps an item decided on this device in the list, marked, until the server answers, and moves on to the next open one', () => {
    const rows = toInboxRows([item('a', { person: 'A' }), item('b', { person: 'B' }), item('c', { person: 'C' })], campaigns);
    const sent = new Map<string, SentDecision>([['b', { commandId: 'cmd-1', decision: 'keep', reason: '', createdAt: at }]]);
    const list = filterInbox(rows, { ...DEFAULT_INBOX_FILTERS, sort: 'person' }, carol, sent);
    expect(list.map((r) => r.item.id)).toEqual(['a', 'b', 'c']);
    // Deciding "a" skips "b" (already sent) and lands on "c"; deciding the last goes back up.
    expect(nextUndecided(list, 0, sent)).toBe(2);
    expect(nextUndecided(list, 2, sent, new Set(['c']))).toBe(0);
    expect(keepChecked(new Set(['a', 'b', 'gone']), list, sent)).toEqual(new Set(['a']));
  });

  it('keeps the cursor on its item while it is listed, else on the same position', () => {
    const rows = toInboxRows([item('a', { person: 'A' }), item('b', { person: 'B' }), item('c', { person: 'C' })], campaigns);
    expect(followCursor(rows, 'b', 0)).toEqual({ id: 'b', index: 1 });
    expect(followCursor(rows.filter((r) => r.item.id !== 'b'), 'b', 1)).toEqual({ id: 'c', index: 1 });
    expect(followCursor([], 'b', 1)).toEqual({ id: null, index: 0 });
  });
});
