/**
 * What the server checks about its audit log before it serves (and `npm run audit:verify` offline):
 * the guards are in place, the chain holds, every signed checkpoint verifies and matches it, the
 * head is not behind the last one, and the stored accounts and grants are what the log says.
 * Everything found is an alert naming what it found; repairing the guards is the only write here.
 */
import type Database from 'better-sqlite3';
import {
  emptyLogState,
  foldEvent,
  reconcileWithLog,
  verifyAuditLog,
  type AuditCheckpoint,
  type AuditEvent,
  type AuditLogVerification,
  type CheckpointKey,
  type StateMismatch,
  type StoredAccount,
  type StoredGrant,
} from '../../core/index.js';
import { readAuditEvents } from '../store/sqlite-store.js';
import { readCheckpoints, readHeadFile } from './checkpoint-store.js';
import type { GuardRepair } from './guards.js';
import { anchorOf, readArchiveAnchor, sealProblem } from './retention.js';

export type AuditAlert = {
  kind: 'guard_restored' | 'head_file' | 'checkpoints_removed' | 'archive_seal' | AuditLogVerificationKind | StateMismatch['kind'];
  message: string;
  /** What it is about: an event's seq, an account, a grant, a trigger. */
  subject: { type: 'audit' | 'account' | 'grant'; id: string };
};
type AuditLogVerificationKind = AuditLogVerification['problems'][number]['kind'];

export type IntegrityReport = { verification: AuditLogVerification; mismatches: StateMismatch[]; alerts: AuditAlert[] };

function storedAccounts(db: Database.Database): StoredAccount[] {
  const rows = db.prepare('SELECT id, username, roles, disabled_at, password_hash FROM accounts').all() as { id: string; username: string; roles: string; disabled_at: string | null; password_hash: string }[];
  return rows.map((r) => {
    let roles: string[] = [];
    try {
      const parsed: unknown = JSON.parse(r.roles);
      if (Array.isArray(parsed)) roles = parsed.map(String);
    } catch {
      roles = [`(unreadable: ${r.roles})`];
    }
    return { id: r.id, username: r.username, roles, disabled: r.disabled_at !== null, passwordHash: r.password_hash };
  });
}

function storedActiveGrants(db: Database.Database): StoredGrant[] {
  const rows = db.prepare("SELECT doc FROM documents WHERE collection = 'grants' AND deleted = 0 AND status = 'active'").pluck().all() as string[];
  return rows.map((doc) => {
    const g = JSON.parse(doc) as { id: string; userId: string; resourceId: string; status: string };
    return { id: g.id, userId: g.userId, resourceId: g.resourceId, status: g.status };
  });
}

/**
 * One pass over the log: chain, checkpoints (stored, plus the side file's when given) and the state
 * folded for reconciliation. Reads through `db` only, so the CLI runs it on a read-only handle.
 */
export async function checkIntegrity(db: Database.Database, opts: { keys: readonly CheckpointKey[]; headFile?: string; repairs?: readonly GuardRepair[] }): Promise<IntegrityReport> {
  const alerts: AuditAlert[] = (opts.repairs ?? []).map((r) => ({
    kind: 'guard_restored',
    subject: { type: 'audit', id: r.trigger },
    message: `the audit guard trigger ${r.trigger} was ${r.was === 'missing' ? 'dropped' : 'altered'}; it has been restored`,
  }));
  const known: AuditCheckpoint[] = [];
  if (opts.headFile) {
    const head = readHeadFile(opts.headFile);
    if (head && 'unreadable' in head) alerts.push({ kind: 'head_file', subject: { type: 'audit', id: 'head-file' }, message: `the latest signed checkpoint kept beside the key is unreadable: ${head.unreadable}` });
    else if (head) known.push(head);
  }
  const state = emptyLogState();
  function* folded(): Generator<AuditEvent> {
    for (const event of readAuditEvents(db)) {
      foldEvent(state, event);
      yield event;
    }
  }
  // Older events archived (npm run audit:archive): the log continues from the signed seal kept as its anchor.
  const seal = readArchiveAnchor(db);
  const sealed = seal && !('unreadable' in seal) ? seal : null;
  const sealIssue = seal && 'unreadable' in seal ? seal.unreadable : sealed ? await sealProblem(sealed, opts.keys) : null;
  if (sealIssue) alerts.push({ kind: 'archive_seal', subject: { type: 'audit', id: 'archive' }, message: sealIssue });
  const verification = await verifyAuditLog(folded(), readCheckpoints(db), { keys: opts.keys, known, ...(sealed ? { anchor: anchorOf(sealed) } : {}) });
  for (const p of verification.problems) alerts.push({ kind: p.kind, subject: { type: 'audit', id: p.eventId ?? `seq-${p.seq}` }, message: p.message });
  // A broken chain leaves the fold partial: reconciling against it would only add noise.
  const mismatches = verification.chain.ok ? reconcileWithLog(state, storedAccounts(db), storedActiveGrants(db)) : [];
  for (const m of mismatches) {
    alerts.push({ kind: m.kind, subject: m.kind === 'grant_unprovisioned' ? { type: 'grant', id: m.grantId } : { type: 'account', id: m.accountId }, message: m.message });
  }
  return { verification, mismatches, alerts };
}
