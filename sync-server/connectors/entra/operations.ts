import type { AssignmentRef, ConnectorOutcome, Resource } from '../../../core/index.js';
import { graphError, type GraphHttp, type GraphResponse } from './graph-http.js';

/** One Graph write for one grant, and how to read its answer. Shared by single calls and $batch. */
export type WriteOp = {
  method: 'POST' | 'DELETE';
  /** Relative to the version root, as $batch wants it: `/groups/{id}/members/$ref`. */
  url: string;
  body?: unknown;
  interpret: (response: GraphResponse) => Promise<ConnectorOutcome>;
};

export const ENTRA_KINDS = ['entra_group', 'entra_role', 'entra_pim_group'] as const;
export type EntraKind = (typeof ENTRA_KINDS)[number];

export function isEntraKind(kind: Resource['kind']): kind is EntraKind {
  return (ENTRA_KINDS as readonly string[]).includes(kind);
}

/** One URL path segment. A dot segment would be resolved by the URL parser and address another object: refused. */
const seg = (value: string): string => {
  if (value === '' || value === '.' || value === '..') throw new Error(`"${value}" is not a directory object id`);
  return encodeURIComponent(value);
};

/** OData string literal: single quotes are doubled. */
export const odataString = (value: string): string => `'${value.replace(/'/g, "''")}'`;

export const ROLE_REQUESTS = '/roleManagement/directory/roleAssignmentScheduleRequests';
export const ROLE_INSTANCES = '/roleManagement/directory/roleAssignmentScheduleInstances';
export const PIM_GROUP_REQUESTS = '/identityGovernance/privilegedAccess/group/assignmentScheduleRequests';
export const PIM_GROUP_INSTANCES = '/identityGovernance/privilegedAccess/group/assignmentScheduleInstances';

/** Error codes that will not change by retrying the same request. */
const PERMANENT_CODES = new Set(['Authorization_RequestDenied', 'Request_UnsupportedQuery', 'Forbidden', 'InvalidRequest', 'BadRequest']);

/** Any answer the operation did not expect, typed by Graph's error code (never its message). */
export function unexpected(response: GraphResponse, what: string): ConnectorOutcome {
  const error = graphError(response.body);
  const code = error?.code ?? `http_${response.status}`;
  // 401: the token may have been revoked or expired mid-flight; a new one is fetched on retry.
  const retryable = response.status === 401 || response.status === 409 || response.status >= 500 || response.status === 429 || (response.status === 404 && !PERMANENT_CODES.has(code));
  return {
    status: 'failed',
    retryable: retryable && !PERMANENT_CODES.has(code),
    code,
    message: `${what} answered ${response.status}${error?.message ? `: ${error.message}` : ''}`,
  };
}

function justificationFor(ref: AssignmentRef, action: 'grant' | 'revoke'): string {
  // The grant id in the justification ties the directory's own audit trail to ours.
  const base = action === 'grant' ? `JIT grant ${ref.grantId}` : `JIT grant ${ref.grantId} ended`;
  return ref.justification ? `${base}: ${ref.justification}`.slice(0, 500) : base;
}

function scheduleInfo(ref: AssignmentRef, now: Date): Record<string, unknown> {
  return {
    startDateTime: now.toISOString(),
    expiration: ref.expiresAt ? { type: 'afterDateTime', endDateTime: ref.expiresAt } : { type: 'noExpiration' },
  };
}

function requireTarget(ref: AssignmentRef): { groupOrRoleId: string; scope: string; accessId: 'member' | 'owner' } {
  return {
    groupOrRoleId: ref.resource.target.externalId,
    scope: ref.resource.target.directoryScopeId ?? '/',
    accessId: ref.resource.target.accessId ?? 'member',
  };
}

/**
 * Adding a member that is already there answers 400 `Request_BadRequest`, a code Graph also
 * uses for other refusals. A read decides which it was; if the read cannot confirm (replica
 * lag), the write is retried later, which is harmless.
 */
async function confirmMembership(graph: GraphHttp, groupId: string, principalId: string): Promise<boolean> {
  const result = await graph.getAll(`/groups/${seg(groupId)}/members?$select=id&$filter=${encodeURIComponent(`id eq ${odataString(principalId)}`)}`);
  if (!result.ok) return false;
  return result.items.some((item) => (item as { id?: unknown }).id === principalId);
}

export function provisionOp(ref: AssignmentRef, graph: GraphHttp, now: Date): WriteOp {
  const kind = ref.resource.kind;
  const { groupOrRoleId, scope, accessId } = requireTarget(ref);
  if (kind === 'entra_group') {
    const url = `/groups/${seg(groupOrRoleId)}/members/$ref`;
    return {
      method: 'POST',
      url,
      body: { '@odata.id': graph.directoryObjectUrl(ref.principalId) },
      interpret: async (response) => {
        if (response.status === 204 || response.status === 200) return { status: 'applied', detail: `added ${ref.principalId} to group ${groupOrRoleId}` };
        const error = graphError(response.body);
        if (response.status === 400 && error?.code === 'Request_BadRequest') {
          if (await confirmMembership(graph, groupOrRoleId, ref.principalId)) {
            return { status: 'applied', alreadyInState: true, detail: `${ref.principalId} was already a member of group ${groupOrRoleId}` };
          }
          return { status: 'failed', retryable: true, code: error.code, message: `adding ${ref.principalId} to group ${groupOrRoleId} was refused and a read could not confirm an existing membership` };
        }
        return unexpected(response, `POST ${url}`);
      },
    };
  }
  if (kind === 'entra_role') {
    return {
      method: 'POST',
      url: ROLE_REQUESTS,
      body: {
        action: 'adminAssign',
        principalId: ref.principalId,
        roleDefinitionId: groupOrRoleId,
        directoryScopeId: scope,
        justification: justificationFor(ref, 'grant'),
        scheduleInfo: scheduleInfo(ref, now),
      },
      interpret: async (response) => {
        if (response.status === 201 || response.status === 200) return { status: 'applied', detail: `role ${groupOrRoleId} assigned to ${ref.principalId} (request ${(response.body as { id?: string } | null)?.id ?? '?'})` };
        if (graphError(response.body)?.code === 'RoleAssignmentExists') {
          return { status: 'applied', alreadyInState: true, detail: `${ref.principalId} already holds role ${groupOrRoleId}` };
        }
        return unexpected(response, `POST ${ROLE_REQUESTS} adminAssign`);
      },
    };
  }
  if (kind === 'entra_pim_group') {
    return {
      method: 'POST',
      url: PIM_GROUP_REQUESTS,
      body: {
        action: 'adminAssign',
        accessId,
        principalId: ref.principalId,
        groupId: groupOrRoleId,
        justification: justificationFor(ref, 'grant'),
        scheduleInfo: scheduleInfo(ref, now),
      },
      interpret: async (response) => {
        if (response.status === 201 || response.status === 200) return { status: 'applied', detail: `${accessId} of group ${groupOrRoleId} assigned to ${ref.principalId}` };
        if (graphError(response.body)?.code === 'RoleAssignmentExists') {
          return { status: 'applied', alreadyInState: true, detail: `${ref.principalId} already holds ${accessId} of group ${groupOrRoleId}` };
        }
        return unexpected(response, `POST ${PIM_GROUP_REQUESTS} adminAssign`);
      },
    };
  }
  throw new Error(`resource kind ${kind} is not served by the Entra connector`);
}

/**
 * `confirmGone` reads the directory after an adminRemove answered 400 RoleAssignmentDoesNotExist.
 * Microsoft's v1.0 pages for these requests document only the 201; the "does not exist" code is
 * documented for PIM's older API, and is what Graph answers. It is taken as already removed only
 * once a read (matched on every field) shows no active assignment; otherwise it is retried.
 */
export function revokeOp(ref: AssignmentRef, confirmGone?: () => Promise<boolean>): WriteOp {
  const kind = ref.resource.kind;
  const { groupOrRoleId, scope, accessId } = requireTarget(ref);
  const tooShort = (response: GraphResponse): ConnectorOutcome | undefined =>
    graphError(response.body)?.code === 'ActiveDurationTooShort'
      ? { status: 'failed', retryable: true, code: 'ActiveDurationTooShort', message: 'the directory refuses to end an assignment within 5 minutes of its start', retryAfterMs: 60_000 }
      : undefined;
  if (kind === 'entra_group') {
    const url = `/groups/${seg(groupOrRoleId)}/members/${seg(ref.principalId)}/$ref`;
    return {
      method: 'DELETE',
      url,
      interpret: async (response) => {
        if (response.status === 204 || response.status === 200) return { status: 'applied', detail: `removed ${ref.principalId} from group ${groupOrRoleId}` };
        if (response.status === 404 && graphError(response.body)?.code === 'Request_ResourceNotFound') {
          return { status: 'applied', alreadyInState: true, detail: `${ref.principalId} was not a member of group ${groupOrRoleId}` };
        }
        return unexpected(response, `DELETE ${url}`);
      },
    };
  }
  if (kind === 'entra_role') {
    return {
      method: 'POST',
      url: ROLE_REQUESTS,
      body: { action: 'adminRemove', principalId: ref.principalId, roleDefinitionId: groupOrRoleId, directoryScopeId: scope, justification: justificationFor(ref, 'revoke') },
      interpret: async (response) => {
        if (response.status === 201 || response.status === 200) return { status: 'applied', detail: `role ${groupOrRoleId} removed from ${ref.principalId}` };
        if (graphError(response.body)?.code === 'RoleAssignmentDoesNotExist') {
          if (!confirmGone || (await confirmGone())) return { status: 'applied', alreadyInState: true, detail: `${ref.principalId} did not hold role ${groupOrRoleId} (adminRemove: RoleAssignmentDoesNotExist; a read shows no active assignment)` };
          return { status: 'failed', retryable: true, code: 'RoleAssignmentDoesNotExist', message: `adminRemove of role ${groupOrRoleId} said it does not exist, yet a read still shows an active assignment` };
        }
        return tooShort(response) ?? unexpected(response, `POST ${ROLE_REQUESTS} adminRemove`);
      },
    };
  }
  if (kind === 'entra_pim_group') {
    return {
      method: 'POST',
      url: PIM_GROUP_REQUESTS,
      body: { action: 'adminRemove', accessId, principalId: ref.principalId, groupId: groupOrRoleId, justification: justificationFor(ref, 'revoke') },
      interpret: async (response) => {
        if (response.status === 201 || response.status === 200) return { status: 'applied', detail: `${accessId} of group ${groupOrRoleId} removed from ${ref.principalId}` };
        if (graphError(response.body)?.code === 'RoleAssignmentDoesNotExist') {
          if (!confirmGone || (await confirmGone())) return { status: 'applied', alreadyInState: true, detail: `${ref.principalId} did not hold ${accessId} of group ${groupOrRoleId} (adminRemove: RoleAssignmentDoesNotExist; a read shows no active assignment)` };
          return { status: 'failed', retryable: true, code: 'RoleAssignmentDoesNotExist', message: `adminRemove of ${accessId} of group ${groupOrRoleId} said it does not exist, yet a read still shows an active assignment` };
        }
        return tooShort(response) ?? unexpected(response, `POST ${PIM_GROUP_REQUESTS} adminRemove`);
      },
    };
  }
  throw new Error(`resource kind ${kind} is not served by the Entra connector`);
}
