/**
 * A user's signInActivity as Microsoft Graph returns it (resource type signInActivity): returned only
 * when `$select` names it, and only to an app holding AuditLog.Read.All (otherwise 403
 * Authorization_RequestDenied, like any call without its permission). A user who never signed in
 * has no signInActivity. Kept beside the directory, not in its replicated ops: sign-in activity is
 * written by Entra itself, not through the API the connector uses.
 */
import { GraphError } from './odata.js';

export type SignInActivity = {
  lastSignInDateTime: string | null;
  lastSignInRequestId: string | null;
  lastNonInteractiveSignInDateTime: string | null;
  lastNonInteractiveSignInRequestId: string | null;
  lastSuccessfulSignInDateTime: string | null;
  lastSuccessfulSignInRequestId: string | null;
};

export const SIGN_IN_PERMISSION = 'AuditLog.Read.All';

export type SignInSource = { activity: ReadonlyMap<string, SignInActivity>; permitted: (clientId: string) => boolean };

/** An interactive sign-in at `at` (also the last successful one). */
export function signedInAt(at: string, requestId: string): SignInActivity {
  return {
    lastSignInDateTime: at,
    lastSignInRequestId: requestId,
    lastNonInteractiveSignInDateTime: null,
    lastNonInteractiveSignInRequestId: null,
    lastSuccessfulSignInDateTime: at,
    lastSuccessfulSignInRequestId: requestId,
  };
}

/** Adds signInActivity to the users when the query selects it; refuses an app without the permission. */
export function withSignInActivity(source: SignInSource | undefined, clientId: string, select: string | null, users: Record<string, unknown>[]): Record<string, unknown>[] {
  const wanted = (select ?? '').split(',').some((f) => f.trim() === 'signInActivity');
  if (!wanted) return users;
  if (!source || !source.permitted(clientId)) throw new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
  return users.map((user) => {
    const activity = source.activity.get(String(user.id));
    return activity ? { ...user, signInActivity: { ...activity } } : user;
  });
}
