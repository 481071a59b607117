import { describe, expect, it } from 'vitest';
import type { Task } from '../../../core/index.js';
import { filterTasks, isOverdue, mayCloseTask, sortTasks, stepsOf } from './tasks-model.js';

const NOW = Date.parse('2026-03-02T12:00:00.000Z');
const task = (over: Partial<Task>): Task => ({
  id: 't-1',
  kind: 'manual_revoke',
  title: 'Remove ERP payment approver from frank',
  detail: '',
  assigneeId: 'u-eve',
  grantId: 'g-1',
  requestId: 'r-1',
  resourceId: 'res-erp',
  severity: 'warning',
  status: 'open',
  createdAt: '2026-03-02T10:00:00.000Z',
  dueAt: '2026-03-02T11:00:00.000Z',
  closedAt: null,
  closedBy: null,
  updatedAt: '2026-03-02T10:00:00.000Z',
  ...over,
});
const eve = { id: 'u-eve', roles: ['approver', 'requester'] };
const frankGrant = { userId: 'u-frank' };

describe('who may close a task', () => {
  it('its assignee, an admin for anyone’s, never someone about their own access', () => {
    expect(mayCloseTask(eve, task({}), frankGrant)).toBe(true);
    expect(mayCloseTask({ id: 'u-bob', roles: ['requester'] }, task({}), frankGrant)).toBe(false);
    expect(mayCloseTask({ id: 'u-admin', roles: ['admin'] }, task({ assigneeId: null }), frankGrant)).toBe(true);
    expect(mayCloseTask(eve, task({}), { userId: 'u-eve' })).toBe(false);
    expect(mayCloseTask(eve, task({ status: 'done' }), frankGrant)).toBe(false);
    expect(mayCloseTask({ id: 'u-heidi', roles: ['auditor'] }, task({ assigneeId: 'u-heidi' }), frankGrant)).toBe(false);
  });
  it('a break-glass follow-up only once its grant has ended: until then its review item decides it', () => {
    const followUp = task({ kind: 'break_glass_review' });
    for (const status of ['provisioning', 'active', 'revoking', 'revoke_failed'] as const) expect(mayCloseTask(eve, followUp, { userId: 'u-frank', status })).toBe(false);
    expect(mayCloseTask(eve, followUp, undefined)).toBe(false);
    expect(mayCloseTask(eve, followUp, { userId: 'u-frank', status: 'expired' })).toBe(true);
  });
});

describe('task lists', () => {
  it('is overdue a minute past its due time, not the moment it opens', () => {
    expect(isOverdue(task({ dueAt: new Date(NOW - 30_000).toISOString() }), NOW)).toBe(false);
    expect(isOverdue(task({ dueAt: new Date(NOW - 120_000).toISOString() }), NOW)).toBe(true);
    expect(isOverdue(task({ status: 'done' }), NOW)).toBe(false);
    expect(isOverdue(task({ dueAt: null }), NOW)).toBe(false);
  });

  it('puts overdue first, then by severity and due time; closed ones after, newest first', () => {
    const rows = [
      task({ id: 'later', dueAt: '2026-03-02T18:00:00.000Z' }),
      task({ id: 'critical', severity: 'critical', dueAt: '2026-03-02T20:00:00.000Z' }),
      task({ id: 'overdue', dueAt: '2026-03-02T11:00:00.000Z' }),
      task({ id: 'closed-old', status: 'done', closedAt: '2026-03-01T10:00:00.000Z' }),
      task({ id: 'closed-new', status: 'dismissed', closedAt: '2026-03-02T09:00:00.000Z' }),
    ];
    expect(sortTasks(rows, NOW).map((t) => t.id)).toEqual(['overdue', 'critical', 'later', 'closed-new', 'closed-old']);
  });

  it('filters mine, unassigned and what I closed in the last 30 days', () => {
    const rows = [task({ id: 'mine' }), task({ id: 'nobody', assigneeId: null }), task({ id: 'closed', status: 'done', closedBy: 'u-eve', closedAt: '2026-02-20T00:00:00.000Z' }), task({ id: 'old', status: 'done', closedAt: '2025-12-01T00:00:00.000Z' })];
    expect(filterTasks(rows, 'mine', 'u-eve', NOW).map((t) => t.id)).toEqual(['mine']);
    expect(filterTasks(rows, 'unassigned', 'u-eve', NOW).map((t) => t.id)).toEqual(['nobody']);
    expect(filterTasks(rows, 'closed', 'u-eve', NOW).map((t) => t.id)).toEqual(['closed']);
  });

  it('reads the detail as steps, one per line', () => {
    expect(stepsOf('Remove the role.\n\n  Check it is gone. \nGrant g-1.')).toEqual(['Remove the role.', 'Check it is gone.', 'Grant g-1.']);
  });
});
