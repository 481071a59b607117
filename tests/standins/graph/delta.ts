import type { Directory, GroupRecord, UserRecord } from './directory.js';
import type { GraphApiContext, GraphCall, GraphResult } from './graph-api.js';
import { GraphError, parseSelect, project } from './odata.js';

/**
 * `GET /users/delta` and `GET /groups/delta`, as Microsoft documents them: the first round lists
 * every object and ends with an `@odata.deltaLink`; following it later gives what changed since
 * (changed objects with their selected properties, removed ones as `{ id, "@removed": { reason } }`
 * where reason `changed` is a soft delete and `deleted` a permanent one). Pages are chained by
 * `@odata.nextLink`; both links carry only an opaque `$skiptoken` / `$deltatoken` holding the
 * query's `$select`, as Graph's do. `manager` in a user's `$select` adds `manager@delta`;
 * `members` in a group's adds `members@delta` (all members first, then only the changes).
 * Page size: `Prefer: odata.maxpagesize=N` (Graph's delta ignores `$top`).
 */

type DeltaState = {
  kind: 'users' | 'groups' | 'servicePrincipals';
  select: string[] | null;
  /** Changes after this sequence number belong to this round (0: the first, full round). */
  since: number;
  /** ...up to this one, fixed when the round began, so paging never skips an object. */
  until: number;
  /** Keyset paging by id: the last id of the previous page. */
  after: string;
};

export const DELTA_USER_FIELDS = ['id', 'displayName', 'userPrincipalName', 'mail', 'accountEnabled', 'givenName', 'surname', 'jobTitle', 'department', 'employeeType', 'manager'] as const;
/** servicePrincipal: delta, as documented: its properties; owners are read from /servicePrincipals/{id}/owners. */
export const DELTA_SERVICE_PRINCIPAL_FIELDS = ['id', 'appId', 'displayName', 'accountEnabled', 'servicePrincipalType', 'appOwnerOrganizationId'] as const;
export const DELTA_GROUP_FIELDS = ['id', 'displayName', 'description', 'mailNickname', 'mailEnabled', 'securityEnabled', 'groupTypes', 'isAssignableToRole', 'members'] as const;

function pageSize(ctx: GraphApiContext, call: GraphCall): number {
  const prefer = /odata\.maxpagesize\s*=\s*(\d+)/i.exec(call.headers['prefer'] ?? '');
  const n = prefer ? Number(prefer[1]) : ctx.defaultPageSize;
  return Math.max(1, Math.min(ctx.maxPageSize, n));
}

function stateOf(ctx: GraphApiContext, call: GraphCall, kind: DeltaState['kind'], view: Directory): DeltaState {
  const skip = call.query.get('$skiptoken');
  const delta = call.query.get('$deltatoken');
  if (skip !== null || delta !== null) {
    for (const key of call.query.keys()) {
      if (key !== '$skiptoken' && key !== '$deltatoken') throw new GraphError(400, 'BadRequest', `Query option '${key}' cannot be combined with a state token: the token carries the query of the first request.`);
    }
    const state = ctx.cursors.openState((skip ?? delta) as string, 'BadRequest') as DeltaState;
    if (state.kind !== kind) throw new GraphError(400, 'BadRequest', 'The state token was issued for another resource.');
    // A delta token starts a new round from where the last one ended.
    return delta !== null ? { ...state, since: state.until, until: view.changes.seq, after: '' } : state;
  }
  for (const key of call.query.keys()) {
    if (key !== '$select') throw new GraphError(400, 'BadRequest', `Query option '${key}' is not supported by delta on ${kind}.`);
  }
  const fields = kind === 'users' ? DELTA_USER_FIELDS : kind === 'groups' ? DELTA_GROUP_FIELDS : DELTA_SERVICE_PRINCIPAL_FIELDS;
  const select = parseSelect(call.query.get('$select'), fields) ?? null;
  return { kind, select, since: 0, until: view.changes.seq, after: '' };
}

function userItem(view: Directory, state: DeltaState, user: UserRecord): Record<string, unknown> {
  const item = project({ ...user }, state.select?.filter((f) => f !== 'manager'));
  const wantsManager = state.select === null || state.select.includes('manager');
  if (!wantsManager) return item;
  const managerId = view.managers.get(user.id);
  const former = view.changes.formerManager.get(user.id);
  const entries: Record<string, unknown>[] = [];
  // A round after the first tells a removed (or replaced) manager too.
  if (state.since > 0 && former && former.seq > state.since && former.seq <= state.until && former.managerId !== managerId) {
    entries.push({ '@odata.type': '#microsoft.graph.user', id: former.managerId, '@removed': { reason: 'deleted' } });
  }
  if (managerId) entries.push({ '@odata.type': '#microsoft.graph.user', id: managerId });
  if (entries.length > 0) item['manager@delta'] = entries;
  return item;
}

function groupItem(view: Directory, state: DeltaState, group: GroupRecord): Record<string, unknown> {
  const item = project({ ...group, groupTypes: [...group.groupTypes] }, state.select?.filter((f) => f !== 'members'));
  if (state.select !== null && !state.select.includes('members')) return item;
  const typeOf = (id: string): string => (view.groups.has(id) ? '#microsoft.graph.group' : '#microsoft.graph.user');
  if (state.since === 0) {
    item['members@delta'] = [...(view.directMembers.get(group.id) ?? [])].map((id) => ({ '@odata.type': typeOf(id), id }));
    return item;
  }
  // The last change to each member in this round, in order.
  const last = new Map<string, boolean>();
  for (const entry of view.changes.memberLog) {
    if (entry.groupId === group.id && entry.seq > state.since && entry.seq <= state.until) last.set(entry.memberId, entry.removed);
  }
  if (last.size > 0) {
    item['members@delta'] = [...last].map(([id, removed]) => ({ '@odata.type': typeOf(id), id, ...(removed ? { '@removed': { reason: 'deleted' } } : {}) }));
  }
  return item;
}

/** Sorted ids of a round, kept while the directory copy is unchanged (a 100,000-user round pages through it). */
const roundCache = new WeakMap<Directory, { key: string; ids: string[] }>();

/** The ids in this round, in id order: objects changed in (since, until], and (after the first round) the removed. */
function roundIds(view: Directory, state: DeltaState): string[] {
  const key = `${state.kind}:${state.since}:${state.until}:${view.changes.seq}`;
  let cached = roundCache.get(view);
  if (cached?.key !== key) {
    const inRound = (seq: number): boolean => seq > state.since && seq <= state.until;
    const ids: string[] = [];
    const seqs = state.kind === 'users' ? view.changes.userSeq : state.kind === 'groups' ? view.changes.groupSeq : view.changes.servicePrincipalSeq;
    for (const [id, seq] of seqs) if (inRound(seq)) ids.push(id);
    if (state.kind === 'users' && state.since > 0) for (const [id, removed] of view.changes.removedUsers) if (inRound(removed.seq)) ids.push(id);
    cached = { key, ids: ids.sort() };
    roundCache.set(view, cached);
  }
  const all = cached.ids;
  let lo = 0;
  let hi = all.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((all[mid] as string) <= state.after) lo = mid + 1;
    else hi = mid;
  }
  return all.slice(lo);
}

export function deltaPage(ctx: GraphApiContext, call: GraphCall, kind: DeltaState['kind']): GraphResult {
  const view = ctx.directory.readView();
  const state = stateOf(ctx, call, kind, view);
  const size = pageSize(ctx, call);
  const ids = roundIds(view, state);
  const page = ids.slice(0, size);
  const value = page.map((id) => {
    if (kind === 'users') {
      const user = view.users.get(id);
      if (user) return userItem(view, state, user);
      return { id, '@removed': { reason: view.changes.removedUsers.get(id)?.reason ?? 'deleted' } };
    }
    if (kind === 'servicePrincipals') return project({ ...(view.servicePrincipals.get(id) as object) } as Record<string, unknown>, state.select ?? undefined);
    const group = view.groups.get(id) as GroupRecord;
    return groupItem(view, state, group);
  });
  const selected = state.select ? `(${state.select.join(',')})` : '';
  const body: Record<string, unknown> = { '@odata.context': `${ctx.origin}/v1.0/$metadata#${kind}${selected}` };
  if (ids.length > size) {
    body['@odata.nextLink'] = `${ctx.origin}/v1.0/${kind}/delta?$skiptoken=${ctx.cursors.sealState({ ...state, after: page[page.length - 1] as string })}`;
  } else {
    body['@odata.deltaLink'] = `${ctx.origin}/v1.0/${kind}/delta?$deltatoken=${ctx.cursors.sealState({ ...state, after: '' })}`;
  }
  body.value = value;
  return { status: 200, body };
}
