import { describe, expect, it } from 'vitest';
import { AccessPolicy, type AccessRequest } from '../../../core/index.js';
import { makeResource } from '../../../core/test-fixtures.js';
import { qrPath } from './QrCode.js';
import { adminResetNeed, approvalNeed, combineNeeds, groupedSecret, isCovered, needText, recoveryCodesFile, requestNeed } from './mfa-model.js';

const now = new Date('2026-03-02T09:00:00.000Z');
const at = now.toISOString();
const ago = (minutes: number) => new Date(now.getTime() - minutes * 60_000).toISOString();
const policy = (over: Partial<AccessPolicy> = {}) => AccessPolicy.parse({ id: 'p-1', name: 'P', maxDurationMinutes: 60, defaultDurationMinutes: 30, updatedAt: at, ...over });
const policies = (...list: AccessPolicy[]) => new Map(list.map((p) => [p.id, p]));
const request = (over: Partial<NonNullable<AccessRequest['policy']>> = {}): AccessRequest =>
  ({
    id: 'r-1',
    requesterId: 'u-bob',
    resourceId: 'res-1',
    policy: { policyIds: ['p-1'], maxDurationMinutes: 60, requireJustification: false, requireTicket: false, requireMfa: false, requireApproverMfa: false, mfaFreshMinutes: 15, autoApprove: false, breakGlass: false, maxExtensions: 0, requestTtlMinutes: 60, approvalSteps: [], ...over },
  }) as AccessRequest;

describe('what a decision needs before the console sends it', () => {
  it('an approval needs a factor when the frozen policy or the replica’s current copy asks approvers for one', () => {
    expect(approvalNeed(request(), policies(policy()))).toBeNull();
    expect(approvalNeed(request({ requireApproverMfa: true }), policies(policy()))?.policy).toMatchObject({ requireApproverMfa: true, mfaFreshMinutes: 15 });
    expect(approvalNeed(request(), policies(policy({ requireApproverMfa: true, mfaFreshMinutes: 5 })))?.policy).toMatchObject({ requireApproverMfa: true, mfaFreshMinutes: 5 });
    // The requester's rule is not the approver's.
    expect(approvalNeed(request({ requireMfa: true }), policies(policy({ requireMfa: true })))).toBeNull();
  });

  it('a request (or more time) needs one when any policy of the resource asks requesters for one, fresh as the shortest freshness', () => {
    const resource = makeResource({ policyIds: ['p-1', 'p-2'] });
    expect(requestNeed(resource, policies(policy(), policy({ id: 'p-2' })))).toBeNull();
    expect(requestNeed(resource, policies(policy(), policy({ id: 'p-2', requireMfa: true, mfaFreshMinutes: 30 })))?.policy).toMatchObject({ requireMfa: true, mfaFreshMinutes: 15 });
    expect(requestNeed(undefined, policies())).toBeNull();
  });

  it('a factor covers a need while it is fresh, by the same rule the server applies', () => {
    const need = approvalNeed(request({ requireApproverMfa: true }), policies(policy()));
    if (!need) throw new Error('needs a factor');
    expect(isCovered(need, ago(14), now)).toBe(true);
    expect(isCovered(need, ago(16), now)).toBe(false);
    expect(isCovered(need, null, now)).toBe(false);
  });

  it('several approvals share one prompt, as strict as the strictest', () => {
    const a = approvalNeed(request({ requireApproverMfa: true, mfaFreshMinutes: 30 }), policies(policy()));
    const b = approvalNeed(request({ requireApproverMfa: true, mfaFreshMinutes: 10 }), policies(policy()));
    expect(combineNeeds([a, null, b])).toMatchObject({ policy: { mfaFreshMinutes: 10 }, action: 'approve', what: 'Sending these 2 decisions' });
    expect(combineNeeds([null, null])).toBeNull();
  });

  it('says what needs the code, and within how long', () => {
    expect(needText({ policy: { requireMfa: false, requireApproverMfa: true, mfaFreshMinutes: 15 }, action: 'approve', what: 'Approving Bob’s request for Key Vault' })).toBe(
      'Approving Bob’s request for Key Vault needs two-step verification: its access policy asks for a code from your authenticator app within the last 15 minutes.',
    );
    expect(needText(null)).toMatch(/^Approving this request needs/);
  });
});

describe('enrolment helpers', () => {
  it('groups the secret in fours for typing, and writes the recovery codes file', () => {
    expect(groupedSecret('ABCDEFGHIJKLMNOP')).toBe('ABCD EFGH IJKL MNOP');
    const file = recoveryCodesFile(['abcd-efgh-jkmn', 'pqrs-tvwx-yz01'], 'Bob Nguyen', 'https://jit.example', now);
    expect(file).toContain('Bob Nguyen');
    expect(file.split('\n')).toEqual(expect.arrayContaining(['abcd-efgh-jkmn', 'pqrs-tvwx-yz01']));
  });

  it('draws the QR code from the module matrix: a square with the quiet zone and the three finder patterns', () => {
    const { size, d } = qrPath('otpauth://totp/JIT%20access:bob?secret=JBSWY3DPEHPK3PXP&issuer=JIT%20access');
    expect(size).toBeGreaterThan(21 + 8);
    // The top-left finder pattern starts at the quiet zone's corner.
    expect(d.startsWith('M4 4h1v1h-1z')).toBe(true);
  });
});

describe('an admin resetting an authenticator', () => {
  it('is asked for their own code within the default 15 minutes, in words that name no access policy', () => {
    const need = adminResetNeed('Rita Moss');
    expect(isCovered(need, new Date(Date.now() - 10 * 60_000).toISOString(), new Date())).toBe(true);
    expect(isCovered(need, new Date(Date.now() - 16 * 60_000).toISOString(), new Date())).toBe(false);
    expect(needText(need)).toBe('Resetting Rita Moss’s authenticator needs two-step verification: the server asks for a code from your authenticator app within the last 15 minutes.');
  });
});
