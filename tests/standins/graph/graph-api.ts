import type {
  Directory,
  DirectoryObject,
  GroupAccessId,
  GroupInstanceRecord,
  GroupRecord,
  GroupRequestRecord,
  ReplicatedDirectory,
  RoleInstanceRecord,
  RoleRequestRecord,
  ScheduleInfo,
  ScheduleRequestBase,
  ServicePrincipalRecord,
  UserRecord,
} from './directory.js';
import { deltaPage } from './delta.js';
import { SeededRandom } from './rng.js';
import { SIGN_IN_PERMISSION, withSignInActivity, type SignInSource } from './sign-in.js';
import { applyFilter, CursorSealer, GraphError, parseFilter, parseIsoDurationMs, parseSelect, project } from './odata.js';

/** One Graph request after authentication, whether it came alone or inside a `$batch`. */
export type GraphCall = {
  method: string;
  /** Path below `/v1.0`, starting with `/`, still percent-encoded. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: unknown;
  clientId: string;
};

export type GraphResult = { status: number; headers?: Record<string, string>; body?: unknown };

export type GraphApiContext = {
  directory: ReplicatedDirectory;
  random: SeededRandom;
  now: () => number;
  origin: string;
  defaultPageSize: number;
  maxPageSize: number;
  cursors: CursorSealer;
  appDisplayName: (clientId: string) => string | null;
  /** Users' sign-in activity, readable with AuditLog.Read.All (sign-in.ts). */
  signIns?: SignInSource;
};

export type Route = {
  method: 'GET' | 'POST' | 'DELETE';
  pattern: RegExp;
  /** Resource units this request costs against the per-app budget. */
  cost: number;
  write: boolean;
  /** Any one of these application permissions allows the call. */
  permissions: readonly string[];
  handle: (ctx: GraphApiContext, call: GraphCall, params: string[]) => GraphResult;
};

const READ_DIRECTORY = ['Directory.Read.All', 'Directory.ReadWrite.All'];
const READ_USERS = ['User.Read.All', 'User.ReadWrite.All', ...READ_DIRECTORY];
const READ_GROUPS = ['Group.Read.All', 'Group.ReadWrite.All', 'GroupMember.Read.All', 'GroupMember.ReadWrite.All', ...READ_DIRECTORY];
const WRITE_MEMBERS = ['GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'];
const READ_APPLICATIONS = ['Application.Read.All', 'Application.ReadWrite.All', ...READ_DIRECTORY];
const READ_ROLES = ['RoleManagement.Read.Directory', 'RoleManagement.ReadWrite.Directory', 'RoleManagement.Read.All', ...READ_DIRECTORY];
const WRITE_ROLE_SCHEDULES = ['RoleAssignmentSchedule.ReadWrite.Directory', 'RoleManagement.ReadWrite.Directory'];
const READ_ROLE_SCHEDULES = ['RoleAssignmentSchedule.Read.Directory', 'RoleManagement.Read.Directory', 'RoleManagement.Read.All', ...WRITE_ROLE_SCHEDULES];
const WRITE_GROUP_SCHEDULES = ['PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup', 'PrivilegedAccess.ReadWrite.AzureADGroup'];
const READ_GROUP_SCHEDULES = ['PrivilegedAssignmentSchedule.Read.AzureADGroup', 'PrivilegedAccess.Read.AzureADGroup', ...WRITE_GROUP_SCHEDULES];

/** Every application permission the stand-in knows; the default app holds them all. */
export const ALL_PERMISSIONS: readonly string[] = [
  ...new Set([...READ_USERS, ...READ_GROUPS, ...READ_APPLICATIONS, ...WRITE_MEMBERS, ...READ_ROLES, ...READ_ROLE_SCHEDULES, ...READ_GROUP_SCHEDULES, SIGN_IN_PERMISSION]),
];

const USER_FIELDS = ['id', 'displayName', 'userPrincipalName', 'mail', 'accountEnabled', 'givenName', 'surname', 'jobTitle', 'department', 'employeeType'] as const;
const GROUP_FIELDS = ['id', 'displayName', 'description', 'mailNickname', 'mailEnabled', 'securityEnabled', 'groupTypes', 'isAssignableToRole'] as const;
/** signInActivity is a user property returned only on $select (and only with AuditLog.Read.All). */
const USER_SELECT_FIELDS: readonly string[] = [...USER_FIELDS, 'signInActivity'];
const SERVICE_PRINCIPAL_FIELDS = ['id', 'appId', 'displayName', 'accountEnabled', 'servicePrincipalType', 'appOwnerOrganizationId'] as const;
const OBJECT_FIELDS: readonly string[] = [...new Set<string>([...USER_FIELDS, ...GROUP_FIELDS, ...SERVICE_PRINCIPAL_FIELDS])];

const notFound = (id: string): GraphError =>
  new GraphError(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);

function userJson(user: UserRecord, typed: boolean): Record<string, unknown> {
  return { ...(typed ? { '@odata.type': '#microsoft.graph.user' } : {}), ...user };
}

function groupJson(group: GroupRecord, typed: boolean): Record<string, unknown> {
  return { ...(typed ? { '@odata.type': '#microsoft.graph.group' } : {}), ...group, groupTypes: [...group.groupTypes] };
}

function servicePrincipalJson(sp: ServicePrincipalRecord, typed: boolean): Record<string, unknown> {
  return { ...(typed ? { '@odata.type': '#microsoft.graph.servicePrincipal' } : {}), ...sp };
}

function objectJson(object: DirectoryObject): Record<string, unknown> {
  if (object.type === 'servicePrincipal') return servicePrincipalJson(object.record, true);
  return object.type === 'user' ? userJson(object.record, true) : groupJson(object.record, true);
}

/** A single entity's answer body: its OData context, then its fields. */
function entityJson(ctx: GraphApiContext, contextName: string, fields: object): Record<string, unknown> {
  return { '@odata.context': `${ctx.origin}/v1.0/$metadata#${contextName}/$entity`, ...fields };
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new GraphError(400, 'BadRequest', `Invalid segment '${segment}' in the request URL.`);
  }
}

/** `$`-prefixed keys stay literal, as in Graph's own links. */
function encodeQuery(query: URLSearchParams): string {
  const parts: string[] = [];
  for (const [key, value] of query) parts.push(`${key}=${encodeURIComponent(value)}`);
  return parts.join('&');
}

function pageSize(ctx: GraphApiContext, call: GraphCall): number {
  const top = call.query.get('$top');
  if (top === null) return ctx.defaultPageSize;
  const n = Number(top);
  if (!Number.isInteger(n) || n < 1 || n > ctx.maxPageSize) {
    throw new GraphError(400, 'Request_BadRequest', `Invalid page size specified: '${top}'. Must be between 1 and ${ctx.maxPageSize} inclusive.`);
  }
  return n;
}

/** A collection answer with `$select`, `$top`, `$count` and an opaque absolute nextLink. */
function collection(ctx: GraphApiContext, call: GraphCall, contextName: string, items: Record<string, unknown>[], fields: readonly string[]): GraphResult {
  const select = parseSelect(call.query.get('$select'), fields);
  const size = pageSize(ctx, call);
  const withoutToken = new URLSearchParams(call.query);
  withoutToken.delete('$skiptoken');
  const fingerprint = `${call.path.toLowerCase()}?${[...withoutToken].map(([k, v]) => `${k}=${v}`).sort().join('&')}`;
  const token = call.query.get('$skiptoken');
  const offset = token === null ? 0 : ctx.cursors.open(token, fingerprint);
  const page = items.slice(offset, offset + size).map((item) => project(item, select));
  const body: Record<string, unknown> = { '@odata.context': `${ctx.origin}/v1.0/$metadata#${contextName}` };
  const wantsCount = (call.query.get('$count') ?? '').toLowerCase() === 'true';
  if (wantsCount && (call.headers['consistencylevel'] ?? '').toLowerCase() === 'eventual') body['@odata.count'] = items.length;
  if (offset + size < items.length) {
    const next = new URLSearchParams(withoutToken);
    next.set('$skiptoken', ctx.cursors.seal(fingerprint, offset + size));
    body['@odata.nextLink'] = `${ctx.origin}/v1.0${call.path}?${encodeQuery(next)}`;
  }
  body.value = page;
  return { status: 200, body };
}

function listObjects(ctx: GraphApiContext, call: GraphCall, view: Directory, ids: string[], cast: string | undefined, contextName: string): GraphResult {
  let objects = ids.map((id) => view.object(id)).filter((o): o is DirectoryObject => o !== undefined);
  if (cast) {
    const type = ({ 'microsoft.graph.user': 'user', 'microsoft.graph.group': 'group', 'microsoft.graph.serviceprincipal': 'servicePrincipal' } as const)[cast.toLowerCase() as 'microsoft.graph.user'];
    if (!type) throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${cast}'.`);
    objects = objects.filter((o) => o.type === type);
  }
  const filterText = call.query.get('$filter');
  const items = applyFilter(objects.map(objectJson), parseFilter(filterText), OBJECT_FIELDS, filterText ?? '');
  return collection(ctx, call, contextName, items, OBJECT_FIELDS);
}

function requireUser(view: Directory, id: string): UserRecord {
  const user = view.users.get(id);
  if (!user) throw notFound(id);
  return user;
}

function requireGroup(view: Directory, id: string): GroupRecord {
  const group = view.groups.get(id);
  if (!group) throw notFound(id);
  return group;
}

function requireObject(view: Directory, id: string): DirectoryObject {
  const object = view.object(id);
  if (!object) throw notFound(id);
  return object;
}

function bodyObject(call: GraphCall): Record<string, unknown> {
  if (typeof call.body !== 'object' || call.body === null || Array.isArray(call.body)) {
    throw new GraphError(400, 'BadRequest', 'Empty Payload. JSON content expected.');
  }
  return call.body as Record<string, unknown>;
}

function stringField(body: Record<string, unknown>, name: string, required: true): string;
function stringField(body: Record<string, unknown>, name: string, required: false): string | undefined;
function stringField(body: Record<string, unknown>, name: string, required: boolean): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) {
    if (required) throw new GraphError(400, 'BadRequest', `The request is missing the required property '${name}'.`);
    return undefined;
  }
  if (typeof value !== 'string' || value.length === 0) throw new GraphError(400, 'BadRequest', `Property '${name}' must be a non-empty string.`);
  return value;
}

/** The id at the end of an `@odata.id` reference such as `https://graph.microsoft.com/v1.0/directoryObjects/{id}`. */
function referencedId(call: GraphCall): string {
  const body = bodyObject(call);
  const ref = body['@odata.id'];
  if (typeof ref !== 'string' || ref.length === 0) {
    throw new GraphError(400, 'Request_BadRequest', "The request is missing the required property '@odata.id'.");
  }
  const match = /\/(?:directoryObjects|users|groups|servicePrincipals)\/([^/?#]+)\/?$/i.exec(ref) ?? /^\{?([0-9a-zA-Z-]+)\}?$/.exec(ref);
  if (!match) throw new GraphError(400, 'Request_BadRequest', `Invalid object identifier '${ref}'.`);
  return decode(match[1] as string);
}

// ---- PIM ---------------------------------------------------------------------------------

const ASSIGN_ACTIONS = ['adminAssign', 'selfActivate'];
const REMOVE_ACTIONS = ['adminRemove', 'selfDeactivate'];
const CHANGE_ACTIONS = ['adminUpdate', 'adminExtend', 'adminRenew', 'selfExtend', 'selfRenew'];
const ALL_ACTIONS = [...ASSIGN_ACTIONS, ...REMOVE_ACTIONS, ...CHANGE_ACTIONS];
const MIN_ACTIVE_MS = 5 * 60 * 1000;

function parseScheduleInfo(raw: unknown, nowMs: number): { info: ScheduleInfo; startMs: number; endMs: number | null } {
  const source = raw === undefined || raw === null ? {} : raw;
  if (typeof source !== 'object' || Array.isArray(source)) throw new GraphError(400, 'BadRequest', "Property 'scheduleInfo' must be an object.");
  const info = source as Record<string, unknown>;
  const startText = info.startDateTime;
  let startMs = nowMs;
  if (startText !== undefined && startText !== null) {
    if (typeof startText !== 'string' || Number.isNaN(Date.parse(startText))) throw new GraphError(400, 'BadRequest', "Property 'scheduleInfo.startDateTime' must be an ISO 8601 date-time.");
    startMs = Date.parse(startText);
  }
  const expirationRaw = info.expiration ?? { type: 'noExpiration' };
  if (typeof expirationRaw !== 'object' || expirationRaw === null) throw new GraphError(400, 'BadRequest', "Property 'scheduleInfo.expiration' must be an object.");
  const expiration = expirationRaw as Record<string, unknown>;
  const type = expiration.type ?? (expiration.endDateTime ? 'afterDateTime' : expiration.duration ? 'afterDuration' : 'noExpiration');
  let endMs: number | null = null;
  let duration: string | null = null;
  if (type === 'afterDateTime') {
    const end = expiration.endDateTime;
    if (typeof end !== 'string' || Number.isNaN(Date.parse(end))) throw new GraphError(400, 'BadRequest', "Property 'scheduleInfo.expiration.endDateTime' must be an ISO 8601 date-time when type is afterDateTime.");
    endMs = Date.parse(end);
  } else if (type === 'afterDuration') {
    const d = expiration.duration;
    const ms = typeof d === 'string' ? parseIsoDurationMs(d) : undefined;
    if (ms === undefined || ms <= 0) throw new GraphError(400, 'BadRequest', "Property 'scheduleInfo.expiration.duration' must be an ISO 8601 duration such as PT8H when type is afterDuration.");
    duration = d as string;
    endMs = startMs + ms;
  } else if (type !== 'noExpiration') {
    throw new GraphError(400, 'BadRequest', "Property 'scheduleInfo.expiration.type' must be noExpiration, afterDateTime or afterDuration.");
  }
  if (endMs !== null && endMs <= startMs) throw new GraphError(400, 'BadRequest', 'The schedule ends before it starts.');
  if (endMs !== null && endMs <= nowMs) throw new GraphError(400, 'BadRequest', 'The schedule has already expired.');
  return {
    info: {
      startDateTime: new Date(startMs).toISOString(),
      expiration: { type: type as ScheduleInfo['expiration']['type'], endDateTime: endMs === null ? null : new Date(endMs).toISOString(), duration },
    },
    startMs,
    endMs,
  };
}

function commonRequestFields(ctx: GraphApiContext, call: GraphCall, body: Record<string, unknown>) {
  const action = stringField(body, 'action', true);
  if (!ALL_ACTIONS.includes(action)) {
    throw new GraphError(400, 'BadRequest', `Property 'action' must be one of ${ALL_ACTIONS.join(', ')}; got '${action}'.`);
  }
  const principalId = stringField(body, 'principalId', true);
  const justification = stringField(body, 'justification', false) ?? null;
  const ticketRaw = body.ticketInfo;
  const ticket = typeof ticketRaw === 'object' && ticketRaw !== null ? (ticketRaw as Record<string, unknown>) : {};
  const ticketInfo = {
    ticketNumber: typeof ticket.ticketNumber === 'string' ? ticket.ticketNumber : null,
    ticketSystem: typeof ticket.ticketSystem === 'string' ? ticket.ticketSystem : null,
  };
  const nowMs = ctx.now();
  const isValidationOnly = body.isValidationOnly === true;
  const createdBy = { application: { id: call.clientId, displayName: ctx.appDisplayName(call.clientId) } };
  return { action, principalId, justification, ticketInfo, nowMs, isValidationOnly, createdBy };
}

type CommonRequest = ReturnType<typeof commonRequestFields>;
type ParsedSchedule = ReturnType<typeof parseScheduleInfo>;

/**
 * What a schedule request does to the assignment it targets, the same for roles and groups: an
 * assign creates one (Scheduled when it starts later), a remove ends it, any other action moves
 * its end. Returns the request's status and the write to make unless it is validation only.
 */
function planAssignmentChange<I extends { id: string; startDateTime: string; endDateTime: string | null }>(
  common: CommonRequest,
  schedule: ParsedSchedule,
  existing: I | undefined,
  how: { create(): I; put(instance: I): void; remove(id: string): void; tooSoonMessage: string },
): { status: string; write(): void } {
  if (ASSIGN_ACTIONS.includes(common.action)) {
    if (existing) throw new GraphError(400, 'RoleAssignmentExists', 'The Role assignment already exists.');
    const instance = how.create();
    return { status: schedule.startMs > common.nowMs ? 'Scheduled' : 'Provisioned', write: () => how.put(instance) };
  }
  if (!existing) throw new GraphError(400, 'RoleAssignmentDoesNotExist', 'The Role assignment does not exist.');
  if (REMOVE_ACTIONS.includes(common.action)) {
    if (common.action === 'selfDeactivate' && common.nowMs - Date.parse(existing.startDateTime) < MIN_ACTIVE_MS) {
      throw new GraphError(400, 'ActiveDurationTooShort', how.tooSoonMessage);
    }
    return { status: 'Revoked', write: () => how.remove(existing.id) };
  }
  const updated: I = { ...existing, endDateTime: schedule.info.expiration.endDateTime };
  return { status: 'Provisioned', write: () => how.put(updated) };
}

/** The fields every schedule request record has, completed at once (the stand-in has no approvals). */
function requestRecord(id: string, common: CommonRequest, status: string, targetScheduleId: string, schedule: ParsedSchedule): ScheduleRequestBase {
  const nowIso = new Date(common.nowMs).toISOString();
  return {
    id,
    action: common.action,
    principalId: common.principalId,
    justification: common.justification,
    status,
    createdDateTime: nowIso,
    completedDateTime: nowIso,
    approvalId: null,
    customData: null,
    isValidationOnly: common.isValidationOnly,
    targetScheduleId,
    scheduleInfo: schedule.info,
    ticketInfo: common.ticketInfo,
    createdBy: common.createdBy,
  };
}

/** Makes the change and keeps the request, unless it is validation only; answers 201 with the request. */
function answerRequest(ctx: GraphApiContext, common: CommonRequest, plan: { write(): void }, keepRequest: () => void, contextName: string, request: ScheduleRequestBase): GraphResult {
  if (!common.isValidationOnly) {
    plan.write();
    keepRequest();
  }
  return { status: 201, body: entityJson(ctx, contextName, request) };
}

const ROLE_REQUESTS_CONTEXT = 'roleManagement/directory/roleAssignmentScheduleRequests';
const GROUP_REQUESTS_CONTEXT = 'identityGovernance/privilegedAccess/group/assignmentScheduleRequests';

function createRoleRequest(ctx: GraphApiContext, call: GraphCall): GraphResult {
  const body = bodyObject(call);
  const common = commonRequestFields(ctx, call, body);
  const roleDefinitionId = stringField(body, 'roleDefinitionId', true);
  const directoryScopeId = stringField(body, 'directoryScopeId', false);
  const appScopeId = stringField(body, 'appScopeId', false) ?? null;
  if (directoryScopeId === undefined && appScopeId === null) {
    throw new GraphError(400, 'BadRequest', "Either 'directoryScopeId' or 'appScopeId' is required.");
  }
  const scope = directoryScopeId ?? '/';
  const primary = ctx.directory.primary;
  requireObject(primary, common.principalId);
  if (!primary.roleDefinitions.has(roleDefinitionId)) throw notFound(roleDefinitionId);
  const schedule = parseScheduleInfo(body.scheduleInfo, common.nowMs);
  const existing = primary
    .activeRoleInstances(common.nowMs)
    .concat([...primary.roleInstances.values()].filter((i) => Date.parse(i.startDateTime) > common.nowMs))
    .find((i) => i.principalId === common.principalId && i.roleDefinitionId === roleDefinitionId && i.directoryScopeId === scope);
  const requestId = ctx.random.uuid();
  const targetScheduleId = existing?.roleAssignmentScheduleId ?? ctx.random.uuid();
  const plan = planAssignmentChange(common, schedule, existing, {
    create: (): RoleInstanceRecord => ({
      id: ctx.random.uuid(),
      principalId: common.principalId,
      roleDefinitionId,
      directoryScopeId: scope,
      appScopeId,
      startDateTime: schedule.info.startDateTime,
      endDateTime: schedule.info.expiration.endDateTime,
      assignmentType: common.action === 'selfActivate' ? 'Activated' : 'Assigned',
      memberType: 'Direct',
      roleAssignmentOriginId: ctx.random.uuid(),
      roleAssignmentScheduleId: targetScheduleId,
    }),
    put: (instance) => ctx.directory.write({ kind: 'putRoleInstance', instance }),
    remove: (id) => ctx.directory.write({ kind: 'deleteRoleInstance', id }),
    tooSoonMessage: 'The role assignment cannot be deactivated within 5 minutes of activation.',
  });
  const request: RoleRequestRecord = { ...requestRecord(requestId, common, plan.status, targetScheduleId, schedule), roleDefinitionId, directoryScopeId: scope, appScopeId };
  return answerRequest(ctx, common, plan, () => ctx.directory.write({ kind: 'putRoleRequest', request }), ROLE_REQUESTS_CONTEXT, request);
}

function parseAccessId(body: Record<string, unknown>): GroupAccessId {
  const accessId = stringField(body, 'accessId', true);
  if (accessId !== 'member' && accessId !== 'owner') throw new GraphError(400, 'BadRequest', `Property 'accessId' must be member or owner; got '${accessId}'.`);
  return accessId;
}

function createGroupRequest(ctx: GraphApiContext, call: GraphCall): GraphResult {
  const body = bodyObject(call);
  const common = commonRequestFields(ctx, call, body);
  const groupId = stringField(body, 'groupId', true);
  const accessId = parseAccessId(body);
  const primary = ctx.directory.primary;
  requireObject(primary, common.principalId);
  requireGroup(primary, groupId);
  const schedule = parseScheduleInfo(body.scheduleInfo, common.nowMs);
  const existing = [...primary.groupInstances.values()].find(
    (i) =>
      i.principalId === common.principalId &&
      i.groupId === groupId &&
      i.accessId === accessId &&
      (i.endDateTime === null || Date.parse(i.endDateTime) > common.nowMs),
  );
  const targetScheduleId = existing?.assignmentScheduleId ?? ctx.random.uuid();
  const plan = planAssignmentChange(common, schedule, existing, {
    create: (): GroupInstanceRecord => ({
      id: ctx.random.uuid(),
      principalId: common.principalId,
      groupId,
      accessId,
      startDateTime: schedule.info.startDateTime,
      endDateTime: schedule.info.expiration.endDateTime,
      assignmentType: common.action === 'selfActivate' ? 'activated' : 'assigned',
      memberType: 'direct',
      assignmentScheduleId: targetScheduleId,
    }),
    put: (instance) => ctx.directory.write({ kind: 'putGroupInstance', instance }),
    remove: (id) => ctx.directory.write({ kind: 'deleteGroupInstance', id }),
    tooSoonMessage: 'The assignment cannot be deactivated within 5 minutes of activation.',
  });
  const request: GroupRequestRecord = { ...requestRecord(ctx.random.uuid(), common, plan.status, targetScheduleId, schedule), groupId, accessId };
  return answerRequest(ctx, common, plan, () => ctx.directory.write({ kind: 'putGroupRequest', request }), GROUP_REQUESTS_CONTEXT, request);
}

const ROLE_REQUEST_FIELDS = ['id', 'action', 'principalId', 'roleDefinitionId', 'directoryScopeId', 'appScopeId', 'status', 'createdDateTime', 'completedDateTime', 'justification', 'targetScheduleId', 'scheduleInfo', 'isValidationOnly', 'approvalId', 'customData', 'ticketInfo', 'createdBy'];
const ROLE_INSTANCE_FIELDS = ['id', 'principalId', 'roleDefinitionId', 'directoryScopeId', 'appScopeId', 'startDateTime', 'endDateTime', 'assignmentType', 'memberType', 'roleAssignmentOriginId', 'roleAssignmentScheduleId'];
const GROUP_REQUEST_FIELDS = ['id', 'action', 'principalId', 'groupId', 'accessId', 'status', 'createdDateTime', 'completedDateTime', 'justification', 'targetScheduleId', 'scheduleInfo', 'isValidationOnly', 'approvalId', 'customData', 'ticketInfo', 'createdBy'];
const GROUP_INSTANCE_FIELDS = ['id', 'principalId', 'groupId', 'accessId', 'startDateTime', 'endDateTime', 'assignmentType', 'memberType', 'assignmentScheduleId'];

function filteredList(ctx: GraphApiContext, call: GraphCall, contextName: string, items: Record<string, unknown>[], filterable: string[], fields: string[], requireOneOf?: string[]): GraphResult {
  const filterText = call.query.get('$filter');
  const clauses = parseFilter(filterText);
  if (requireOneOf && !clauses.some((c) => requireOneOf.includes(c.property))) {
    throw new GraphError(400, 'BadRequest', `A $filter on ${requireOneOf.join(' or ')} is required for this request.`);
  }
  return collection(ctx, call, contextName, applyFilter(items, clauses, filterable, filterText ?? ''), fields);
}

const asRecords = <T extends object>(items: T[]): Record<string, unknown>[] => items.map((item) => ({ ...item }) as Record<string, unknown>);

const ROLE_BASE = '/roleManagement/directory';
const GROUP_PIM_BASE = '/identityGovernance/privilegedAccess/group';
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const route = (path: string): RegExp => new RegExp(`^${path.split('([^/]+)').map(esc).join('([^/]+)')}/?$`, 'i');
const CAST = '(?:/(microsoft\\.graph\\.(?:user|group|servicePrincipal)))?';
const castRoute = (path: string): RegExp => new RegExp(`^${path.split('([^/]+)').map(esc).join('([^/]+)')}${CAST}/?$`, 'i');

/** A user's or group's related directory objects (`/groups/{id}/members`), optionally cast to users or groups. */
function relationRoute(owner: 'users' | 'groups' | 'servicePrincipals', relation: 'members' | 'transitiveMembers' | 'owners' | 'memberOf' | 'transitiveMemberOf', cost: number): Route {
  return {
    method: 'GET', pattern: castRoute(`/${owner}/([^/]+)/${relation}`), cost, write: false, permissions: owner === 'servicePrincipals' ? READ_APPLICATIONS : READ_GROUPS,
    handle: (ctx, call, [id, cast]) => {
      const view = ctx.directory.readView();
      const key = decode(id as string);
      if (owner === 'servicePrincipals') {
        const sp = view.servicePrincipals.get(key);
        if (!sp) throw notFound(key);
        // A service principal's owners are its own list; its memberships are read like anyone's.
        const ids = relation === 'owners' ? [...(view.servicePrincipalOwners.get(sp.id) ?? [])] : relation === 'memberOf' || relation === 'transitiveMemberOf' ? view[relation](sp.id, ctx.now()) : [];
        return listObjects(ctx, call, view, ids, cast, 'directoryObjects');
      }
      const subject = owner === 'users' ? requireUser(view, key) : requireGroup(view, key);
      return listObjects(ctx, call, view, view[relation](subject.id, ctx.now()), cast, 'directoryObjects');
    },
  };
}

/** One record by its id from a collection of the directory, as it is stored. */
function byIdRoute(path: string, permissions: readonly string[], contextName: string, records: (view: Directory) => ReadonlyMap<string, object>): Route {
  return {
    method: 'GET', pattern: route(`${path}/([^/]+)`), cost: 1, write: false, permissions,
    handle: (ctx, _call, [id]) => {
      const key = decode(id as string);
      const record = records(ctx.directory.readView()).get(key);
      if (!record) throw notFound(key);
      return { status: 200, body: entityJson(ctx, contextName, record) };
    },
  };
}

const DELTA = '(?:microsoft\\.graph\\.)?delta(?:\\(\\))?';

export const ROUTES: Route[] = [
  // Before /users/{id}: "delta" is a function, not an id.
  { method: 'GET', pattern: new RegExp(`^/users/${DELTA}/?$`, 'i'), cost: 2, write: false, permissions: READ_USERS, handle: (ctx, call) => deltaPage(ctx, call, 'users') },
  { method: 'GET', pattern: new RegExp(`^/groups/${DELTA}/?$`, 'i'), cost: 2, write: false, permissions: READ_GROUPS, handle: (ctx, call) => deltaPage(ctx, call, 'groups') },
  { method: 'GET', pattern: new RegExp(`^/servicePrincipals/${DELTA}/?$`, 'i'), cost: 2, write: false, permissions: READ_APPLICATIONS, handle: (ctx, call) => deltaPage(ctx, call, 'servicePrincipals') },
  {
    method: 'GET', pattern: route('/users'), cost: 2, write: false, permissions: READ_USERS,
    handle: (ctx, call) => {
      const filterText = call.query.get('$filter');
      const users = [...ctx.directory.readView().users.values()].map((u) => userJson(u, false));
      const filtered = applyFilter(users, parseFilter(filterText), [...USER_FIELDS], filterText ?? '');
      return collection(ctx, call, 'users', withSignInActivity(ctx.signIns, call.clientId, call.query.get('$select'), filtered), USER_SELECT_FIELDS);
    },
  },
  {
    method: 'GET', pattern: route('/users/([^/]+)'), cost: 2, write: false, permissions: READ_USERS,
    handle: (ctx, call, [id]) => {
      const view = ctx.directory.readView();
      const key = decode(id as string);
      const user = view.users.get(key) ?? [...view.users.values()].find((u) => u.userPrincipalName.toLowerCase() === key.toLowerCase());
      if (!user) throw notFound(key);
      const select = parseSelect(call.query.get('$select'), USER_SELECT_FIELDS);
      const [withActivity] = withSignInActivity(ctx.signIns, call.clientId, call.query.get('$select'), [userJson(user, false)]);
      return { status: 200, body: entityJson(ctx, 'users', project(withActivity as Record<string, unknown>, select)) };
    },
  },
  relationRoute('users', 'memberOf', 3),
  relationRoute('users', 'transitiveMemberOf', 5),
  {
    method: 'GET', pattern: route('/groups'), cost: 2, write: false, permissions: READ_GROUPS,
    handle: (ctx, call) => {
      const filterText = call.query.get('$filter');
      const groups = [...ctx.directory.readView().groups.values()].map((g) => groupJson(g, false));
      return collection(ctx, call, 'groups', applyFilter(groups, parseFilter(filterText), [...GROUP_FIELDS], filterText ?? ''), GROUP_FIELDS);
    },
  },
  {
    method: 'GET', pattern: route('/groups/([^/]+)'), cost: 2, write: false, permissions: READ_GROUPS,
    handle: (ctx, call, [id]) => {
      const group = requireGroup(ctx.directory.readView(), decode(id as string));
      const select = parseSelect(call.query.get('$select'), GROUP_FIELDS);
      return { status: 200, body: entityJson(ctx, 'groups', project(groupJson(group, false), select)) };
    },
  },
  relationRoute('groups', 'members', 3),
  relationRoute('groups', 'transitiveMembers', 5),
  relationRoute('groups', 'owners', 3),
  relationRoute('groups', 'memberOf', 3),
  relationRoute('groups', 'transitiveMemberOf', 5),
  relationRoute('servicePrincipals', 'owners', 1),
  relationRoute('servicePrincipals', 'memberOf', 3),
  relationRoute('servicePrincipals', 'transitiveMemberOf', 5),
  byIdRoute('/servicePrincipals', READ_APPLICATIONS, 'servicePrincipals', (view) => view.servicePrincipals),
  {
    method: 'POST', pattern: route('/groups/([^/]+)/members/$ref'), cost: 1, write: true, permissions: WRITE_MEMBERS,
    handle: (ctx, call, [id]) => {
      const primary = ctx.directory.primary;
      const group = requireGroup(primary, decode(id as string));
      const memberId = referencedId(call);
      requireObject(primary, memberId);
      if (memberId === group.id) throw new GraphError(400, 'Request_BadRequest', 'A group cannot be a member of itself.');
      if (primary.isMember(group.id, memberId, ctx.now())) {
        throw new GraphError(400, 'Request_BadRequest', "One or more added object references already exist for the following modified properties: 'members'.");
      }
      ctx.directory.write({ kind: 'addMember', groupId: group.id, memberId });
      return { status: 204 };
    },
  },
  {
    method: 'DELETE', pattern: route('/groups/([^/]+)/members/([^/]+)/$ref'), cost: 1, write: true, permissions: WRITE_MEMBERS,
    handle: (ctx, _call, [id, member]) => {
      const primary = ctx.directory.primary;
      const group = requireGroup(primary, decode(id as string));
      const memberId = decode(member as string);
      if (!primary.isDirectMember(group.id, memberId)) {
        if (primary.isMember(group.id, memberId, ctx.now())) {
          throw new GraphError(400, 'Request_BadRequest', 'This membership is held by a privileged access assignment; end it with an adminRemove assignment schedule request.');
        }
        throw notFound(memberId);
      }
      ctx.directory.write({ kind: 'removeMember', groupId: group.id, memberId });
      return { status: 204 };
    },
  },
  {
    method: 'GET', pattern: route('/directoryObjects/([^/]+)'), cost: 1, write: false, permissions: [...new Set([...READ_USERS, ...READ_GROUPS])],
    handle: (ctx, call, [id]) => {
      const object = requireObject(ctx.directory.readView(), decode(id as string));
      const select = parseSelect(call.query.get('$select'), OBJECT_FIELDS);
      return { status: 200, body: entityJson(ctx, 'directoryObjects', project(objectJson(object), select)) };
    },
  },
  {
    method: 'GET', pattern: route(`${ROLE_BASE}/roleDefinitions`), cost: 1, write: false, permissions: READ_ROLES,
    handle: (ctx, call) =>
      filteredList(ctx, call, 'roleManagement/directory/roleDefinitions', asRecords([...ctx.directory.readView().roleDefinitions.values()]), ['id', 'displayName', 'templateId', 'isBuiltIn'], ['id', 'displayName', 'description', 'templateId', 'isBuiltIn', 'isEnabled']),
  },
  byIdRoute(`${ROLE_BASE}/roleDefinitions`, READ_ROLES, 'roleManagement/directory/roleDefinitions', (view) => view.roleDefinitions),
  {
    method: 'POST', pattern: route(`${ROLE_BASE}/roleAssignmentScheduleRequests`), cost: 1, write: true, permissions: WRITE_ROLE_SCHEDULES,
    handle: (ctx, call) => createRoleRequest(ctx, call),
  },
  {
    method: 'GET', pattern: route(`${ROLE_BASE}/roleAssignmentScheduleRequests`), cost: 1, write: false, permissions: READ_ROLE_SCHEDULES,
    handle: (ctx, call) =>
      filteredList(ctx, call, ROLE_REQUESTS_CONTEXT, asRecords([...ctx.directory.readView().roleRequests.values()]), ['id', 'principalId', 'roleDefinitionId', 'directoryScopeId', 'action', 'status'], ROLE_REQUEST_FIELDS),
  },
  byIdRoute(`${ROLE_BASE}/roleAssignmentScheduleRequests`, READ_ROLE_SCHEDULES, ROLE_REQUESTS_CONTEXT, (view) => view.roleRequests),
  {
    method: 'GET', pattern: route(`${ROLE_BASE}/roleAssignmentScheduleInstances`), cost: 1, write: false, permissions: READ_ROLE_SCHEDULES,
    handle: (ctx, call) =>
      filteredList(ctx, call, 'roleManagement/directory/roleAssignmentScheduleInstances', asRecords(ctx.directory.readView().activeRoleInstances(ctx.now())), ['id', 'principalId', 'roleDefinitionId', 'directoryScopeId', 'assignmentType'], ROLE_INSTANCE_FIELDS),
  },
  {
    method: 'POST', pattern: route(`${GROUP_PIM_BASE}/assignmentScheduleRequests`), cost: 1, write: true, permissions: WRITE_GROUP_SCHEDULES,
    handle: (ctx, call) => createGroupRequest(ctx, call),
  },
  {
    method: 'GET', pattern: route(`${GROUP_PIM_BASE}/assignmentScheduleRequests`), cost: 1, write: false, permissions: READ_GROUP_SCHEDULES,
    handle: (ctx, call) =>
      filteredList(ctx, call, GROUP_REQUESTS_CONTEXT, asRecords([...ctx.directory.readView().groupRequests.values()]), ['id', 'groupId', 'principalId', 'accessId', 'action', 'status'], GROUP_REQUEST_FIELDS, ['groupId', 'principalId']),
  },
  byIdRoute(`${GROUP_PIM_BASE}/assignmentScheduleRequests`, READ_GROUP_SCHEDULES, GROUP_REQUESTS_CONTEXT, (view) => view.groupRequests),
  {
    method: 'GET', pattern: route(`${GROUP_PIM_BASE}/assignmentScheduleInstances`), cost: 1, write: false, permissions: READ_GROUP_SCHEDULES,
    handle: (ctx, call) =>
      filteredList(ctx, call, 'identityGovernance/privilegedAccess/group/assignmentScheduleInstances', asRecords(ctx.directory.readView().activeGroupInstances(ctx.now())), ['id', 'groupId', 'principalId', 'accessId', 'assignmentType'], GROUP_INSTANCE_FIELDS, ['groupId', 'principalId']),
  },
];

export type RouteMatch = { route: Route; params: string[] } | { route: undefined; methodAllowed: boolean };

export function matchRoute(method: string, path: string): RouteMatch {
  let pathMatched = false;
  for (const candidate of ROUTES) {
    const m = candidate.pattern.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (candidate.method === method.toUpperCase()) return { route: candidate, params: m.slice(1).map((p) => p ?? '') };
  }
  return { route: undefined, methodAllowed: !pathMatched };
}
