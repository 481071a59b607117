/**
 * Recovery of an admin account by someone on the server host (see ./recover-cli.ts): a new
 * generated password, the sign-in throttle of its username cleared, its sessions ended, the
 * account enabled again if it was disabled, and one audit event saying so.
 */
import { hostname, userInfo } from 'node:os';
import { passwordDigest } from '../../core/index.js';
import type { Store } from '../store/types.js';
import { generatePassword, hashPassword } from './passwords.js';
import { createLoginThrottle } from './throttle.js';

export type RecoveryResult = {
  accountId: string;
  username: string;
  /** The new password: shown once, stored only as its hash. */
  password: string;
  /** Addresses whose failures or waits for this username were cleared. */
  throttleCleared: number;
  sessionsEnded: number;
  /** Whether the account had been disabled (it is enabled again). */
  reenabled: boolean;
};

export class RecoveryError extends Error {
  override name = 'RecoveryError';
}

function operator(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

export async function recoverAdmin(store: Store, options: { username?: string; now?: Date } = {}): Promise<RecoveryResult> {
  const username = options.username ?? 'admin';
  const account = store.getAccountByUsername(username);
  const admins = () =>
    store
      .listAccounts()
      .filter((a) => a.roles.includes('admin'))
      .map((a) => a.username);
  if (!account) throw new RecoveryError(`no account named "${username}"; admin accounts: ${admins().join(', ') || 'none'}`);
  if (!account.roles.includes('admin')) throw new RecoveryError(`"${account.username}" is not an admin; admin accounts: ${admins().join(', ') || 'none'}`);
  const password = generatePassword(account.username);
  const passwordHash = await hashPassword(password);
  const at = options.now ?? new Date();
  const throttle = createLoginThrottle({ store });
  return store.tx(() => {
    const user = store.get('users', account.id);
    const reenabled = account.disabledAt !== null || user?.disabled === true;
    store.updateAccount(account.id, { passwordHash, disabledAt: null });
    if (user?.disabled) store.put('users', { ...user, disabled: false, updatedAt: at.toISOString() });
    const sessionsEnded = store.db.prepare('DELETE FROM sessions WHERE account_id = ?').run(account.id).changes;
    const throttleCleared = throttle.clear(account.username, at.getTime());
    store.appendAudit({
      type: 'account.password_reset',
      actorId: 'system',
      subjectType: 'account',
      subjectId: account.id,
      data: { username: account.username, by: 'admin:recover', host: hostname(), operator: operator(), throttleCleared, sessionsEnded, reenabled, passwordDigest: passwordDigest(passwordHash) },
      at: at.toISOString(),
    });
    return { accountId: account.id, username: account.username, password, throttleCleared, sessionsEnded, reenabled };
  });
}
