/**
 * The checks a policy or resource must pass beyond its schema, each naming its field. The server
 * refuses an upsert with the first problem (sync-server/commands/policy-upsert.ts,
 * resource-upsert.ts, as `payload.policy.<field>: <message>`); the console's editor shows every
 * one inline, on its field, as people type. Checks that need the store (a named person exists, the
 * chain still resolves for every resource) stay on the server.
 */
import type { AccessPolicy } from '../schema/policy.js';
import type { Resource } from '../schema/resource.js';
import { ticketHookProblems } from './ticket-check.js';
import { rulesAndWindowsProblems } from './auto-approval.js';

/** A field path inside the entity ("maxDurationMinutes", "approvalSteps.0.approverIds", "" for the whole), and what is wrong with it. */
export type ConfigProblem = { field: string; message: string };

type PolicyRules = Pick<AccessPolicy, 'defaultDurationMinutes' | 'maxDurationMinutes' | 'autoApprove' | 'breakGlass' | 'approvalSteps' | 'ticketSystem' | 'ticketPattern' | 'ticketCheck'>;

/** Every way the policy is refused for its shape, in the order the server names them. */
export function policyFieldProblems(policy: PolicyRules & Partial<Pick<AccessPolicy, 'autoApprovalRules' | 'accessWindows'>>): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  if (policy.defaultDurationMinutes > policy.maxDurationMinutes) {
    out.push({ field: 'defaultDurationMinutes', message: `must not exceed maxDurationMinutes (${policy.maxDurationMinutes})` });
  }
  if (policy.autoApprove && policy.approvalSteps.length > 0) {
    out.push({ field: 'autoApprove', message: 'a policy with approval steps cannot approve automatically' });
  }
  if (!policy.autoApprove && !policy.breakGlass && policy.approvalSteps.length === 0) {
    // Nobody could ever approve such a request: refuse the policy rather than strand its requests.
    out.push({ field: 'approvalSteps', message: 'a policy that neither approves automatically nor allows break-glass needs at least one approval step' });
  }
  const named = (step: PolicyRules['approvalSteps'][number]) => step.approverIds.length > 0 || step.includeResourceOwner || step.includeManager;
  const unnamed = policy.approvalSteps.flatMap((step, index) => (step.mode === 'all' && !named(step) ? [index] : []));
  for (const index of unnamed) out.push({ field: `approvalSteps.${index}.approverIds`, message: 'an all-of step needs named approvers' });
  for (const [index, step] of policy.approvalSteps.entries()) {
    if (!unnamed.includes(index) && !named(step) && step.approverRoles.length === 0 && (step.approverGroupIds ?? []).length === 0) {
      out.push({ field: `approvalSteps.${index}`, message: 'the step names no approver (approverIds, approverRoles, approverGroupIds, includeResourceOwner or includeManager)' });
    }
  }
  for (const [index, step] of policy.approvalSteps.entries()) {
    // "Each of a group" has no fixed end (members come and go, a group may be thousands): all-of names people.
    if (step.mode === 'all' && (step.approverGroupIds ?? []).length > 0) {
      out.push({ field: `approvalSteps.${index}.approverGroupIds`, message: 'an all-of step names its approvers one by one; approver groups need an any-of step (one member approves)' });
    }
  }
  // The pattern itself is checked for safety by the schema; here, that it belongs to the system that uses it.
  if (policy.ticketSystem === 'custom' && policy.ticketPattern === '') {
    out.push({ field: 'ticketPattern', message: 'a custom ticket system needs a pattern, such as OPS-\\d{4}' });
  }
  if (policy.ticketSystem !== 'custom' && policy.ticketPattern !== '') {
    out.push({ field: 'ticketPattern', message: `only a custom ticket system takes a pattern; ${policy.ticketSystem} has its own form` });
  }
  out.push(...ticketHookProblems(policy.ticketCheck));
  // Auto-approval rules and access windows: a condition each, hours, days and a time zone this host knows.
  out.push(...rulesAndWindowsProblems(policy));
  return out;
}

/** Which connector serves each kind of resource. */
export const CONNECTOR_OF_KIND = {
  entra_group: 'entra',
  entra_role: 'entra',
  entra_pim_group: 'entra',
  ad_group: 'ad',
  manual_role: 'manual',
  webhook_role: 'webhook',
} as const satisfies Record<Resource['kind'], Resource['connector']>;

/** Entra object ids (groups, role definitions) are GUIDs; letters, digits and hyphens keep them one plain path segment. */
const GRAPH_OBJECT_ID = /^[A-Za-z0-9-]{1,128}$/;

type ResourceRules = Pick<Resource, 'kind' | 'connector' | 'target' | 'policyIds'> & Partial<Pick<Resource, 'id' | 'conflictsWith'>>;

/** Every way the resource is refused for its shape, in the order the server names them. */
export function resourceFieldProblems(resource: ResourceRules): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  if (CONNECTOR_OF_KIND[resource.kind] !== resource.connector) {
    out.push({ field: 'connector', message: `a ${resource.kind} is served by the ${CONNECTOR_OF_KIND[resource.kind]} connector, not ${resource.connector}` });
  }
  if (CONNECTOR_OF_KIND[resource.kind] === 'entra' && !GRAPH_OBJECT_ID.test(resource.target.externalId)) {
    // The id becomes a Graph URL path segment: a "." or ".." there would address another object.
    out.push({ field: 'target.externalId', message: `an Entra object id has only letters, digits and hyphens (e.g. a GUID), not "${resource.target.externalId.slice(0, 64)}"` });
  }
  const repeated = resource.policyIds.find((id, i) => resource.policyIds.indexOf(id) !== i);
  if (repeated) out.push({ field: 'policyIds', message: `${repeated} is listed twice (its approval steps would count twice)` });
  if (resource.id !== undefined && (resource.conflictsWith ?? []).includes(resource.id)) {
    out.push({ field: 'conflictsWith', message: 'a resource cannot conflict with itself: name the other resource of the pair' });
  }
  return out;
}

/**
 * The field a server refusal names: "payload.policy.approvalSteps.0.approverIds: ..." is about
 * `approvalSteps.0.approverIds` of the policy. Null when the message names no field of that entity.
 */
export function refusedField(message: string, entity: 'policy' | 'profile' | 'resource'): ConfigProblem | null {
  const match = new RegExp(`^payload\\.${entity}(?:\\.([A-Za-z0-9_.]+))?: (.*)$`, 's').exec(message);
  if (!match) return null;
  return { field: match[1] ?? '', message: match[2] ?? '' };
}
