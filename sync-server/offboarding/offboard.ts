/**
 * Offboarding a person, in the caller's transaction (docs/decisions/offboarding.md): the account is
 * disabled through accounts/manage.ts (which ends its sessions, asks for the revocation of its live
 * grants and cancels its pending requests, here with the reason `offboarding`), whatever that left
 * (a person already disabled, one without an account) is swept the same way, and their duties move
 * to the fallback (core/engine/offboarding.ts). The scheduler then revokes and verifies each grant
 * through its connector like any revocation. Every item is audited, plus one `person.offboarded`.
 * Run again, it does only what is left, and nothing (not even an event) when nothing is.
 */
import {
  cancelRequest,
  err,
  LIVE_GRANT_STATES,
  ok,
  OFFBOARDING_REASON,
  PENDING_REQUEST_STATES,
  planDutyReassignment,
  requestRevocation,
  type DutyReassignment,
  type Result,
} from '../../core/index.js';
import { AccountRuleError, disableAccount, endSessions, isEnabled } from '../accounts/manage.js';
import type { Store } from '../store/types.js';
import { ensureOffboardingTables, readOffboardingSettings } from './migrations.js';
import { proposeOrApplyDutyChange } from './duty-proposals.js';
import { endLeaverDuties } from './leaver-duties.js';
import { newFollowUps, readOffboardingRecord, writeOffboardingRecord } from './record.js';

/** Who started it: an admin's command, the signed webhook, or the directory sync's signal. */
export type OffboardingSource = 'command' | 'webhook' | 'directory';

/** The webhook's calls are attributed to it in the audit. */
export const WEBHOOK_ACTOR_ID = 'webhook:offboard';

export type OffboardInput = {
  personId: string;
  actorId: string;
  source: OffboardingSource;
  /** Absent: the server's configured fallback. */
  fallbackId?: string | undefined;
  reason: string;
  at: string;
  /** Recorded on the summary event (the webhook's caller reference, the directory connector...). */
  detail?: Record<string, unknown>;
};

export type OffboardOutcome = {
  personId: string;
  accountDisabled: boolean;
  sessionsEnded: number;
  grantsRevoked: string[];
  requestsCancelled: string[];
  reassigned: DutyReassignment[];
  /** Nothing was left to do: an earlier run did it all. */
  nothingLeft: boolean;
  message: string;
};

export function offboardPerson(store: Store, input: OffboardInput): Result<OffboardOutcome> {
  ensureOffboardingTables(store);
  const { personId, actorId, at } = input;
  const now = new Date(at);
  const person = store.get('users', personId);
  const account = store.getAccount(personId);
  if (!person && !account) return err('not_found', `person ${personId} does not exist`);
  if (actorId === personId) return err('forbidden', 'you cannot offboard yourself; another admin must');
  const name = person?.displayName ?? account?.username ?? personId;

  const fallbackId = input.fallbackId ?? readOffboardingRecord(store, personId)?.fallbackId ?? readOffboardingSettings(store).fallbackId;
  if (fallbackId) {
    const fallback = store.get('users', fallbackId);
    const fallbackAccount = store.getAccount(fallbackId);
    if (!fallback) return err('invalid_input', `the fallback ${fallbackId} is no person the server knows`);
    if (fallback.disabled || (fallbackAccount && fallbackAccount.disabledAt !== null)) return err('invalid_input', `the fallback ${fallback.displayName} is disabled: name someone who can take the duties over`);
    // Offboarding someone must not make the admin doing it their successor as approver: another person takes the duties.
    if (fallbackId === actorId) return err('forbidden', 'the admin offboarding someone cannot be the fallback for their duties; name another person');
  }
  const plan = planDutyReassignment({
    personId,
    fallbackId,
    policies: store.list('policies'),
    requests: store.list('requests', { status: [...PENDING_REQUEST_STATES] }),
    tasks: store.list('tasks', { status: 'open' }),
    resources: store.list('resources'),
  });
  if (!plan.ok) return plan;

  let accountDisabled = false;
  let sessionsEnded = 0;
  const grantsRevoked: string[] = [];
  const requestsCancelled: string[] = [];
  if (account && isEnabled(store, account)) {
    try {
      const disabled = disableAccount(store, { actorId, accountId: account.id, reason: input.reason || OFFBOARDING_REASON, at, endedReason: OFFBOARDING_REASON });
      accountDisabled = true;
      sessionsEnded += disabled.sessionsEnded;
      grantsRevoked.push(...disabled.grantsRevoked);
      requestsCancelled.push(...disabled.requestsCancelled);
    } catch (error) {
      if (error instanceof AccountRuleError) return err(error.code === 'forbidden' ? 'forbidden' : 'conflict', error.message);
      throw error;
    }
  } else if (person && !person.disabled) {
    store.put('users', { ...person, disabled: true, updatedAt: at });
    accountDisabled = true;
  }
  // What disabling did not reach: a person disabled earlier (by hand or the directory) keeps their grants until now.
  if (account) sessionsEnded += endSessions(store, account.id);
  const actor = store.getAccount(actorId);
  for (const grant of store.list('grants', { status: [...LIVE_GRANT_STATES], where: { userId: personId } })) {
    if (grant.status === 'revoking' || grant.status === 'revoke_failed') continue;
    const revoking = requestRevocation(grant, actorId, OFFBOARDING_REASON, { now }, 'offboarding');
    if (!revoking.ok) continue;
    store.put('grants', revoking.value);
    store.appendAudit({ type: 'grant.revoke_requested', actorId, subjectType: 'grant', subjectId: grant.id, data: { category: revoking.value.endedCategory, reason: OFFBOARDING_REASON, expiresAt: grant.expiresAt, offboarding: personId }, at });
    grantsRevoked.push(grant.id);
  }
  for (const request of store.list('requests', { status: [...PENDING_REQUEST_STATES], where: { requesterId: personId } })) {
    const cancelled = cancelRequest(request, { id: actorId, displayName: actorId, roles: actor?.roles ?? ['admin'], disabled: false }, OFFBOARDING_REASON, { now });
    if (!cancelled.ok) continue;
    store.put('requests', cancelled.value);
    store.appendAudit({ type: 'request.cancelled', actorId, subjectType: 'request', subjectId: request.id, data: { reason: OFFBOARDING_REASON, offboarding: personId }, at });
    requestsCancelled.push(request.id);
  }

  // Policy steps and resource ownership are configuration: widening, they wait for a second person (duty-proposals.ts).
  const proposalOf = new Map<string, string>();
  const skipped = new Set<string>();
  const configChanges = [
    ...plan.value.policies.map((after) => ({ kind: 'policy' as const, after })),
    ...plan.value.resources.map((after) => ({ kind: 'resource' as const, after })),
  ];
  for (const change of configChanges) {
    const done = proposeOrApplyDutyChange(store, { change, actorId, personId, fallbackId, now });
    if (done.outcome === 'proposed') proposalOf.set(`${change.kind}:${change.after.id}`, done.proposalId);
    if (done.outcome === 'already_proposed') skipped.add(`${change.kind}:${change.after.id}`);
  }
  for (const request of plan.value.requests) store.put('requests', { ...request, updatedAt: at, revision: request.revision + 1 });
  for (const task of plan.value.tasks) store.put('tasks', { ...task, updatedAt: at });
  // Review items go to their campaign's fallback; grants asked for on a service identity's behalf end; what nobody takes becomes an alert.
  const leaverDuties = endLeaverDuties(store, { personId, name, actorId, at });
  grantsRevoked.push(...leaverDuties.identityGrants);
  // A duty already waiting in an earlier run's proposal is not moved (or counted) again.
  const reassigned = [...plan.value.reassigned.filter((duty) => !skipped.has(configKey(duty))), ...leaverDuties.reassigned];
  for (const duty of reassigned) {
    const subject = dutySubject(duty);
    const proposalId = proposalOf.get(configKey(duty));
    const to = duty.kind === 'review_item' ? duty.reviewerIds : fallbackId;
    store.appendAudit({ type: 'person.duty_reassigned', actorId, subjectType: subject.type, subjectId: subject.id, data: { ...duty, from: personId, to, ...(proposalId ? { proposalId } : {}) }, at });
  }
  // An "offboard?" alert for this person is answered.
  for (const task of store.list('tasks', { status: 'open' })) {
    if (task.kind !== 'offboard_alert' || task.id !== offboardAlertId(personId)) continue;
    store.put('tasks', { ...task, status: 'done', closedAt: at, closedBy: actorId, updatedAt: at });
    store.appendAudit({ type: 'task.closed', actorId, subjectType: 'task', subjectId: task.id, data: { outcome: 'done', note: 'offboarded' }, at });
  }

  const previous = readOffboardingRecord(store, personId);
  const followUps = newFollowUps(previous, leaverDuties.followUps);
  const nothingLeft = !accountDisabled && sessionsEnded === 0 && grantsRevoked.length === 0 && requestsCancelled.length === 0 && reassigned.length === 0 && followUps.length === 0;
  if (nothingLeft && previous) {
    return ok({ personId, accountDisabled, sessionsEnded, grantsRevoked, requestsCancelled, reassigned, nothingLeft, message: `${name} is already offboarded; nothing was left to end or move` });
  }
  // The grants to follow to the end: this run's and any already on their way out when it ran.
  const alreadyEnding = store.list('grants', { where: { userId: personId } }).filter((g) => g.endedReason === OFFBOARDING_REASON || g.status === 'revoking' || g.status === 'revoke_failed').map((g) => g.id);
  const record = writeOffboardingRecord(store, { personId, source: input.source, actorId, fallbackId, reason: input.reason, grantIds: [...grantsRevoked, ...alreadyEnding], requestsCancelled, reassigned, sessionsEnded, at, followUps });
  store.appendAudit({
    type: 'person.offboarded',
    actorId,
    subjectType: 'account',
    subjectId: personId,
    data: { name, source: input.source, reason: input.reason, fallbackId, accountDisabled, sessionsEnded, grantsRevoked, requestsCancelled, reassigned: reassigned.length, identityGrants: leaverDuties.identityGrants, followUps: followUps.map((f) => ({ kind: f.kind, subjectId: f.subjectId, taskId: f.taskId })), run: record.runs, ...(input.detail ?? {}) },
    at,
  });
  const parts = [
    accountDisabled ? 'account disabled' : null,
    `${sessionsEnded} session${sessionsEnded === 1 ? '' : 's'} ended`,
    `${grantsRevoked.length} grant${grantsRevoked.length === 1 ? '' : 's'} being revoked`,
    `${requestsCancelled.length} pending request${requestsCancelled.length === 1 ? '' : 's'} cancelled`,
    `${reassigned.length} dut${reassigned.length === 1 ? 'y' : 'ies'} moved${fallbackId && reassigned.length > 0 ? ` to ${store.get('users', fallbackId)?.displayName ?? fallbackId}` : ''}`,
    leaverDuties.identityGrants.length > 0 ? `of the grants, ${leaverDuties.identityGrants.length} asked for on behalf of service identities` : null,
    followUps.length > 0 ? `${followUps.length} left to nobody (${followUps.map((f) => f.kind === 'service_no_owner' ? `${f.name} has no owner` : `review item ${f.subjectId} has no reviewer`).join('; ')}): alerts raised for admins` : null,
    proposalOf.size > 0 ? `${proposalOf.size} configuration change${proposalOf.size === 1 ? '' : 's'} proposed for a second admin (${[...proposalOf.values()].join(', ')}), since naming the fallback there widens access` : null,
  ].filter(Boolean);
  return ok({ personId, accountDisabled, sessionsEnded, grantsRevoked, requestsCancelled, reassigned, nothingLeft, message: `${name} offboarded: ${parts.join(', ')}${grantsRevoked.length > 0 ? '; each grant is verified gone by its connector next' : ''}` });
}

/** The configuration entity a duty lives on ('' for a request step or a task). */
function configKey(duty: DutyReassignment): string {
  if (duty.kind === 'policy_step') return `policy:${duty.policyId}`;
  if (duty.kind === 'resource_owner') return `resource:${duty.resourceId}`;
  return '';
}

function dutySubject(duty: DutyReassignment): { type: 'policy' | 'request' | 'task' | 'resource' | 'review'; id: string } {
  switch (duty.kind) {
    case 'policy_step':
      return { type: 'policy', id: duty.policyId };
    case 'request_step':
      return { type: 'request', id: duty.requestId };
    case 'task':
      return { type: 'task', id: duty.taskId };
    case 'resource_owner':
      return { type: 'resource', id: duty.resourceId };
    case 'review_item':
      return { type: 'review', id: duty.itemId };
  }
}

/** One open "offboard?" alert per person. */
export const offboardAlertId = (personId: string) => `t-offboard-${personId}`.slice(0, 128);
