/**
 * The directory sync saw a person disabled or removed (../directory-sync/ calls `onDirectoryDisabled`
 * after its run commits). What follows is the server's setting (JIT_OFFBOARD_ON_DIRECTORY_DISABLED):
 * `alert` (the default) opens one "offboard?" task for admins; `offboard` offboards the person at once,
 * and still opens the task when that cannot be done (no fallback for their duties), saying why.
 */
import type { Task } from '../../core/index.js';
import type { Store } from '../store/types.js';
import { readOffboardingSettings } from './migrations.js';
import { offboardAlertId, offboardPerson } from './offboard.js';
import { readOffboardingRecord } from './record.js';

export type DirectorySignal = { personId: string; /** Disabled in the directory, or gone from it. */ change: 'disabled' | 'removed'; connectorId?: string; at: string };

export type DirectorySignalOutcome = { action: 'offboarded' | 'alerted' | 'nothing'; taskId?: string; message: string };

export function onDirectoryDisabled(store: Store, signal: DirectorySignal): DirectorySignalOutcome {
  return store.tx(() => {
    const person = store.get('users', signal.personId);
    if (!person) return { action: 'nothing' as const, message: `person ${signal.personId} is not known here` };
    const seenAs = `${signal.change === 'removed' ? 'removed from' : 'disabled in'} the directory${signal.connectorId ? ` (${signal.connectorId})` : ''}`;
    const settings = readOffboardingSettings(store);
    const earlier = readOffboardingRecord(store, person.id);
    store.appendAudit({ type: 'person.directory_disabled', actorId: 'system', subjectType: 'account', subjectId: person.id, data: { change: signal.change, connectorId: signal.connectorId ?? null, action: settings.onDirectoryDisabled, alreadyOffboarded: earlier !== null }, at: signal.at });
    let why = '';
    if (settings.onDirectoryDisabled === 'offboard') {
      const outcome = offboardPerson(store, { personId: person.id, actorId: 'system', source: 'directory', reason: `${person.displayName} was ${seenAs}`, at: signal.at, detail: { via: 'directory', connectorId: signal.connectorId ?? null, change: signal.change } });
      if (outcome.ok) return { action: 'offboarded' as const, message: outcome.value.message };
      why = ` Offboarding at once was not possible: ${outcome.message}.`;
    } else if (earlier) {
      // Already offboarded: a later sync seeing them disabled asks nothing more.
      return { action: 'nothing' as const, message: `${person.displayName} is already offboarded` };
    }
    const id = offboardAlertId(person.id);
    const existing = store.get('tasks', id);
    if (existing && existing.status === 'open') return { action: 'alerted' as const, taskId: id, message: 'an offboard alert is already open' };
    const task: Task = {
      id,
      kind: 'offboard_alert',
      title: `Offboard ${person.displayName}? ${signal.change === 'removed' ? 'Removed from' : 'Disabled in'} the directory`,
      detail: `${person.displayName} (${person.username}) was ${seenAs}. Their console account, sessions, grants and duties are untouched until an admin offboards them (Accounts: Offboard) or dismisses this.${why}`,
      assigneeId: null,
      grantId: null,
      requestId: null,
      resourceId: null,
      severity: 'critical',
      status: 'open',
      createdAt: signal.at,
      dueAt: null,
      closedAt: null,
      closedBy: null,
      reminders: 0,
      remindedAt: null,
      updatedAt: signal.at,
    };
    store.put('tasks', task);
    store.appendAudit({ type: 'task.created', actorId: 'system', subjectType: 'task', subjectId: id, data: { kind: 'offboard_alert', personId: person.id, change: signal.change }, at: signal.at });
    return { action: 'alerted' as const, taskId: id, message: task.title };
  });
}
