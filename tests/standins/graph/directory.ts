import { SeededRandom } from './rng.js';

export type UserRecord = {
  id: string;
  displayName: string;
  userPrincipalName: string;
  mail: string | null;
  accountEnabled: boolean;
  givenName: string | null;
  surname: string | null;
  jobTitle: string | null;
  department: string | null;
  employeeType: string | null;
};

export type GroupRecord = {
  id: string;
  displayName: string;
  description: string | null;
  mailNickname: string;
  mailEnabled: boolean;
  securityEnabled: boolean;
  groupTypes: string[];
  isAssignableToRole: boolean;
};

/** A service principal (an application's or a managed identity's identity in the tenant), as Graph's servicePrincipal resource. */
export type ServicePrincipalRecord = {
  id: string;
  appId: string;
  displayName: string;
  accountEnabled: boolean;
  servicePrincipalType: 'Application' | 'ManagedIdentity' | 'Legacy' | 'SocialIdp';
  appOwnerOrganizationId: string | null;
};

export type RoleDefinitionRecord = {
  id: string;
  displayName: string;
  description: string;
  templateId: string;
  isBuiltIn: boolean;
  isEnabled: boolean;
};

export type ScheduleInfo = {
  startDateTime: string;
  expiration: { type: 'noExpiration' | 'afterDateTime' | 'afterDuration'; endDateTime: string | null; duration: string | null };
};

/** What Graph's role and PIM-for-groups schedule requests have in common. */
export type ScheduleRequestBase = {
  id: string;
  action: string;
  principalId: string;
  justification: string | null;
  status: string;
  createdDateTime: string;
  completedDateTime: string;
  approvalId: null;
  customData: null;
  isValidationOnly: boolean;
  targetScheduleId: string;
  scheduleInfo: ScheduleInfo;
  ticketInfo: { ticketNumber: string | null; ticketSystem: string | null };
  createdBy: { application: { id: string; displayName: string | null } };
};

export type RoleRequestRecord = ScheduleRequestBase & { roleDefinitionId: string; directoryScopeId: string; appScopeId: string | null };

export type RoleInstanceRecord = {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
  appScopeId: string | null;
  startDateTime: string;
  endDateTime: string | null;
  assignmentType: 'Assigned' | 'Activated';
  memberType: 'Direct';
  roleAssignmentOriginId: string;
  roleAssignmentScheduleId: string;
};

export type GroupAccessId = 'member' | 'owner';

export type GroupRequestRecord = ScheduleRequestBase & { groupId: string; accessId: GroupAccessId };

export type GroupInstanceRecord = {
  id: string;
  principalId: string;
  groupId: string;
  accessId: GroupAccessId;
  startDateTime: string;
  endDateTime: string | null;
  assignmentType: 'assigned' | 'activated';
  memberType: 'direct';
  assignmentScheduleId: string;
};

/** Every change to the directory, as data, so the primary and each replica apply the same thing. */
export type DirectoryOp =
  | { kind: 'putUser'; user: UserRecord }
  /** permanent: a hard delete (delta's @removed reason "deleted"); otherwise a soft delete ("changed"). */
  | { kind: 'deleteUser'; id: string; permanent: boolean }
  | { kind: 'setManager'; userId: string; managerId: string | null }
  | { kind: 'putGroup'; group: GroupRecord }
  | { kind: 'addMember'; groupId: string; memberId: string }
  | { kind: 'removeMember'; groupId: string; memberId: string }
  | { kind: 'addOwner'; groupId: string; ownerId: string }
  | { kind: 'putServicePrincipal'; servicePrincipal: ServicePrincipalRecord }
  | { kind: 'addServicePrincipalOwner'; servicePrincipalId: string; ownerId: string }
  | { kind: 'deleteServicePrincipal'; id: string }
  | { kind: 'putRoleDefinition'; roleDefinition: RoleDefinitionRecord }
  | { kind: 'putRoleRequest'; request: RoleRequestRecord }
  | { kind: 'putRoleInstance'; instance: RoleInstanceRecord }
  | { kind: 'deleteRoleInstance'; id: string }
  | { kind: 'putGroupRequest'; request: GroupRequestRecord }
  | { kind: 'putGroupInstance'; instance: GroupInstanceRecord }
  | { kind: 'deleteGroupInstance'; id: string };

export type DirectoryObject = { type: 'user'; record: UserRecord } | { type: 'group'; record: GroupRecord } | { type: 'servicePrincipal'; record: ServicePrincipalRecord };

function isActive(instance: { startDateTime: string; endDateTime: string | null }, nowMs: number): boolean {
  if (Date.parse(instance.startDateTime) > nowMs) return false;
  return instance.endDateTime === null || Date.parse(instance.endDateTime) > nowMs;
}

/**
 * Every id reachable from `startId` through `next`, breadth first, in the order first found,
 * without `startId` itself (cycles end there); only ids `follow` accepts are expanded further.
 */
function reachable(startId: string, next: (id: string) => string[], follow: (id: string) => boolean): string[] {
  const seen = new Set<string>();
  const queue = [startId];
  while (queue.length > 0) {
    const current = queue.shift() as string;
    for (const id of next(current)) {
      if (seen.has(id) || id === startId) continue;
      seen.add(id);
      if (follow(id)) queue.push(id);
    }
  }
  return [...seen];
}

/** One copy of the directory: the primary, or one replica. Records are replaced, never mutated. */
export class Directory {
  readonly users = new Map<string, UserRecord>();
  readonly groups = new Map<string, GroupRecord>();
  /** groupId -> direct member ids, in the order they were added. */
  readonly directMembers = new Map<string, Set<string>>();
  readonly directOwners = new Map<string, Set<string>>();
  readonly servicePrincipals = new Map<string, ServicePrincipalRecord>();
  /** servicePrincipalId -> its owners (users or other service principals). */
  readonly servicePrincipalOwners = new Map<string, Set<string>>();
  readonly roleDefinitions = new Map<string, RoleDefinitionRecord>();
  readonly roleRequests = new Map<string, RoleRequestRecord>();
  readonly roleInstances = new Map<string, RoleInstanceRecord>();
  readonly groupRequests = new Map<string, GroupRequestRecord>();
  readonly groupInstances = new Map<string, GroupInstanceRecord>();
  /** userId -> the manager's id (a navigation property in Graph, not a field of the user). */
  readonly managers = new Map<string, string>();
  /** Change tracking for delta queries; every copy applies the same ops in order, so the numbers agree. */
  readonly changes = new ChangeLog();

  apply(op: DirectoryOp): void {
    const log = this.changes;
    switch (op.kind) {
      case 'putUser':
        this.users.set(op.user.id, op.user);
        log.touchUser(op.user.id);
        return;
      case 'deleteUser': {
        if (!this.users.delete(op.id)) return;
        for (const [groupId, members] of this.directMembers) if (members.delete(op.id)) log.member(groupId, op.id, true);
        for (const [userId, managerId] of this.managers) if (managerId === op.id) this.apply({ kind: 'setManager', userId, managerId: null });
        this.managers.delete(op.id);
        log.removeUser(op.id, op.permanent ? 'deleted' : 'changed');
        return;
      }
      case 'setManager': {
        const former = this.managers.get(op.userId);
        if (op.managerId === null) this.managers.delete(op.userId);
        else this.managers.set(op.userId, op.managerId);
        log.touchUser(op.userId, former !== undefined && former !== op.managerId ? former : undefined);
        return;
      }
      case 'putGroup':
        this.groups.set(op.group.id, op.group);
        log.touchGroup(op.group.id);
        return;
      case 'addMember':
        this.setOf(this.directMembers, op.groupId).add(op.memberId);
        log.member(op.groupId, op.memberId, false);
        return;
      case 'removeMember':
        if (this.directMembers.get(op.groupId)?.delete(op.memberId)) log.member(op.groupId, op.memberId, true);
        return;
      case 'addOwner':
        this.setOf(this.directOwners, op.groupId).add(op.ownerId);
        return;
      case 'putServicePrincipal':
        this.servicePrincipals.set(op.servicePrincipal.id, op.servicePrincipal);
        log.touchServicePrincipal(op.servicePrincipal.id);
        return;
      case 'deleteServicePrincipal':
        // Gone from listings; a round begun after this no longer lists it (this stand-in keeps no @removed for them).
        this.servicePrincipals.delete(op.id);
        this.servicePrincipalOwners.delete(op.id);
        for (const [groupId, members] of this.directMembers) if (members.delete(op.id)) log.member(groupId, op.id, true);
        log.servicePrincipalSeq.delete(op.id);
        return;
      case 'addServicePrincipalOwner':
        this.setOf(this.servicePrincipalOwners, op.servicePrincipalId).add(op.ownerId);
        return;
      case 'putRoleDefinition':
        this.roleDefinitions.set(op.roleDefinition.id, op.roleDefinition);
        return;
      case 'putRoleRequest':
        this.roleRequests.set(op.request.id, op.request);
        return;
      case 'putRoleInstance':
        this.roleInstances.set(op.instance.id, op.instance);
        return;
      case 'deleteRoleInstance':
        this.roleInstances.delete(op.id);
        return;
      case 'putGroupRequest':
        this.groupRequests.set(op.request.id, op.request);
        return;
      case 'putGroupInstance':
        this.groupInstances.set(op.instance.id, op.instance);
        return;
      case 'deleteGroupInstance':
        this.groupInstances.delete(op.id);
        return;
    }
  }

  private setOf(map: Map<string, Set<string>>, key: string): Set<string> {
    let set = map.get(key);
    if (!set) {
      set = new Set();
      map.set(key, set);
    }
    return set;
  }

  object(id: string): DirectoryObject | undefined {
    const user = this.users.get(id);
    if (user) return { type: 'user', record: user };
    const group = this.groups.get(id);
    if (group) return { type: 'group', record: group };
    const servicePrincipal = this.servicePrincipals.get(id);
    if (servicePrincipal) return { type: 'servicePrincipal', record: servicePrincipal };
    return undefined;
  }

  isDirectMember(groupId: string, memberId: string): boolean {
    return this.directMembers.get(groupId)?.has(memberId) ?? false;
  }

  /** Principals holding an active PIM-for-groups assignment with this access to the group. */
  pimHolders(groupId: string, accessId: GroupAccessId, nowMs: number): string[] {
    const out: string[] = [];
    for (const instance of this.groupInstances.values()) {
      if (instance.groupId === groupId && instance.accessId === accessId && isActive(instance, nowMs)) out.push(instance.principalId);
    }
    return out;
  }

  /** Direct members plus active PIM-for-groups members: in Entra, PIM writes a real membership. */
  members(groupId: string, nowMs: number): string[] {
    return this.directPlusPim(this.directMembers, groupId, 'member', nowMs);
  }

  owners(groupId: string, nowMs: number): string[] {
    return this.directPlusPim(this.directOwners, groupId, 'owner', nowMs);
  }

  /** The direct holders of a group's members or owners, plus the active PIM holders, that still exist. */
  private directPlusPim(direct: Map<string, Set<string>>, groupId: string, accessId: GroupAccessId, nowMs: number): string[] {
    const ids = new Set(direct.get(groupId) ?? []);
    for (const id of this.pimHolders(groupId, accessId, nowMs)) ids.add(id);
    return [...ids].filter((id) => this.object(id) !== undefined);
  }

  isMember(groupId: string, memberId: string, nowMs: number): boolean {
    return this.members(groupId, nowMs).includes(memberId);
  }

  /** Every user and group below the group, nested groups included (as Graph's transitiveMembers). */
  transitiveMembers(groupId: string, nowMs: number): string[] {
    // Only groups have members, so only they are followed further.
    return reachable(groupId, (id) => this.members(id, nowMs), (id) => this.groups.has(id));
  }

  /** Groups the object is a direct member of. */
  memberOf(objectId: string, nowMs: number): string[] {
    const out: string[] = [];
    for (const groupId of this.groups.keys()) {
      if (this.members(groupId, nowMs).includes(objectId)) out.push(groupId);
    }
    return out;
  }

  transitiveMemberOf(objectId: string, nowMs: number): string[] {
    return reachable(objectId, (id) => this.memberOf(id, nowMs), () => true);
  }

  activeRoleInstances(nowMs: number): RoleInstanceRecord[] {
    return [...this.roleInstances.values()].filter((instance) => isActive(instance, nowMs));
  }

  activeGroupInstances(nowMs: number): GroupInstanceRecord[] {
    return [...this.groupInstances.values()].filter((instance) => isActive(instance, nowMs));
  }
}

export type RemovedReason = 'changed' | 'deleted';

/**
 * What changed, by a sequence number that grows with every tracked op: users and groups by their
 * last change, removals with their reason, membership changes one by one, and the manager a user
 * had before the last manager change (so a delta can say it was removed).
 */
export class ChangeLog {
  seq = 0;
  readonly userSeq = new Map<string, number>();
  readonly groupSeq = new Map<string, number>();
  /** Service principals by their last change; owners are a navigation property delta does not track. */
  readonly servicePrincipalSeq = new Map<string, number>();
  readonly removedUsers = new Map<string, { seq: number; reason: RemovedReason }>();
  readonly formerManager = new Map<string, { seq: number; managerId: string }>();
  readonly memberLog: Array<{ seq: number; groupId: string; memberId: string; removed: boolean }> = [];

  touchUser(id: string, formerManagerId?: string): void {
    this.seq++;
    this.userSeq.set(id, this.seq);
    this.removedUsers.delete(id);
    if (formerManagerId !== undefined) this.formerManager.set(id, { seq: this.seq, managerId: formerManagerId });
  }

  removeUser(id: string, reason: RemovedReason): void {
    this.seq++;
    this.userSeq.delete(id);
    this.removedUsers.set(id, { seq: this.seq, reason });
  }

  touchServicePrincipal(id: string): void {
    this.seq++;
    this.servicePrincipalSeq.set(id, this.seq);
  }

  touchGroup(id: string): void {
    this.seq++;
    this.groupSeq.set(id, this.seq);
  }

  member(groupId: string, memberId: string, removed: boolean): void {
    this.touchGroup(groupId);
    this.memberLog.push({ seq: this.seq, groupId, memberId, removed });
  }
}

export type ReplicationLag = { minMs: number; maxMs: number };

type Replica = { directory: Directory; pending: Array<{ visibleAtMs: number; op: DirectoryOp }>; lastVisibleAtMs: number };

/**
 * A primary that takes writes at once and replicas that apply them, in order, after a seeded
 * delay. Reads go to a seeded choice of replica, so reads right after a write can be stale
 * and two reads can disagree until all replicas caught up (as Entra's eventual consistency).
 */
export class ReplicatedDirectory {
  primary = new Directory();
  private replicas: Replica[] = [];
  private lag: ReplicationLag = { minMs: 0, maxMs: 0 };

  constructor(
    private readonly replicaCount: number,
    private readonly random: Pick<SeededRandom, 'next' | 'int'>,
    private readonly now: () => number,
  ) {
    if (!Number.isInteger(replicaCount) || replicaCount < 1 || replicaCount > 16) {
      throw new Error(`replicas must be an integer from 1 to 16, got ${String(replicaCount)}`);
    }
    this.clear();
  }

  clear(): void {
    this.primary = new Directory();
    this.replicas = Array.from({ length: this.replicaCount }, () => ({ directory: new Directory(), pending: [], lastVisibleAtMs: 0 }));
  }

  setLag(lag: ReplicationLag): void {
    if (!Number.isFinite(lag.minMs) || !Number.isFinite(lag.maxMs) || lag.minMs < 0 || lag.maxMs < lag.minMs) {
      throw new Error(`replicationLag needs 0 <= minMs <= maxMs, got ${JSON.stringify(lag)}`);
    }
    this.lag = { minMs: lag.minMs, maxMs: lag.maxMs };
  }

  getLag(): ReplicationLag {
    return { ...this.lag };
  }

  /** Seeding: visible everywhere at once. */
  seed(op: DirectoryOp): void {
    this.primary.apply(op);
    for (const replica of this.replicas) replica.directory.apply(op);
  }

  /** A write through the API: the primary now, each replica after its own delay. */
  write(op: DirectoryOp): void {
    this.primary.apply(op);
    const nowMs = this.now();
    for (const replica of this.replicas) {
      const delay = this.lag.maxMs === 0 ? 0 : this.lag.minMs + this.random.next() * (this.lag.maxMs - this.lag.minMs);
      const visibleAtMs = Math.max(replica.lastVisibleAtMs, nowMs + delay);
      replica.lastVisibleAtMs = visibleAtMs;
      replica.pending.push({ visibleAtMs, op });
    }
  }

  /** The replica that serves this read, caught up to now. */
  readView(): Directory {
    const index = this.replicas.length === 1 ? 0 : this.random.int(0, this.replicas.length - 1);
    return this.replicaView(index);
  }

  replicaView(index: number): Directory {
    const replica = this.replicas[index];
    if (!replica) throw new Error(`no replica ${index}; there are ${this.replicas.length}`);
    const nowMs = this.now();
    while (replica.pending.length > 0 && (replica.pending[0] as { visibleAtMs: number }).visibleAtMs <= nowMs) {
      replica.directory.apply((replica.pending.shift() as { op: DirectoryOp }).op);
    }
    return replica.directory;
  }

  /** Make every replica catch up at once. */
  settle(): void {
    for (const replica of this.replicas) {
      for (const { op } of replica.pending) replica.directory.apply(op);
      replica.pending = [];
      replica.lastVisibleAtMs = 0;
    }
  }

  /** Writes some replica has not applied yet at the current time. */
  pendingCount(): number {
    for (let i = 0; i < this.replicas.length; i++) this.replicaView(i);
    return this.replicas.reduce((sum, replica) => sum + replica.pending.length, 0);
  }

  get replicaTotal(): number {
    return this.replicas.length;
  }
}
