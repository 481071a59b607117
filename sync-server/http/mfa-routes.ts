/**
 * Two-step verification for one's own account (anyone signed in):
 *
 *   GET  /api/v1/auth/mfa             enrolment state, recovery codes left, this session's last second factor
 *   POST /api/v1/auth/mfa/enrol       a new TOTP secret (pending until confirmed), as text and otpauth:// URI
 *   POST /api/v1/auth/mfa/confirm     the first code: the authenticator becomes active; ten recovery codes, shown once
 *   POST /api/v1/auth/step-up         a code (or a recovery code) marks this session with the time of a second factor
 *   POST /api/v1/auth/mfa/disenrol    removes the authenticator, with a current code or the password
 *
 * Policies that require MFA are checked against the session's mark by the command processor
 * (core/engine/mfa.ts). Secrets: ../mfa/; see docs/decisions/step-up-mfa.md.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MAX_PASSWORD_LENGTH } from '../auth/password-policy.js';
import type { LoginThrottle } from '../auth/throttle.js';
import type { VerifyGate } from '../auth/verify-gate.js';
import type { MfaStore } from '../mfa/mfa-store.js';
import { hashRecoveryCode, newRecoveryCodes, newRecoveryKey, normaliseRecoveryCode } from '../mfa/recovery-codes.js';
import { checkCode, type CodeCheck, type CodePurpose } from '../mfa/step-up.js';
import { ISSUER, newTotpSecret, otpauthUri, TOTP_DIGITS, TOTP_PERIOD_SECONDS } from '../mfa/totp.js';
import type { Store } from '../store/types.js';
import { checkCurrentPassword } from './account-admin-routes.js';
import { principalOf, type Principal } from './auth.js';
import { ApiError } from './errors.js';

export type MfaRouteDeps = { store: Store; now: () => Date; mfa: MfaStore; gate: VerifyGate; loginThrottle?: LoginThrottle };

const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }) });
const errors = { 400: ErrorBody, 409: ErrorBody, 429: ErrorBody };
const secured = [{ bearerAuth: [] as string[] }];
const Code = z.string().trim().min(1, 'is required').max(64);

const MfaState = z.object({
  /** False when the server has no secrets key: nobody can enrol. */
  available: z.boolean(),
  status: z.enum(['none', 'pending', 'active']),
  enrolledAt: z.string().nullable(),
  recoveryCodesLeft: z.number().int(),
  /** When this session last proved a second factor, and how. */
  secondFactorAt: z.string().nullable(),
  secondFactorMethod: z.enum(['totp', 'recovery_code', 'idp_mfa']).nullable(),
  /** While a run of wrong codes makes the account wait. */
  lockedUntil: z.string().nullable(),
});

export function registerMfaRoutes(root: FastifyInstance, deps: MfaRouteDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { store, now, mfa } = deps;
  const sessionMark = store.db.prepare('SELECT second_factor_at, second_factor_method FROM sessions WHERE token_hash = ?');

  const audit = (me: Principal, type: 'account.mfa_enrolment_started' | 'account.mfa_enrolled' | 'account.mfa_removed' | 'auth.step_up_succeeded', data: Record<string, unknown>) =>
    store.appendAudit({ type, actorId: me.account.id, subjectType: 'account', subjectId: me.account.id, data, at: now().toISOString() });

  /** A code checked for `purpose`, or the refusal as an HTTP error (429 with Retry-After while locked). */
  function requireCode(reply: FastifyReply, me: Principal, code: string, purpose: CodePurpose, ip: string): Extract<CodeCheck, { ok: true }> {
    const checked = checkCode(store, mfa, { account: me.account, code, purpose, now: now(), ip, allowRecovery: purpose !== 'confirm' });
    if (checked.ok) return checked;
    if (checked.retryAfterMs !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(checked.retryAfterMs / 1000))));
    throw new ApiError(checked.status, checked.code, checked.message, checked.code === 'invalid_input' ? 'code' : undefined);
  }

  app.get('/api/v1/auth/mfa', {
    schema: { tags: ['auth'], summary: 'Your two-step verification: enrolment, recovery codes left, this session’s last second factor', security: secured, response: { 200: MfaState } },
    handler: async (request) => {
      const me = principalOf(request);
      const authenticator = mfa.get(me.account.id);
      const mark = sessionMark.get(me.session.tokenHash) as { second_factor_at: string | null; second_factor_method: 'totp' | 'recovery_code' | 'idp_mfa' | null } | undefined;
      const lock = store.tx(() => mfa.lockout(me.account.id, now().getTime()));
      return {
        available: mfa.available,
        status: authenticator?.status ?? ('none' as const),
        enrolledAt: authenticator?.confirmedAt ?? null,
        recoveryCodesLeft: authenticator?.status === 'active' ? mfa.recoveryCodesLeft(me.account.id) : 0,
        secondFactorAt: mark?.second_factor_at ?? null,
        secondFactorMethod: mark?.second_factor_method ?? null,
        lockedUntil: lock ? new Date(lock.lockedUntil).toISOString() : null,
      };
    },
  });

  app.post('/api/v1/auth/mfa/enrol', {
    schema: {
      tags: ['auth'],
      summary: 'Start setting up an authenticator app: a new secret, as text and as an otpauth:// URI for a QR code',
      description: 'The authenticator stays pending until POST /api/v1/auth/mfa/confirm receives its first code; starting again replaces a pending one. 409 when one is already active (remove it first) or when the server has no secrets key.',
      security: secured,
      body: z.strictObject({}).optional(),
      response: { 200: z.object({ secret: z.string(), uri: z.string(), issuer: z.string(), accountName: z.string(), digits: z.number().int(), periodSeconds: z.number().int() }), ...errors },
    },
    handler: async (request) => {
      const me = principalOf(request);
      if (!mfa.available) throw new ApiError(409, 'conflict', 'two-step verification needs the server’s secrets key (JIT_SECRET_KEY_FILE); ask an admin to configure it');
      const secret = newTotpSecret();
      store.tx(() => {
        if (mfa.get(me.account.id)?.status === 'active') throw new ApiError(409, 'conflict', 'an authenticator is already set up for this account; remove it before setting up another');
        const held = mfa.enrolmentHeldUntil(me.account.id, now().getTime());
        if (held) throw new ApiError(409, 'conflict', `the last authenticator was removed with the password alone, so a new one can be set up from ${held}, or sooner after an admin unlocks the account`);
        mfa.startEnrolment(me.account.id, { totp: secret, recoveryKey: newRecoveryKey() }, now().toISOString());
        audit(me, 'account.mfa_enrolment_started', { ip: request.ip });
      });
      return { secret, uri: otpauthUri(secret, me.account.username), issuer: ISSUER, accountName: me.account.username, digits: TOTP_DIGITS, periodSeconds: TOTP_PERIOD_SECONDS };
    },
  });

  app.post('/api/v1/auth/mfa/confirm', {
    schema: {
      tags: ['auth'],
      summary: 'Confirm a pending authenticator with its first code; answers ten single-use recovery codes, shown this once',
      description: 'A wrong code is 400 (field "code") and counts toward the account’s lock-out (429 with Retry-After). This session counts as having just proved a second factor.',
      security: secured,
      body: z.strictObject({ code: Code }),
      response: { 200: z.object({ recoveryCodes: z.array(z.string()), secondFactorAt: z.string() }), ...errors },
    },
    handler: async (request, reply) => {
      const me = principalOf(request);
      const checked = requireCode(reply, me, request.body.code, 'confirm', request.ip);
      const codes = newRecoveryCodes();
      const at = now().toISOString();
      store.tx(() => {
        const secrets = mfa.secrets(me.account.id);
        if (!secrets) throw new ApiError(409, 'conflict', 'no enrolment is waiting for a first code; start again');
        mfa.activate(me.account.id, checked.counter ?? -1, codes.map((c) => hashRecoveryCode(secrets.recoveryKey, normaliseRecoveryCode(c) as string)), at);
        mfa.markSession(me.session.tokenHash, at, 'totp');
        audit(me, 'account.mfa_enrolled', { ip: request.ip, recoveryCodes: codes.length });
      });
      return { recoveryCodes: codes, secondFactorAt: at };
    },
  });

  app.post('/api/v1/auth/step-up', {
    schema: {
      tags: ['auth'],
      summary: 'Prove a second factor now: a current authenticator code, or an unused recovery code (each works once)',
      description:
        'Marks this session with the time; commands under a policy that requires MFA are refused with mfa_required unless that time is within the policy’s mfaFreshMinutes. A code already used, or an older one, is refused. Wrong codes are 400 (field "code") and count toward the account’s lock-out (429 with Retry-After).',
      security: secured,
      body: z.strictObject({ code: Code }),
      response: { 200: z.object({ secondFactorAt: z.string(), method: z.enum(['totp', 'recovery_code']), recoveryCodesLeft: z.number().int() }), ...errors },
    },
    handler: async (request, reply) => {
      const me = principalOf(request);
      const checked = requireCode(reply, me, request.body.code, 'step_up', request.ip);
      const at = now().toISOString();
      const left = store.tx(() => {
        mfa.markSession(me.session.tokenHash, at, checked.method);
        const remaining = mfa.recoveryCodesLeft(me.account.id);
        audit(me, 'auth.step_up_succeeded', { ip: request.ip, method: checked.method, ...(checked.method === 'recovery_code' ? { recoveryCodesLeft: remaining } : {}) });
        return remaining;
      });
      return { secondFactorAt: at, method: checked.method, recoveryCodesLeft: left };
    },
  });

  app.post('/api/v1/auth/mfa/disenrol', {
    schema: {
      tags: ['auth'],
      summary: 'Remove your authenticator and recovery codes, with a current code (or recovery code) or your password',
      description:
        'Exactly one of code and password. A wrong code counts toward the MFA lock-out, a wrong password toward the sign-in throttle. Every session of the account loses its step-up mark. After a removal with the password alone, a new authenticator can be set up 24 hours later (or after an admin unlocks the account).',
      security: secured,
      body: z.strictObject({ code: Code.optional(), password: z.string().min(1, 'is required').max(MAX_PASSWORD_LENGTH).optional() }),
      response: { 200: z.object({ removed: z.literal(true) }), ...errors },
    },
    handler: async (request, reply) => {
      const me = principalOf(request);
      const { code, password } = request.body;
      if ((code === undefined) === (password === undefined)) throw new ApiError(400, 'invalid_input', 'code: send either a current code or your password, not both and not neither', 'code');
      if (mfa.get(me.account.id)?.status !== 'active') throw new ApiError(409, 'conflict', 'no authenticator is set up for this account');
      let used: string;
      if (code !== undefined) {
        used = requireCode(reply, me, code, 'disenrol', request.ip).method;
      } else {
        await checkCurrentPassword({ store, now, gate: deps.gate, ...(deps.loginThrottle ? { loginThrottle: deps.loginThrottle } : {}) }, reply, me.account, password as string, request.ip, 'password');
        used = 'password';
      }
      store.tx(() => {
        mfa.remove(me.account.id, used as 'totp' | 'recovery_code' | 'password', now().toISOString());
        audit(me, 'account.mfa_removed', { ip: request.ip, with: used, ...(used === 'password' ? { reenrolFrom: mfa.enrolmentHeldUntil(me.account.id, now().getTime()) } : {}) });
      });
      return { removed: true as const };
    },
  });
}
