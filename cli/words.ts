/** What `jit` says about resources, requests and grants, in words. */
import type { AccessRequest, Grant } from '../core/index.js';
import type { ApiClient } from './client.js';
import { formatMinutes } from './duration.js';

export const LIVE_GRANT_STATES = new Set(['provisioning', 'provision_failed', 'active', 'revoking', 'revoke_failed']);
export const ENDED_REQUEST_STATES = new Set(['approved', 'denied', 'expired', 'cancelled', 'ineligible']);

export type CatalogEntry = {
  id: string;
  name: string;
  description: string;
  kind: string;
  sensitivity: string;
  maxDurationMinutes: number;
  defaultDurationMinutes: number;
  requireJustification: boolean;
  requireTicket: boolean;
};
export type CommandAnswer = { id: string; status: string; code: string; message: string; subjectIds: string[] };

export async function catalogOf(client: ApiClient): Promise<CatalogEntry[]> {
  return (await client.call<{ resources: CatalogEntry[] }>('GET', '/api/v1/catalog')).resources;
}

/** Resource names by id, from the catalog (an id stays an id when the resource is no longer there). */
export async function namesOf(client: ApiClient): Promise<(id: string) => string> {
  const names = new Map((await catalogOf(client)).map((r) => [r.id, r.name]));
  return (id) => names.get(id) ?? id;
}

function requirements(entry: CatalogEntry): string {
  const needs = [entry.requireJustification ? 'a justification (--why)' : '', entry.requireTicket ? 'a ticket (--ticket)' : ''].filter(Boolean);
  return needs.length ? `needs ${needs.join(' and ')}` : 'no justification or ticket needed';
}

export function bounds(entry: CatalogEntry): string {
  return `up to ${formatMinutes(entry.maxDurationMinutes)} (${formatMinutes(entry.defaultDurationMinutes)} is recommended); ${requirements(entry)}`;
}

/** "; starts 2026-03-07T22:00:00.000Z" for a request whose access begins later (provisioning waits for it). */
const startsLater = (request: AccessRequest) => (request.startsAt && Date.parse(request.startsAt) > Date.now() ? `; starts ${request.startsAt}` : '');

/** Where a request is: its state, and for a pending one the step of the chain and who decides. */
export function whereIs(request: AccessRequest): string {
  const steps = request.policy?.approvalSteps ?? [];
  switch (request.status) {
    case 'pending_approval':
    case 'requested':
    case 'eligibility_checked': {
      const step = steps[request.currentStep];
      if (!step) return 'waiting for approval';
      const who = [...step.approverIds, ...step.approverRoles.map((r) => `anyone with the ${r} role`)];
      const decided = request.decisions.filter((d) => d.decision === 'approve').map((d) => d.approverId);
      return `waiting for approval: step ${request.currentStep + 1} of ${steps.length} (${step.name}${who.length ? `: ${who.join(', ')}` : ''})${decided.length ? `; approved so far by ${decided.join(', ')}` : ''}${startsLater(request)}`;
    }
    case 'approved':
      return `approved${request.grantId ? `; grant ${request.grantId}` : ''}${startsLater(request)}`;
    case 'denied':
      return `denied${request.outcomeReason ? `: ${request.outcomeReason}` : ''}`;
    case 'expired':
      return `expired without a decision${request.outcomeReason ? `: ${request.outcomeReason}` : ''}`;
    case 'cancelled':
      return `cancelled${request.outcomeReason ? `: ${request.outcomeReason}` : ''}`;
    case 'ineligible':
      return `not eligible${request.outcomeReason ? `: ${request.outcomeReason}` : ''}`;
  }
}

export const VERIFICATION_WORDS: Record<Grant['verification'], string> = {
  none: 'not verified yet',
  pending: 'verification pending',
  effective: 'verified in the directory',
  gone: 'verified gone',
  still_present: 'still present after revocation',
  drift: 'differs from the directory (drift)',
  inconclusive: 'verification inconclusive',
};
