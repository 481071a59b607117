/**
 * Two-step verification from a test's side: enrol through the API, then compute codes from the
 * secret with otpauth, as an authenticator app would (independently of the server's own code).
 */
import { Secret, TOTP } from 'otpauth';
import { http } from './server.js';

export const STEP_MS = 30_000;

/** The 6-digit code of `secret` at a time (default: now). */
export function totpCode(secret: string, atMs = Date.now()): string {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: atMs });
}

/** The secret an otpauth:// URI carries (what the QR code shows). */
export function secretOfUri(uri: string): string {
  const secret = new URL(uri).searchParams.get('secret');
  if (!secret) throw new Error(`no secret in ${uri}`);
  return secret;
}

export type Enrolled = { secret: string; uri: string; recoveryCodes: string[] };

/** Starts enrolment and confirms it with the current code; this session then counts as stepped up. */
export async function enrolMfa(url: string, token: string, atMs = Date.now()): Promise<Enrolled> {
  const started = await http<{ secret: string; uri: string }>('POST', `${url}/api/v1/auth/mfa/enrol`, { token, body: {} });
  if (started.status !== 200) throw new Error(`enrol: ${started.status} ${started.text}`);
  const confirmed = await http<{ recoveryCodes: string[] }>('POST', `${url}/api/v1/auth/mfa/confirm`, { token, body: { code: totpCode(started.body.secret, atMs) } });
  if (confirmed.status !== 200) throw new Error(`confirm: ${confirmed.status} ${confirmed.text}`);
  return { secret: started.body.secret, uri: started.body.uri, recoveryCodes: confirmed.body.recoveryCodes };
}

export async function stepUp(url: string, token: string, code: string) {
  // The body is the answer or an error: tests read both.
  return http('POST', `${url}/api/v1/auth/step-up`, { token, body: { code } });
}

export const MFA_PASSWORD = 'step-up-test-password-7';

/** A clock a test moves by hand (sessions, codes and freshness all read it). */
export function testClock(start = Date.parse('2026-03-02T09:00:00.000Z')) {
  let t = start;
  return { now: () => new Date(t), ms: () => t, advance: (ms: number) => void (t += ms) };
}

/**
 * Accounts for rita (requester) and alice (approver), a policy that requires MFA of both (fresh for
 * 15 minutes) on one resource, and a profile making rita eligible. Configured by the admin as the
 * server's first configuration.
 */
export async function mfaOrganisation(url: string, adminToken: string, apply: (type: string, payload: Record<string, unknown>) => void): Promise<void> {
  for (const [id, username, roles] of [
    ['u-rita', 'rita', ['requester']],
    ['u-alice', 'alice', ['approver']],
  ] as const) {
    const res = await http('POST', `${url}/api/v1/accounts`, { token: adminToken, body: { id, username, password: MFA_PASSWORD, displayName: username, roles } });
    if (res.status !== 201) throw new Error(`account ${username}: ${res.status} ${res.text}`);
  }
  apply('policy.upsert', {
    policy: { id: 'pol-mfa', name: 'Step-up', maxDurationMinutes: 240, defaultDurationMinutes: 60, requireJustification: false, requireMfa: true, requireApproverMfa: true, mfaFreshMinutes: 15, maxExtensions: 3, approvalSteps: [{ name: 'Approver', mode: 'any', approverRoles: ['approver'] }] },
  });
  apply('resource.upsert', { resource: { id: 'res-mfa', name: 'Key Vault Secrets Officer', kind: 'manual_role', connector: 'manual', connectorId: 'manual', target: { externalId: 'kv:secrets' }, ownerId: 'u-alice', sensitivity: 'high', policyIds: ['pol-mfa'] } });
  apply('profile.upsert', { profile: { id: 'prof-mfa', name: 'Rita', resourceIds: ['res-mfa'], userIds: ['u-rita'] } });
}
