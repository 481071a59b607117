/**
 * What an approver should know before deciding that the request itself does not say: the person
 * already holds this access, has asked for the same thing and is waiting on another request, or
 * holds a resource that must not be held with this one (separation of duties).
 */
import { heldConflicts, LIVE_GRANT_STATES, PENDING_REQUEST_STATES, type AccessRequest, type Grant, type HeldConflict, type Resource } from '../../../core/index.js';

export type ContextNote = { kind: 'holds'; grant: Grant } | { kind: 'duplicate'; request: AccessRequest } | { kind: 'conflict'; conflict: HeldConflict; grant: Grant | null };

/**
 * Notes for a pending request, from the requester's other grants and requests (an extension is
 * about its own grant: not a note). Conflicts are those the server found when the request was made
 * and those the requester's live grants on this device show now (core heldConflicts), each once.
 */
export function decisionContext(
  request: AccessRequest,
  grantsOfRequester: readonly Grant[],
  requestsOfRequester: readonly AccessRequest[],
  resources: ReadonlyMap<string, Resource> = new Map(),
): ContextNote[] {
  if (!PENDING_REQUEST_STATES.includes(request.status)) return [];
  const notes: ContextNote[] = [];
  const live = grantsOfRequester.filter((g) => LIVE_GRANT_STATES.includes(g.status));
  const asked = resources.get(request.resourceId);
  const held = live.map((g) => resources.get(g.resourceId)).filter((r): r is Resource => r !== undefined);
  const conflicts = new Map((request.conflicts ?? []).map((c) => [c.resourceId, c]));
  if (asked) for (const c of heldConflicts(asked, held)) conflicts.set(c.resourceId, c);
  for (const conflict of conflicts.values()) notes.push({ kind: 'conflict', conflict, grant: live.find((g) => g.resourceId === conflict.resourceId) ?? null });
  for (const grant of grantsOfRequester) {
    if (grant.resourceId !== request.resourceId || !LIVE_GRANT_STATES.includes(grant.status) || grant.id === request.extendsGrantId) continue;
    notes.push({ kind: 'holds', grant });
  }
  for (const other of requestsOfRequester) {
    if (other.id === request.id || other.resourceId !== request.resourceId || !PENDING_REQUEST_STATES.includes(other.status)) continue;
    // Two extension requests of different grants are not the same ask; an extension and a first ask are not either.
    if ((other.extendsGrantId ?? null) !== (request.extendsGrantId ?? null)) continue;
    notes.push({ kind: 'duplicate', request: other });
  }
  return notes;
}
