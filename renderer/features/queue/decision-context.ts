/**
 * What an approver should know before deciding that the request itself does not say: the person
 * already holds this access, or has asked for the same thing and is waiting on another request.
 */
import { LIVE_GRANT_STATES, PENDING_REQUEST_STATES, type AccessRequest, type Grant } from '../../../core/index.js';

export type ContextNote = { kind: 'holds'; grant: Grant } | { kind: 'duplicate'; request: AccessRequest };

/** Notes for a pending request, from the requester's other grants and requests (an extension is about its own grant: not a note). */
export function decisionContext(request: AccessRequest, grantsOfRequester: readonly Grant[], requestsOfRequester: readonly AccessRequest[]): ContextNote[] {
  if (!PENDING_REQUEST_STATES.includes(request.status)) return [];
  const notes: ContextNote[] = [];
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
