import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../core/index.js';
import { versionsOf } from './history-model.js';

const names = { users: new Map([['u-m', { displayName: 'Mallory' }], ['u-a', { displayName: 'Admin' }]]), resources: new Map(), policies: new Map() };
const policy = (over: Record<string, unknown> = {}) => ({
  id: 'pol-1',
  name: 'One approver',
  description: '',
  maxDurationMinutes: 480,
  defaultDurationMinutes: 60,
  requireJustification: true,
  requireTicket: false,
  ticketSystem: 'any',
  ticketPattern: '',
  requireMfa: false,
  requireApproverMfa: false,
  mfaFreshMinutes: 15,
  approvalSteps: [],
  autoApprove: false,
  breakGlass: true,
  maxExtensions: 0,
  requestTtlMinutes: 10080,
  ...over,
});
let seq = 0;
const event = (type: AuditEvent['type'], actorId: string, data: Record<string, unknown>): AuditEvent => ({
  id: `ae-${++seq}`,
  seq,
  type,
  actorId,
  at: `2026-03-0${seq}T10:00:00.000Z`,
  subjectType: 'policy',
  subjectId: 'pol-1',
  data,
  prevHash: '0'.repeat(64),
  hash: '0'.repeat(64),
});

describe('versionsOf', () => {
  it('lists the versions newest first, each with its editors and the fields it changed against the one before', () => {
    const events = [
      event('policy.changed', 'u-m', { created: true, after: policy() }),
      event('proposal.created', 'u-m', { kind: 'policy' }),
      event('policy.changed', 'u-m', { created: false, after: policy({ maxDurationMinutes: 120, requireTicket: true }) }),
      event('policy.changed', 'u-a', { created: false, after: policy({ maxDurationMinutes: 480, requireTicket: true }), proposalId: 'prop-1', editors: ['u-m', 'u-a'] }),
    ];
    const versions = versionsOf('policy', events, names);
    expect(versions.map((v) => [v.seq, v.editorIds, v.proposalId])).toEqual([
      [4, ['u-m', 'u-a'], 'prop-1'],
      [3, ['u-m'], null],
      [1, ['u-m'], null],
    ]);
    expect(versions[0]!.changes.map((c) => [c.field, c.before, c.after])).toEqual([['maxDurationMinutes', '2 h', '8 h']]);
    expect(versions[1]!.changes.map((c) => c.field)).toEqual(['maxDurationMinutes', 'requireTicket']);
    expect(versions[2]!.created).toBe(true);
    expect(versions[2]!.entity).toMatchObject({ id: 'pol-1', maxDurationMinutes: 480, changedBy: [] });
  });

  it('ignores other kinds of events and writes without the entity', () => {
    expect(versionsOf('policy', [event('policy.changed', 'u-m', { created: true }), event('resource.changed', 'u-m', { after: {} })], names)).toEqual([]);
  });
});

describe('versionsOf an access profile', () => {
  const profile = (over: Record<string, unknown> = {}) => ({ id: 'prof-1', name: 'Finance', description: '', resourceIds: ['res-a'], userIds: ['u-m'], departments: ['Finance'], roles: [], maxDurationMinutes: null, enabled: true, ...over });
  const named = { ...names, resources: new Map([['res-a', { name: 'Finance share' }], ['res-b', { name: 'ERP payments' }]]) };

  it('diffs each recorded profile against the one before, naming the members and resources it gains and loses', () => {
    const events = [
      // Written before profiles were recorded whole: left out, it has nothing to compare.
      { ...event('profile.changed', 'u-a', { created: true, resourceIds: 1, userIds: 1 }), subjectType: 'profile' as const },
      { ...event('profile.changed', 'u-a', { created: false, after: profile() }), subjectType: 'profile' as const },
      { ...event('profile.changed', 'u-m', { created: false, after: profile({ resourceIds: ['res-a', 'res-b'], userIds: [], maxDurationMinutes: 120 }), proposalId: 'prop-2', editors: ['u-m', 'u-a'] }), subjectType: 'profile' as const },
    ];
    const versions = versionsOf('profile', events, named);
    expect(versions.map((v) => [v.editorIds, v.proposalId])).toEqual([
      [['u-m', 'u-a'], 'prop-2'],
      [['u-a'], null],
    ]);
    expect(versions[0]!.changes.map((c) => [c.field, c.added, c.removed])).toEqual([
      ['resourceIds', ['ERP payments'], []],
      ['userIds', [], ['Mallory']],
      ['maxDurationMinutes', [], []],
    ]);
    expect(versions[0]!.changes.find((c) => c.field === 'maxDurationMinutes')).toMatchObject({ before: 'none (the policies decide)', after: '2 h' });
    expect(versions[0]!.entity).toMatchObject({ id: 'prof-1', resourceIds: ['res-a', 'res-b'], changedBy: [] });
  });
});
