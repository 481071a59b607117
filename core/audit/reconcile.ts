import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { restoreLogState } from './archive.js';
import type { AuditEvent } from './events.js';

/**
 * State follows the log: what the audit log says accounts and grants should be, folded from the
 * events, and the stored rows that disagree with it. A mismatch means the store was changed
 * without going through the server (an `UPDATE accounts SET roles = ...` on the file).
 */

export type LoggedAccount = {
  roles: string[] | null;
  disabled: boolean;
  createdSeen: boolean;
  /** passwordDigest of the hash the last password event set; null when that event carries none (older events). */
  passwordDigest: string | null;
  lastSeq: number;
};

/**
 * What a password event records of the stored hash: SHA-256 of the scrypt string, 128 bits, hex.
 * It tells a hash written into the file from the one the server set, and gives nothing to crack
 * (the salt is not in it).
 */
export function passwordDigest(passwordHash: string): string {
  return bytesToHex(sha256(utf8ToBytes(passwordHash))).slice(0, 32);
}

const digestOf = (data: Record<string, unknown>): string | null => (typeof data.passwordDigest === 'string' ? data.passwordDigest : null);

export type LogState = {
  accounts: Map<string, LoggedAccount>;
  /** Grants with a `grant.provisioned` event. */
  provisioned: Set<string>;
};

export function emptyLogState(): LogState {
  return { accounts: new Map(), provisioned: new Set() };
}

const rolesOf = (value: unknown): string[] | null => (Array.isArray(value) && value.every((r) => typeof r === 'string') ? [...value].sort() : null);

/** Folds one event into the state; call in seq order (it is cheap enough to run during the chain walk). */
export function foldEvent(state: LogState, event: AuditEvent): void {
  // Older events were archived: the event carries the state they had folded to (core/audit/archive.ts).
  if (event.type === 'audit.archived') {
    restoreLogState(state, event.data.state);
    return;
  }
  if (event.type === 'grant.provisioned') {
    state.provisioned.add(event.subjectId);
    return;
  }
  if (event.subjectType !== 'account') return;
  const account = state.accounts.get(event.subjectId) ?? { roles: null, disabled: false, createdSeen: false, passwordDigest: null, lastSeq: 0 };
  switch (event.type) {
    case 'account.created':
      account.roles = rolesOf(event.data.roles);
      account.disabled = false;
      account.createdSeen = true;
      account.passwordDigest = digestOf(event.data);
      break;
    case 'account.roles_changed':
      account.roles = rolesOf(event.data.after);
      break;
    case 'account.disabled':
      account.disabled = true;
      break;
    case 'account.enabled':
      account.disabled = false;
      break;
    case 'account.password_reset':
      // The host's recovery (auth/recovery.ts) enables the account it recovers.
      if (event.data.reenabled === true) account.disabled = false;
      account.passwordDigest = digestOf(event.data);
      break;
    case 'account.password_changed':
      account.passwordDigest = digestOf(event.data);
      break;
    default:
      return;
  }
  account.lastSeq = event.seq;
  state.accounts.set(event.subjectId, account);
}

export type StoredAccount = { id: string; username: string; roles: readonly string[]; disabled: boolean; passwordHash?: string };
export type StoredGrant = { id: string; userId: string; resourceId: string; status: string };

export type StateMismatch =
  | { kind: 'account_unlogged'; accountId: string; username: string; message: string }
  | { kind: 'account_roles'; accountId: string; username: string; stored: string[]; logged: string[]; message: string }
  | { kind: 'account_disabled'; accountId: string; username: string; stored: boolean; logged: boolean; message: string }
  | { kind: 'account_password'; accountId: string; username: string; message: string }
  | { kind: 'account_missing'; accountId: string; message: string }
  | { kind: 'grant_unprovisioned'; grantId: string; userId: string; resourceId: string; message: string };

/** The stored accounts and grants that the log does not explain, each naming the account or grant. */
export function reconcileWithLog(state: LogState, accounts: readonly StoredAccount[], grants: readonly StoredGrant[]): StateMismatch[] {
  const mismatches: StateMismatch[] = [];
  const storedIds = new Set<string>();
  for (const account of accounts) {
    storedIds.add(account.id);
    const logged = state.accounts.get(account.id);
    const who = `account ${account.username} (${account.id})`;
    if (!logged?.createdSeen || logged.roles === null) {
      mismatches.push({ kind: 'account_unlogged', accountId: account.id, username: account.username, message: `${who} is in the store but the audit log never records its creation: it was added outside the server` });
      continue;
    }
    const stored = [...account.roles].sort();
    if (stored.join() !== logged.roles.join()) {
      mismatches.push({
        kind: 'account_roles',
        accountId: account.id,
        username: account.username,
        stored,
        logged: logged.roles,
        message: `${who} holds roles ${stored.join(', ') || 'none'} but its last role event (seq ${logged.lastSeq}) says ${logged.roles.join(', ') || 'none'}: its roles were changed outside the server`,
      });
    }
    if (account.disabled !== logged.disabled) {
      mismatches.push({
        kind: 'account_disabled',
        accountId: account.id,
        username: account.username,
        stored: account.disabled,
        logged: logged.disabled,
        message: `${who} is ${account.disabled ? 'disabled' : 'enabled'} in the store but the audit log says ${logged.disabled ? 'disabled' : 'enabled'}: it was changed outside the server`,
      });
    }
  }
  for (const account of accounts) {
    const logged = state.accounts.get(account.id);
    if (!logged?.createdSeen || logged.passwordDigest === null || account.passwordHash === undefined) continue;
    if (passwordDigest(account.passwordHash) !== logged.passwordDigest) {
      mismatches.push({ kind: 'account_password', accountId: account.id, username: account.username, message: `account ${account.username} (${account.id}) has a password hash that no password event set: it was written outside the server` });
    }
  }
  for (const [id, logged] of state.accounts) {
    if (logged.createdSeen && !storedIds.has(id)) mismatches.push({ kind: 'account_missing', accountId: id, message: `account ${id} was created (audit log) but is no longer in the store: it was deleted outside the server` });
  }
  for (const grant of grants) {
    if (grant.status === 'active' && !state.provisioned.has(grant.id)) {
      mismatches.push({
        kind: 'grant_unprovisioned',
        grantId: grant.id,
        userId: grant.userId,
        resourceId: grant.resourceId,
        message: `grant ${grant.id} (${grant.userId} on ${grant.resourceId}) is active but the audit log records no provisioning for it: it was made active outside the server`,
      });
    }
  }
  return mismatches;
}
