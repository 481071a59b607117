/**
 * Two-step verification calls (sync-server/http/mfa-routes.ts). Not replicated data: each is one
 * exchange with the server, and none works offline.
 */
import { requestJson } from '../../session/api-client.js';

export type MfaState = {
  available: boolean;
  status: 'none' | 'pending' | 'active';
  enrolledAt: string | null;
  recoveryCodesLeft: number;
  secondFactorAt: string | null;
  secondFactorMethod: 'totp' | 'recovery_code' | 'idp_mfa' | null;
  lockedUntil: string | null;
};
export type Enrolment = { secret: string; uri: string; issuer: string; accountName: string; digits: number; periodSeconds: number };
export type StepUpAnswer = { secondFactorAt: string; method: 'totp' | 'recovery_code'; recoveryCodesLeft: number };

const offline = (serverUrl: string) => `Could not reach ${serverUrl}: codes are checked by the server. Try again when you are online.`;

async function post<T>(serverUrl: string, token: string, path: string, body: unknown): Promise<T> {
  return (await requestJson(serverUrl, path, { method: 'POST', token, body: JSON.stringify(body), unreachable: offline(serverUrl) })).body as T;
}

export const mfaApi = {
  state: async (serverUrl: string, token: string) => (await requestJson(serverUrl, '/api/v1/auth/mfa', { token, unreachable: offline(serverUrl) })).body as MfaState,
  enrol: (serverUrl: string, token: string) => post<Enrolment>(serverUrl, token, '/api/v1/auth/mfa/enrol', {}),
  confirm: (serverUrl: string, token: string, code: string) => post<{ recoveryCodes: string[]; secondFactorAt: string }>(serverUrl, token, '/api/v1/auth/mfa/confirm', { code }),
  stepUp: (serverUrl: string, token: string, code: string) => post<StepUpAnswer>(serverUrl, token, '/api/v1/auth/step-up', { code }),
  disenrol: (serverUrl: string, token: string, proof: { code: string } | { password: string }) => post<{ removed: true }>(serverUrl, token, '/api/v1/auth/mfa/disenrol', proof),
};
