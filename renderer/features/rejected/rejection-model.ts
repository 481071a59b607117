/**
 * A refused decision in words a person reads once and understands: what it was (the command), what
 * it was about (the request's resource and person, the grant, the task or the change), and why,
 * with the server's code said as a sentence. The toast and the Rejected page share it.
 */
import type { AccessRequest, Command, CommandResult, Grant, Proposal, Task } from '../../../core/index.js';
import { statusLabel } from '../../ui/ui.js';

/** Each refusal code as the headline people read (the server's message says the rest). */
export const CODE_WORDS: Record<string, string> = {
  invalid_input: 'Something in it was not valid',
  unauthenticated: 'You were signed out',
  forbidden: 'Your roles do not allow it',
  not_found: 'It no longer exists',
  not_eligible: 'Not eligible',
  self_approval_forbidden: 'You cannot approve your own request',
  already_decided: 'Someone decided it first',
  stale: 'It changed after you looked at it',
  invalid_transition: 'Not possible in its current state',
  duration_exceeds_policy: 'Longer than the policy allows',
  justification_required: 'A justification is required',
  ticket_required: 'A ticket reference is required',
  ticket_not_open: 'The ticket is not open in its ticket system',
  ticket_invalid: 'The ticket reference is not in the expected form',
  extension_limit: 'No more time can be asked for',
  outside_window: 'Outside the access window',
  mfa_required: 'Your second factor is needed',
  conflict: 'It clashes with another change',
  campaign_closed: 'The review campaign is closed to decisions',
  below_minimum_members: 'It would leave the resource below the members it must keep',
  unsupported_protocol: 'This console needs an update',
};

export const codeWords = (code: string): string => CODE_WORDS[code] ?? statusLabel(code);

const COMMAND_WORDS: Record<string, string> = {
  'request.approve': 'Approval',
  'request.deny': 'Denial',
  'request.cancel': 'Cancellation',
  'request.create': 'Request',
  'grant.revoke': 'Revocation',
  'grant.extend': 'Request for more time',
  'grant.shorten': 'Shortening of grants',
  'policy.upsert': 'Policy change',
  'profile.upsert': 'Profile change',
  'resource.upsert': 'Resource change',
  'proposal.approve': 'Approval of a change',
  'proposal.reject': 'Rejection of a change',
  'task.close': 'Closing a task',
  'review.decide': 'Review decision',
  'review.campaign_upsert': 'Campaign change',
  'review.open': 'Opening a campaign',
  'review.close': 'Closing a campaign',
};

export type Lookup = {
  request(id: string): AccessRequest | undefined;
  grant(id: string): Grant | undefined;
  task(id: string): Task | undefined;
  proposal(id: string): Proposal | undefined;
  person(id: string): string;
  resource(id: string): string;
};

export type RejectionView = {
  /** "Approval of Global Reader for Bob Nguyen not applied" */
  title: string;
  /** The code as a sentence: "Someone decided it first". */
  why: string;
  /** Where to look at it, when the replica can open it. */
  link: { screen: 'requests' | 'grants' | 'proposals' | 'tasks' | 'my-access' | 'policies' | 'profiles' | 'resources'; id: string | null; label: string } | null;
};

/** The configuration upserts: the payload field that holds the entity, and the screen that edits it. */
const CONFIG_ENTITY: Record<string, { field: string; screen: 'policies' | 'profiles' | 'resources' } | undefined> = {
  'policy.upsert': { field: 'policy', screen: 'policies' },
  'profile.upsert': { field: 'profile', screen: 'profiles' },
  'resource.upsert': { field: 'resource', screen: 'resources' },
};

const about = (resource: string, person: string | null) => (person ? `${resource} for ${person}` : resource);

/** The words for one rejection; `command` is this device's copy (absent when it was sent elsewhere). */
export function describeRejection(result: Pick<CommandResult, 'type' | 'code' | 'subjectIds'>, command: Pick<Command, 'payload'> | undefined, lookup: Lookup, viewerId: string): RejectionView {
  const what = COMMAND_WORDS[result.type] ?? statusLabel(result.type);
  const p = (command?.payload ?? {}) as { requestId?: string; grantId?: string; taskId?: string; proposalId?: string; resourceId?: string };
  const why = codeWords(result.code);
  const personOf = (id: string) => (id === viewerId ? null : lookup.person(id));

  if (result.type === 'request.create') {
    const resource = p.resourceId ? lookup.resource(p.resourceId) : 'a resource';
    // Asked on behalf of a service identity: refused as forbidden when the asker is not (or no longer) one of its owners.
    const onBehalfOf = (command?.payload as { onBehalfOf?: string } | undefined)?.onBehalfOf;
    const forWhom = onBehalfOf ? ` for ${lookup.person(onBehalfOf)}` : '';
    const reason = onBehalfOf && result.code === 'forbidden' ? 'Only its owners may ask for access for it' : why;
    return { title: `${what} for ${resource}${forWhom} not accepted`, why: reason, link: { screen: 'my-access', id: null, label: 'Open My access' } };
  }
  const requestId = p.requestId ?? (result.type.startsWith('request.') ? result.subjectIds[0] : undefined);
  if (requestId && result.type.startsWith('request.')) {
    const request = lookup.request(requestId);
    const subject = request ? about(lookup.resource(request.resourceId), personOf(request.requesterId)) : `request ${requestId}`;
    return { title: `${what} of ${subject} not applied`, why, link: request ? { screen: 'requests', id: requestId, label: 'Open the request' } : null };
  }
  const grantId = p.grantId ?? (result.type.startsWith('grant.') ? result.subjectIds[0] : undefined);
  if (grantId && result.type.startsWith('grant.')) {
    const grant = lookup.grant(grantId);
    const subject = grant ? about(lookup.resource(grant.resourceId), personOf(grant.userId)) : `grant ${grantId}`;
    const mine = grant?.userId === viewerId;
    return { title: `${what} of ${subject} not applied`, why, link: grant ? (mine ? { screen: 'my-access', id: grant.requestId, label: 'Open My access' } : { screen: 'grants', id: null, label: 'Open active grants' }) : null };
  }
  if (p.taskId) {
    const task = lookup.task(p.taskId);
    return { title: `${what} “${task?.title ?? p.taskId}” not applied`, why, link: { screen: 'tasks', id: null, label: 'Open My tasks' } };
  }
  const entity = CONFIG_ENTITY[result.type];
  if (entity) {
    // A configuration change: named by the entity it was about, with a way back to its editor.
    const sent = (command?.payload as Record<string, { id?: unknown; name?: unknown } | undefined> | undefined)?.[entity.field];
    const name = typeof sent?.name === 'string' ? sent.name : null;
    const id = typeof sent?.id === 'string' ? sent.id : null;
    const ownAccess = result.code === 'self_approval_forbidden' ? 'It would widen your own access' : why;
    return { title: `${what}${name ? ` to “${name}”` : ''} not applied`, why: ownAccess, link: id ? { screen: entity.screen, id, label: 'Open it in the editor' } : null };
  }
  if (p.proposalId) {
    const proposal = lookup.proposal(p.proposalId);
    return { title: `${what}${proposal ? ` to ${proposal.kind} “${proposal.subjectName}”` : ''} not applied`, why, link: { screen: 'proposals', id: p.proposalId, label: 'Open the proposal' } };
  }
  return { title: `${what} not applied`, why, link: null };
}
