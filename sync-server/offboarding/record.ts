/**
 * What offboarding did for a person (the `offboardings` table) and how far it has got: the grants it
 * followed, read from the store as they are now (core's offboardingProgress), for
 * GET /api/v1/people/:id/offboarding and the console's progress bar.
 */
import { offboardingProgress, type DutyReassignment, type Grant, type OffboardingProgress } from '../../core/index.js';
import type { Store } from '../store/types.js';
import { ensureOffboardingTables } from './migrations.js';

/** Something offboarding could hand to nobody, with the alert it raised for admins. */
export type OffboardingFollowUp = { kind: 'service_no_owner' | 'review_unassigned'; subjectId: string; name: string; taskId: string; message: string };

export type OffboardingRecord = {
  personId: string;
  source: string;
  actorId: string;
  fallbackId: string | null;
  reason: string;
  grantIds: string[];
  requestsCancelled: string[];
  reassigned: DutyReassignment[];
  sessionsEnded: number;
  runs: number;
  startedAt: string;
  updatedAt: string;
  followUps: OffboardingFollowUp[];
};

type Row = {
  person_id: string;
  source: string;
  actor_id: string;
  fallback_id: string | null;
  reason: string;
  grant_ids: string;
  requests_cancelled: string;
  reassigned: string;
  sessions_ended: number;
  runs: number;
  started_at: string;
  updated_at: string;
  follow_ups: string;
};

const fromRow = (r: Row): OffboardingRecord => ({
  personId: r.person_id,
  source: r.source,
  actorId: r.actor_id,
  fallbackId: r.fallback_id,
  reason: r.reason,
  grantIds: JSON.parse(r.grant_ids) as string[],
  requestsCancelled: JSON.parse(r.requests_cancelled) as string[],
  reassigned: JSON.parse(r.reassigned) as DutyReassignment[],
  sessionsEnded: r.sessions_ended,
  runs: r.runs,
  startedAt: r.started_at,
  updatedAt: r.updated_at,
  followUps: JSON.parse(r.follow_ups) as OffboardingFollowUp[],
});

/**
 * An offboarded person stays disabled, whatever a directory says, until an admin enables their
 * account again (accounts/manage.ts enableAccount) or gives one to a person who had none: the
 * directory sync asks this before it lets an enabled object clear `disabled`.
 */
export function heldDisabledByOffboarding(store: Store, personId: string): boolean {
  ensureOffboardingTables(store);
  if (!store.db.prepare('SELECT 1 FROM offboardings WHERE person_id = ?').get(personId)) return false;
  const account = store.getAccount(personId);
  return !account || account.disabledAt !== null;
}

export function readOffboardingRecord(store: Store, personId: string): OffboardingRecord | null {
  ensureOffboardingTables(store);
  const row = store.db.prepare('SELECT * FROM offboardings WHERE person_id = ?').get(personId) as Row | undefined;
  return row ? fromRow(row) : null;
}

const union = (a: readonly string[], b: readonly string[]) => [...new Set([...a, ...b])];
const key = (f: OffboardingFollowUp) => `${f.kind}\u0000${f.subjectId}`;
/** The follow-ups of the run not already on the record. */
export const newFollowUps = (before: OffboardingRecord | null, run: readonly OffboardingFollowUp[]) => run.filter((f) => !(before?.followUps ?? []).some((b) => key(b) === key(f)));

/** Adds a run to the person's record (first run: creates it). The first run's source and actor stay. */
export function writeOffboardingRecord(
  store: Store,
  run: { personId: string; source: string; actorId: string; fallbackId: string | null; reason: string; grantIds: string[]; requestsCancelled: string[]; reassigned: DutyReassignment[]; sessionsEnded: number; at: string; followUps?: OffboardingFollowUp[] },
): OffboardingRecord {
  const before = readOffboardingRecord(store, run.personId);
  const next: OffboardingRecord = before
    ? {
        ...before,
        fallbackId: run.fallbackId ?? before.fallbackId,
        grantIds: union(before.grantIds, run.grantIds),
        requestsCancelled: union(before.requestsCancelled, run.requestsCancelled),
        reassigned: [...before.reassigned, ...run.reassigned],
        sessionsEnded: before.sessionsEnded + run.sessionsEnded,
        runs: before.runs + 1,
        updatedAt: run.at,
        followUps: [...before.followUps, ...newFollowUps(before, run.followUps ?? [])],
      }
    : { personId: run.personId, source: run.source, actorId: run.actorId, fallbackId: run.fallbackId, reason: run.reason, grantIds: union([], run.grantIds), requestsCancelled: run.requestsCancelled, reassigned: run.reassigned, sessionsEnded: run.sessionsEnded, runs: 1, startedAt: run.at, updatedAt: run.at, followUps: newFollowUps(null, run.followUps ?? []) };
  store.db
    .prepare(
      `INSERT INTO offboardings (person_id, source, actor_id, fallback_id, reason, grant_ids, requests_cancelled, reassigned, sessions_ended, runs, started_at, updated_at, follow_ups)
       VALUES (@personId, @source, @actorId, @fallbackId, @reason, @grantIds, @requestsCancelled, @reassigned, @sessionsEnded, @runs, @startedAt, @updatedAt, @followUps)
       ON CONFLICT (person_id) DO UPDATE SET fallback_id = excluded.fallback_id, grant_ids = excluded.grant_ids, requests_cancelled = excluded.requests_cancelled,
         reassigned = excluded.reassigned, sessions_ended = excluded.sessions_ended, runs = excluded.runs, updated_at = excluded.updated_at, follow_ups = excluded.follow_ups`,
    )
    .run({ ...next, grantIds: JSON.stringify(next.grantIds), requestsCancelled: JSON.stringify(next.requestsCancelled), reassigned: JSON.stringify(next.reassigned), followUps: JSON.stringify(next.followUps) });
  return next;
}

/** A grant as the progress view shows it. */
export type OffboardingGrantView = Pick<Grant, 'id' | 'resourceId' | 'connector' | 'status' | 'verification' | 'revokedAt' | 'verifiedAt' | 'lastError'>;

export type OffboardingView = {
  personId: string;
  /** `none`: never offboarded; `in_progress`: some grant not yet verified gone; `done`: every one is. */
  state: 'none' | 'in_progress' | 'done';
  record: OffboardingRecord | null;
  progress: OffboardingProgress;
  grants: OffboardingGrantView[];
  /** Is the account still signed in anywhere (should be 0 after offboarding). */
  sessions: number;
};

export function offboardingView(store: Store, personId: string): OffboardingView {
  const record = readOffboardingRecord(store, personId);
  const grants = (record?.grantIds ?? []).map((id) => store.get('grants', id)).filter((g): g is Grant => g !== undefined && g !== null);
  const progress = offboardingProgress(grants);
  const sessions = (store.db.prepare('SELECT COUNT(*) AS n FROM sessions WHERE account_id = ?').get(personId) as { n: number }).n;
  return {
    personId,
    state: record === null ? 'none' : progress.done ? 'done' : 'in_progress',
    record,
    progress,
    grants: grants.map((g) => ({ id: g.id, resourceId: g.resourceId, connector: g.connector, status: g.status, verification: g.verification, revokedAt: g.revokedAt, verifiedAt: g.verifiedAt, lastError: g.lastError })),
    sessions,
  };
}
