/**
 * What one person's replica may hold, document by document: the authorisation matrix's SYNC_READ
 * (core/engine/access-matrix.ts) applied to the store. The pull and stream handlers filter every
 * document through a SyncView; nothing reaches a replica that this does not show.
 *
 * The view's `key` names everything that decides visibility and can change without the hidden
 * documents being written again: the account's roles and, for relation rules, the sets of
 * resources, policies and people the reader may see. Pulls answer it; a replica built under
 * another key drops its data and pulls again (docs/decisions/per-role-replication.md).
 */
import { createHash } from 'node:crypto';
import {
  checkEligibility,
  namesApprover,
  type AccessRequest,
  readRules,
  SYNC_READ_VERSION,
  type AccountRole,
  type AuditEvent,
  type CollectionName,
  type DirectoryUser,
  type ReadRule,
  type WireDoc,
} from '../../core/index.js';
import { requestsMentioning, type Candidates } from '../store/filtered-pull.js';
import { groupIdsOf } from '../store/memberships.js';
import type { Store } from '../store/types.js';

export type SyncReader = { id: string; roles: readonly AccountRole[] };

export type SyncView = {
  /** Changes whenever what this reader may see changes in a way new writes alone would not tell their replica. */
  readonly key: string;
  /** The reader may replicate this collection at all. */
  allows(collection: CollectionName): boolean;
  /** Every document of this collection is visible as stored (no filtering needed). */
  whole(collection: CollectionName): boolean;
  /** The document as this reader may see it, or null when they may not. */
  show<T extends object>(collection: CollectionName, doc: WireDoc<T>): WireDoc<T> | null;
  /**
   * An indexed condition every document `show` lets through meets, so a pull reads only those
   * rows (a requester's own requests among everyone's); null when the rules have none.
   */
  candidates(collection: CollectionName): Candidates | null;
};

const ACCESS_SUBJECTS: ReadonlySet<AuditEvent['subjectType']> = new Set(['request', 'grant', 'task', 'review']);
const CONFIGURATION_SUBJECTS: ReadonlySet<AuditEvent['subjectType']> = new Set(['policy', 'profile', 'resource', 'proposal', 'connector']);

/** The directory view of a person: no e-mail address, no directory object ids; a service identity keeps its kind and owners. */
export function directoryView<T extends object>(user: WireDoc<T>): WireDoc<T> {
  const { id, username, displayName, department, jobTitle, managerId, roles, disabled, kind, ownerIds, updatedAt, _deleted } = user as unknown as WireDoc<DirectoryUser>;
  const service = kind === 'service' ? { kind, ownerIds: ownerIds ?? [] } : {};
  return { id, username, displayName, email: '', department, ...(jobTitle ? { jobTitle } : {}), managerId, roles, externalIds: {}, disabled, ...service, updatedAt, _deleted } as unknown as WireDoc<T>;
}

/** The service identities (kind `service`) whose owners include this person: a text match inside SQLite, then each checked. */
export function identitiesOwnedBy(store: Store, userId: string): string[] {
  const rows = store.db
    .prepare("SELECT doc FROM documents WHERE collection = 'users' AND deleted = 0 AND instr(doc, '\"ownerIds\"') > 0 AND instr(doc, ?) > 0")
    .pluck()
    .all(JSON.stringify(userId)) as string[];
  return rows
    .map((doc) => JSON.parse(doc) as DirectoryUser)
    .filter((u) => u.kind === 'service' && (u.ownerIds ?? []).includes(userId))
    .map((u) => u.id)
    .sort();
}

type Relations = {
  /** The directory groups the reader is in (steps may name them as approvers). */
  groupIds: string[];
  requestIds: Set<string>;
  grantIds: Set<string>;
  resourceIds: Set<string>;
  policyIds: Set<string>;
  userIds: Set<string>;
  /** Service identities the reader owns: their grants are the reader's to give back or extend (core/engine/principal.ts). */
  ownedIdentityIds: string[];
};

/** The reader's own requests and grants, and the resources, policies and people those and their eligibility name. */
function relationsOf(store: Store, reader: SyncReader): Relations {
  const own = store.list('requests', { where: { requesterId: reader.id }, includeDeleted: true });
  // Requests whose steps name them or a group of theirs (a manager, a resource owner or a group member who holds only the requester role decides these).
  const groupIds = groupIdsOf(store.db, reader.id);
  const named = (requestsMentioning(store.db, reader.id, groupIds) as unknown as WireDoc<AccessRequest>[]).filter((r) => r.requesterId !== reader.id && namesApprover(r, reader.id, groupIds));
  const requests = [...own, ...named];
  const ownedIdentityIds = identitiesOwnedBy(store, reader.id);
  const grants = [reader.id, ...ownedIdentityIds].flatMap((userId) => store.list('grants', { where: { userId }, includeDeleted: true }));
  const stored = store.get('users', reader.id);
  const user = stored ? { ...stored, roles: [...reader.roles] } : null;
  const profiles = store.list('profiles');
  const resources = store.list('resources');
  const resourceIds = new Set<string>([...requests.map((r) => r.resourceId), ...grants.map((g) => g.resourceId)]);
  if (user) for (const resource of resources) if (checkEligibility(user, resource, profiles).ok) resourceIds.add(resource.id);
  const policyIds = new Set<string>();
  for (const resource of resources) if (resourceIds.has(resource.id)) for (const id of resource.policyIds) policyIds.add(id);
  const userIds = new Set<string>([reader.id, ...ownedIdentityIds]);
  for (const request of requests) {
    userIds.add(request.requesterId);
    if (request.onBehalfOf) userIds.add(request.onBehalfOf);
    for (const decision of request.decisions) userIds.add(decision.approverId);
    for (const step of request.policy?.approvalSteps ?? []) for (const id of step.approverIds) userIds.add(id);
  }
  return { groupIds, requestIds: new Set(requests.map((r) => r.id)), grantIds: new Set(grants.map((g) => g.id)), resourceIds, policyIds, userIds, ownedIdentityIds };
}

/**
 * relationsOf per reader, kept while no replicated document has changed (they share one global
 * seq): a console's first sync sends a pull per collection at once, and each pull and each commit
 * a live stream carries needs the reader's view, whose relations read the reader's requests (and
 * scan everyone's for steps naming them). Roles are part of the key; at most 256 readers are kept.
 */
const relationsCache = new WeakMap<Store, Map<string, { stamp: number; relations: Relations }>>();
const RELATIONS_KEPT = 256;

function cachedRelations(store: Store, reader: SyncReader): Relations {
  let cache = relationsCache.get(store);
  if (!cache) relationsCache.set(store, (cache = new Map()));
  const stamp = store.db.prepare('SELECT COALESCE(MAX(seq), 0) FROM documents').pluck().get() as number;
  const key = `${reader.id}\u0000${[...reader.roles].sort().join(',')}`;
  const kept = cache.get(key);
  if (kept && kept.stamp === stamp) return kept.relations;
  const relations = relationsOf(store, reader);
  cache.delete(key);
  cache.set(key, { stamp, relations });
  if (cache.size > RELATIONS_KEPT) cache.delete(cache.keys().next().value as string);
  return relations;
}

/** A review item any of whose stages names the reader as a reviewer (or that escalated to them). */
function reviewsItem(doc: Record<string, unknown>, readerId: string): boolean {
  if (doc.escalatedToId === readerId || (doc.reviewerIds as string[] | undefined)?.includes(readerId)) return true;
  return ((doc.stageDecisions as { reviewerIds: string[] }[] | undefined) ?? []).some((s) => s.reviewerIds.includes(readerId));
}

export function syncViewOf(store: Store, reader: SyncReader): SyncView {
  const rules = new Map<CollectionName, ReadRule[]>();
  const rulesOf = (collection: CollectionName) => {
    let found = rules.get(collection);
    if (!found) rules.set(collection, (found = readRules(reader.roles, collection)));
    return found;
  };
  let relations: Relations | undefined;
  const related = () => (relations ??= cachedRelations(store, reader));
  // Campaigns the reader owns: their items are all visible to them (an owner never changes).
  let owned: Set<string> | undefined;
  const ownedCampaigns = () => (owned ??= new Set(store.list('reviews', { where: { kind: 'campaign', ownerId: reader.id } }).map((c) => c.id)));
  const filtered = (collection: CollectionName, rule: ReadRule) => !rulesOf(collection).includes('all') && rulesOf(collection).includes(rule);

  const sorted = (set: Set<string>) => [...set].sort();
  const parts: unknown[] = [SYNC_READ_VERSION, [...reader.roles].sort()];
  // Sets that can gain documents written long ago (a new eligibility, a new approver): a change means re-pulling.
  if (filtered('resources', 'eligible') || filtered('policies', 'eligible')) parts.push(sorted(related().resourceIds), sorted(related().policyIds));
  if (filtered('users', 'related')) parts.push(sorted(related().userIds));
  // Joining a group named on a step makes requests written long ago the reader's to decide.
  if (filtered('requests', 'own') && related().groupIds.length > 0) parts.push(['groups', ...related().groupIds]);
  // Becoming an owner of a service identity makes its grants written long ago the reader's.
  if (filtered('grants', 'own') && related().ownedIdentityIds.length > 0) parts.push(['owns', ...related().ownedIdentityIds]);
  const key = createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 22);

  const visible = (collection: CollectionName, rule: ReadRule, doc: Record<string, unknown>): boolean => {
    switch (rule) {
      case 'all':
        return true;
      case 'none':
        return false;
      case 'own':
        switch (collection) {
          case 'requests':
            return doc.requesterId === reader.id || namesApprover(doc as unknown as AccessRequest, reader.id, related().groupIds);
          case 'grants':
            return doc.userId === reader.id || related().ownedIdentityIds.includes(doc.userId as string);
          case 'commands':
          case 'commandResults':
            return doc.actorId === reader.id;
          case 'tasks':
            return doc.assigneeId === reader.id;
          case 'verifications':
            return related().grantIds.has(doc.grantId as string);
          case 'audit':
            return (doc.subjectType === 'request' && related().requestIds.has(doc.subjectId as string)) || (doc.subjectType === 'grant' && related().grantIds.has(doc.subjectId as string));
          default:
            return false;
        }
      case 'eligible':
        if (collection === 'resources') return related().resourceIds.has(doc.id as string);
        if (collection === 'policies') return related().policyIds.has(doc.id as string);
        return false;
      case 'related':
        return collection === 'users' && related().userIds.has(doc.id as string);
      case 'directory':
        return collection === 'users';
      case 'access':
        return collection === 'audit' && ACCESS_SUBJECTS.has(doc.subjectType as AuditEvent['subjectType']);
      case 'configuration':
        return collection === 'audit' && CONFIGURATION_SUBJECTS.has(doc.subjectType as AuditEvent['subjectType']);
      case 'reviewing':
        if (collection !== 'reviews') return false;
        if (doc.kind === 'campaign') return doc.ownerId === reader.id || (doc.reviewerIds as string[] | undefined)?.includes(reader.id) === true;
        return reviewsItem(doc, reader.id) || ownedCampaigns().has(doc.campaignId as string);
    }
  };

  /** What one rule's visible documents all meet, by an indexed field; null when nothing indexed narrows it. */
  const candidatesOf = (collection: CollectionName, rule: ReadRule): Candidates | null => {
    if (rule !== 'own') return null;
    switch (collection) {
      case 'requests':
        // Their own and those naming them on a step: by id, the set relationsOf read.
        return { field: 'id', values: [...related().requestIds] };
      case 'grants':
        return { field: 'userId', values: [reader.id, ...related().ownedIdentityIds] };
      case 'verifications':
        return { field: 'grantId', values: [...related().grantIds] };
      case 'audit':
        return { field: 'subjectId', values: [...related().requestIds, ...related().grantIds] };
      default:
        return null;
    }
  };

  return {
    key,
    allows: (collection) => rulesOf(collection).length > 0,
    candidates(collection) {
      // Several roles see the union: one field for all of them, or no narrowing at all.
      const each = rulesOf(collection)
        .filter((rule) => rule !== 'none')
        .map((rule) => candidatesOf(collection, rule));
      const first = each[0];
      if (!first || each.some((c) => c === null || c.field !== first.field)) return null;
      return { field: first.field, values: [...new Set(each.flatMap((c) => c!.values))] };
    },
    whole: (collection) => rulesOf(collection).includes('all'),
    show(collection, doc) {
      const applying = rulesOf(collection);
      if (applying.includes('all')) return doc;
      if (!applying.some((rule) => visible(collection, rule, doc as unknown as Record<string, unknown>))) return null;
      return collection === 'users' ? directoryView(doc) : doc;
    },
  };
}
