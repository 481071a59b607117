import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Grant } from '../schema/grant.js';
import type { AccessRequest, ResolvedPolicy } from '../schema/request.js';
import type { Resource } from '../schema/resource.js';
import { makeResource } from '../test-fixtures.js';
import { extendGrant, grantFromRequest, markFailed, markProvisioned, markRevoked, markVerifiedGone, requestRevocation } from './grant.js';

const MINUTE = 60_000;
const t0 = new Date('2025-03-03T10:00:00.000Z');
const later = (minutes: number) => ({ now: new Date(t0.getTime() + minutes * MINUTE) });

const resolved = (over: Partial<ResolvedPolicy> = {}): ResolvedPolicy => ({
  policyIds: ['p-1'],
  maxDurationMinutes: 240,
  requireJustification: false,
  requireTicket: false,
  requireMfa: false,
  requireApproverMfa: false,
  mfaFreshMinutes: 15,
  autoApprove: false,
  breakGlass: false,
  maxExtensions: 2,
  requestTtlMinutes: 60,
  approvalSteps: [],
  ...over,
});

const resource: Resource = makeResource({ updatedAt: t0.toISOString() });

const approvedRequest = (durationMinutes: number, policy: ResolvedPolicy = resolved()): AccessRequest => ({
  id: 'r-1',
  requesterId: 'u-req',
  resourceId: 'res-1',
  durationMinutes,
  justification: '',
  ticket: '',
  status: 'approved',
  policy,
  currentStep: 0,
  decisions: [],
  riskScore: 0,
  outcomeReason: '',
  grantId: null,
  extendsGrantId: null,
  createdAt: t0.toISOString(),
  updatedAt: t0.toISOString(),
  decidedAt: t0.toISOString(),
  expiresAt: null,
  revision: 2,
});

function grant(durationMinutes = 60, policy?: ResolvedPolicy): Grant {
  const result = grantFromRequest(approvedRequest(durationMinutes, policy), resource, 'g-r-1', later(0));
  if (!result.ok) throw new Error(result.message);
  return result.value;
}

const active = (g = grant()): Grant => {
  const result = markProvisioned(g, later(1));
  if (!result.ok) throw new Error(result.message);
  return result.value;
};

describe('grantFromRequest', () => {
  it('starts provisioning for the requested duration under the policy ceiling', () => {
    const g = grant(90);
    expect(g).toMatchObject({ id: 'g-r-1', status: 'provisioning', userId: 'u-req', connector: 'entra', maxDurationMinutes: 240, maxExtensions: 2, revision: 1 });
    expect(Date.parse(g.expiresAt) - Date.parse(g.startsAt)).toBe(90 * MINUTE);
  });

  it('refuses a request that is not approved or asks more than the policy allows', () => {
    expect(grantFromRequest({ ...approvedRequest(60), status: 'pending_approval' }, resource, 'g', later(0))).toMatchObject({ ok: false, code: 'invalid_transition' });
    expect(grantFromRequest(approvedRequest(241), resource, 'g', later(0))).toMatchObject({ ok: false, code: 'duration_exceeds_policy' });
  });
});

describe('extendGrant', () => {
  it('extends within the policy ceiling and counts the extension', () => {
    const result = extendGrant(active(), 60, later(30));
    expect(result).toMatchObject({ ok: true, value: { extensions: 1, expiresAt: new Date(t0.getTime() + 120 * MINUTE).toISOString(), revision: 3 } });
  });

  it('never passes the ceiling, and says how much is left', () => {
    expect(extendGrant(active(), 181, later(30))).toEqual({
      ok: false,
      code: 'duration_exceeds_policy',
      message: 'minutes 181 would pass the policy maximum of 240 minutes; at most 180 more minutes are allowed',
    });
    expect(extendGrant(active(), 180, later(30)).ok).toBe(true);
  });

  it('stops at the extension limit', () => {
    let g = active();
    for (let i = 0; i < 2; i++) {
      const r = extendGrant(g, 10, later(30));
      if (!r.ok) throw new Error(r.message);
      g = r.value;
    }
    expect(extendGrant(g, 10, later(30))).toMatchObject({ ok: false, code: 'extension_limit', message: 'the access policy allows at most 2 extension(s)' });
    expect(extendGrant(active(grant(60, resolved({ maxExtensions: 0 }))), 10, later(30))).toMatchObject({ message: 'the access policy allows no extensions' });
  });

  it('cannot extend an ended grant or one already expired', () => {
    const revoking = requestRevocation(active(), 'u-admin', 'done', later(5));
    if (!revoking.ok) throw new Error(revoking.message);
    expect(extendGrant(revoking.value, 10, later(6))).toMatchObject({ ok: false, code: 'invalid_transition' });
    expect(extendGrant(active(), 10, later(100))).toMatchObject({ ok: false, code: 'invalid_transition', message: 'the grant has already expired' });
    // Past its expiry but not yet revoked (the scheduler runs next): a long extension must not revive it.
    expect(extendGrant(active(), 60, later(61))).toMatchObject({ ok: false, code: 'invalid_transition', message: 'the grant has already expired' });
    expect(extendGrant(active(), 60, later(60))).toMatchObject({ ok: false, code: 'invalid_transition' });
  });
});

describe('revocation', () => {
  it('revoke now: revoking -> revoked -> verified, with who and why, and no lateness for an early revocation', () => {
    const revoking = requestRevocation(active(), 'u-admin', 'incident over', later(10));
    expect(revoking).toMatchObject({ ok: true, value: { status: 'revoking', endedBy: 'u-admin', endedReason: 'incident over' } });
    if (!revoking.ok) return;
    const revoked = markRevoked(revoking.value, later(11));
    expect(revoked).toMatchObject({ ok: true, value: { status: 'revoked', latenessMs: null, verification: 'pending' } });
    if (!revoked.ok) return;
    expect(markVerifiedGone(revoked.value, later(12))).toMatchObject({ ok: true, value: { status: 'verified', verification: 'gone' } });
  });

  it('revocation at expiry records the lateness (revoked-at minus expires-at)', () => {
    const revoking = requestRevocation(active(), 'system', 'expired', later(60));
    if (!revoking.ok) throw new Error(revoking.message);
    const revoked = markRevoked(revoking.value, { now: new Date(t0.getTime() + 60 * MINUTE + 4_500) });
    expect(revoked).toMatchObject({ ok: true, value: { latenessMs: 4_500 } });
  });

  it('a grant cannot be revoked twice, and a failed revocation is retried rather than dropped', () => {
    const revoking = requestRevocation(active(), 'u-admin', 'x', later(10));
    if (!revoking.ok) throw new Error(revoking.message);
    expect(requestRevocation(revoking.value, 'u-other', 'y', later(11))).toMatchObject({ ok: false, code: 'already_decided', message: 'the grant is already revoking' });
    const failed = markFailed(revoking.value, 'revoke_failed', 'Graph 503', later(12));
    expect(failed).toMatchObject({ ok: true, value: { status: 'revoke_failed', lastError: 'Graph 503' } });
    if (!failed.ok) return;
    expect(requestRevocation(failed.value, 'system', 'retry', later(13))).toMatchObject({ ok: true, value: { status: 'revoking' } });
  });
});

describe('property: a grant never outlives its policy maximum', () => {
  it('over random durations, ceilings, extension limits and extension attempts, expiresAt - startsAt <= maxDurationMinutes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2_000 }),
        fc.integer({ min: 1, max: 2_000 }),
        fc.integer({ min: 0, max: 6 }),
        fc.array(fc.record({ minutes: fc.integer({ min: 1, max: 1_500 }), afterMinutes: fc.integer({ min: 0, max: 120 }) }), { maxLength: 12 }),
        (maxDurationMinutes, requested, maxExtensions, extensions) => {
          const created = grantFromRequest(approvedRequest(requested, resolved({ maxDurationMinutes, maxExtensions })), resource, 'g-1', later(0));
          if (requested > maxDurationMinutes) {
            expect(created.ok).toBe(false);
            return;
          }
          if (!created.ok) throw new Error(created.message);
          let g = created.value;
          let clock = 0;
          const check = (x: Grant) => expect(Date.parse(x.expiresAt) - Date.parse(x.startsAt)).toBeLessThanOrEqual(maxDurationMinutes * MINUTE);
          check(g);
          for (const step of extensions) {
            clock += step.afterMinutes;
            const next = extendGrant(g, step.minutes, later(clock));
            if (next.ok) {
              expect(next.value.extensions).toBeLessThanOrEqual(maxExtensions);
              g = next.value;
            }
            check(g);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
