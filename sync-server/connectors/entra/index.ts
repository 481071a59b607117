import type { Assignment, AssignmentRef, Connector, ConnectorOutcome, PrincipalReport, VerificationReadResult, VerifyOutcome } from '../../../core/index.js';
import { sleep as realSleep } from '../backoff.js';
import type { EntraConnectorConfig } from '../config.js';
import { GraphHttp, graphError, type BatchItem, type Failure, type GraphDeps, type GraphResult } from './graph-http.js';
import { describeEntraPrincipals } from './principals.js';
import { isEntraKind, odataString, PIM_GROUP_INSTANCES, provisionOp, revokeOp, ROLE_INSTANCES, type WriteOp } from './operations.js';

export type EntraConnectorDeps = GraphDeps & { now?: () => number };

/** Entra object ids are GUIDs: letters, digits and hyphens only. */
const GRAPH_OBJECT_ID = /^[A-Za-z0-9-]{1,128}$/;

/** Graph's limit on requests in one $batch. */
export const BATCH_LIMIT = 20;

/** One URL path segment. A dot segment would be resolved by the URL parser and address another object: refused. */
const seg = (value: string): string => {
  if (value === '' || value === '.' || value === '..') throw new Error(`"${value}" is not a directory object id`);
  return encodeURIComponent(value);
};
const filter = (expr: string): string => `$filter=${encodeURIComponent(expr)}`;

type PresenceRead = { ok: true; present: boolean; detail: string } | { ok: false; failure: Failure };

/** Microsoft Entra ID: group membership, directory roles (PIM) and PIM for groups, through Microsoft Graph. */
export class EntraConnector implements Connector {
  readonly kind = 'entra' as const;
  readonly id: string;
  /** The first app registration: reads, and writes when it is the least busy. */
  readonly graph: GraphHttp;
  /** Every app registration that writes (the first one included). */
  private readonly writers: { graph: GraphHttp; clientId: string; inFlight: number }[];
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  /** How the scheduler re-reads this connector's ended grants (its config's `reverification`). */
  readonly reverification: EntraConnectorConfig['reverification'];

  constructor(
    readonly config: EntraConnectorConfig,
    deps: EntraConnectorDeps = {},
  ) {
    this.id = config.id;
    this.reverification = config.reverification;
    this.graph = new GraphHttp(config, deps);
    // More app registrations of the same tenant: each its own credential, budget and pacer.
    this.writers = [
      { graph: this.graph, clientId: config.clientId, inFlight: 0 },
      ...(config.additionalApps ?? []).map((app) => {
        const { clientId, clientSecret, certificatePath, writeBudget } = app;
        const own: EntraConnectorConfig = { ...config, clientId, clientSecret, certificatePath, writeBudget: writeBudget ?? config.writeBudget, additionalApps: undefined };
        return { graph: new GraphHttp(own, deps), clientId, inFlight: 0 };
      }),
    ];
    this.sleep = deps.sleep ?? realSleep;
    this.now = deps.now ?? Date.now;
  }

  private refused(ref: AssignmentRef): ConnectorOutcome | undefined {
    if (!isEntraKind(ref.resource.kind)) {
      return { status: 'failed', retryable: false, code: 'unsupported_resource', message: `resource kind ${ref.resource.kind} is not served by the Entra connector` };
    }
    if (ref.resource.connectorId !== this.id) {
      return { status: 'failed', retryable: false, code: 'wrong_connector', message: `resource ${ref.resource.id} belongs to connector ${ref.resource.connectorId}, not ${this.id}` };
    }
    if (!ref.principalId) return { status: 'failed', retryable: false, code: 'no_principal', message: `grant ${ref.grantId}: the user has no Entra object id` };
    // Both ids become URL path segments; anything else (a "..", a "/") would address another object.
    for (const [what, id] of [['principal', ref.principalId], ['target', ref.resource.target.externalId]] as const) {
      if (!GRAPH_OBJECT_ID.test(id)) return { status: 'failed', retryable: false, code: 'invalid_object_id', message: `grant ${ref.grantId}: the ${what} id "${id.slice(0, 64)}" is not an Entra object id` };
    }
    return undefined;
  }

  /** The app registration to write with now: not paused, fewest writes in flight, most budget left. */
  private pickWriter(): { graph: GraphHttp; clientId: string; inFlight: number } {
    let best = this.writers[0]!;
    for (const w of this.writers.slice(1)) {
      const a = [w.graph.writePacer.pauseRemainingMs(), w.inFlight, -w.graph.writePacer.available()];
      const b = [best.graph.writePacer.pauseRemainingMs(), best.inFlight, -best.graph.writePacer.available()];
      if (a[0]! < b[0]! || (a[0] === b[0] && (a[1]! < b[1]! || (a[1] === b[1] && a[2]! < b[2]!)))) best = w;
    }
    return best;
  }

  /** Says which app registration acted, when there is more than one. */
  private via<T extends ConnectorOutcome>(outcome: T, clientId: string): T {
    if (outcome.status !== 'applied' || this.writers.length < 2) return outcome;
    return { ...outcome, actedVia: clientId, detail: `${outcome.detail} (app ${clientId})` };
  }

  private async runOne(op: WriteOp): Promise<ConnectorOutcome> {
    const writer = this.pickWriter();
    writer.inFlight++;
    try {
      const result = await writer.graph.request(op.method, op.url, { body: op.body, isWrite: true });
      if (!result.ok) return result.failure;
      return this.via(await op.interpret(result.response), writer.clientId);
    } finally {
      writer.inFlight--;
    }
  }

  async provision(ref: AssignmentRef): Promise<ConnectorOutcome> {
    return this.refused(ref) ?? (await this.runOne(provisionOp(ref, this.graph, new Date(this.now()))));
  }

  async revoke(ref: AssignmentRef): Promise<ConnectorOutcome> {
    return this.refused(ref) ?? (await this.runOne(revokeOp(ref, () => this.confirmGone(ref))));
  }

  async provisionMany(refs: AssignmentRef[]): Promise<Map<string, ConnectorOutcome>> {
    return await this.runMany(refs, (ref) => provisionOp(ref, this.graph, new Date(this.now())));
  }

  async revokeMany(refs: AssignmentRef[]): Promise<Map<string, ConnectorOutcome>> {
    return await this.runMany(refs, (ref) => revokeOp(ref, () => this.confirmGone(ref)));
  }

  /** Writes in $batches of 20, a few batches in flight; keyed by grant id. */
  private async runMany(refs: AssignmentRef[], toOp: (ref: AssignmentRef) => WriteOp): Promise<Map<string, ConnectorOutcome>> {
    const outcomes = new Map<string, ConnectorOutcome>();
    const work: { ref: AssignmentRef; op: WriteOp }[] = [];
    for (const ref of refs) {
      if (outcomes.has(ref.grantId) || work.some((w) => w.ref.grantId === ref.grantId)) continue;
      const refusal = this.refused(ref);
      if (refusal) outcomes.set(ref.grantId, refusal);
      else work.push({ ref, op: toOp(ref) });
    }
    const chunks: (typeof work)[] = [];
    for (let i = 0; i < work.length; i += BATCH_LIMIT) chunks.push(work.slice(i, i + BATCH_LIMIT));
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < chunks.length) {
        const chunk = chunks[next++];
        if (!chunk) return;
        if (chunk.length === 1) {
          const only = chunk[0]!;
          outcomes.set(only.ref.grantId, await this.runOne(only.op));
          continue;
        }
        const items: BatchItem[] = chunk.map((w, index) => ({ id: String(index + 1), method: w.op.method, url: w.op.url, body: w.op.body, isWrite: true }));
        const writer = this.pickWriter();
        writer.inFlight += items.length;
        let results: Map<string, GraphResult>;
        try {
          results = await writer.graph.batch(items);
        } finally {
          writer.inFlight -= items.length;
        }
        await Promise.all(
          chunk.map(async (w, index) => {
            const result = results.get(String(index + 1));
            if (!result) outcomes.set(w.ref.grantId, { status: 'failed', retryable: true, code: 'batch_item_missing', message: 'no answer for this item' });
            else if (!result.ok) outcomes.set(w.ref.grantId, result.failure);
            else outcomes.set(w.ref.grantId, this.via(await w.op.interpret(result.response), writer.clientId));
          }),
        );
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.config.batchConcurrency * this.writers.length, chunks.length) }, worker));
    return outcomes;
  }

  /** Ids of every group the principal is in, directly or through nesting. */
  private async transitiveGroupIds(principalId: string): Promise<{ ok: true; ids: Set<string> } | { ok: false; failure: Failure }> {
    const result = await this.graph.getAll(`/users/${seg(principalId)}/transitiveMemberOf?$select=id&$top=999`);
    if (!result.ok) {
      // A principal that is itself a group (nested grants) answers 404 under /users.
      if (result.failure.code === 'Request_ResourceNotFound') {
        let asGroup = await this.graph.getAll(`/groups/${seg(principalId)}/transitiveMemberOf?$select=id&$top=999`);
        // ...and a service principal (a grant to a service identity) under /servicePrincipals.
        if (!asGroup.ok && asGroup.failure.code === 'Request_ResourceNotFound') asGroup = await this.graph.getAll(`/servicePrincipals/${seg(principalId)}/transitiveMemberOf?$select=id&$top=999`);
        if (!asGroup.ok) return asGroup;
        return { ok: true, ids: new Set(asGroup.items.map((i) => String((i as { id?: unknown }).id))) };
      }
      return result;
    }
    return { ok: true, ids: new Set(result.items.map((i) => String((i as { id?: unknown }).id))) };
  }

  private endpointFor(ref: AssignmentRef): string {
    const base = `${this.config.graphBaseUrl}/${this.config.graphVersion}`;
    const target = ref.resource.target.externalId;
    if (ref.resource.kind === 'entra_group') return `GET ${base}/users/${ref.principalId}/transitiveMemberOf`;
    if (ref.resource.kind === 'entra_role') return `GET ${base}${ROLE_INSTANCES}?$filter=roleDefinitionId eq '${target}' + GET ${base}/users/${ref.principalId}/transitiveMemberOf`;
    return `GET ${base}${PIM_GROUP_INSTANCES}?$filter=groupId eq '${target}' + GET ${base}/users/${ref.principalId}/transitiveMemberOf`;
  }

  /** One read of whether the principal holds the access now, including through nested groups. */
  private async readPresence(ref: AssignmentRef): Promise<PresenceRead> {
    const target = ref.resource.target.externalId;
    const groups = await this.transitiveGroupIds(ref.principalId);
    if (!groups.ok) return groups;
    if (ref.resource.kind === 'entra_group') {
      const present = groups.ids.has(target);
      return { ok: true, present, detail: `transitiveMemberOf lists ${groups.ids.size} group(s); ${target} ${present ? 'is' : 'is not'} among them` };
    }
    const holders = new Set([ref.principalId, ...groups.ids]);
    const nowMs = this.now();
    const active = (endDateTime: unknown): boolean => typeof endDateTime !== 'string' || Date.parse(endDateTime) > nowMs;
    const holder = (principalId: unknown): string => (principalId === ref.principalId ? 'directly' : `through group ${String(principalId)}`);
    const until = (endDateTime: unknown): string => (typeof endDateTime === 'string' ? `until ${endDateTime}` : 'with no end');
    // Every field is matched here, whatever $filter Graph applied (or did not): only this
    // role or group, at this scope or access, held by the principal or one of its groups, counts.
    if (ref.resource.kind === 'entra_role') {
      const scope = ref.resource.target.directoryScopeId ?? '/';
      const list = await this.graph.getAll(`${ROLE_INSTANCES}?${filter(`roleDefinitionId eq ${odataString(target)}`)}`);
      if (!list.ok) return list;
      type RoleInstance = { id?: unknown; principalId?: unknown; roleDefinitionId?: unknown; directoryScopeId?: unknown; endDateTime?: unknown; assignmentType?: unknown };
      const items = list.items as RoleInstance[];
      const matching = items.filter(
        (i) => i.roleDefinitionId === target && typeof i.principalId === 'string' && holders.has(i.principalId) && (i.directoryScopeId ?? '/') === scope && active(i.endDateTime),
      );
      const seen = matching.map((i) => `instance ${String(i.id)} (${String(i.assignmentType ?? 'assigned')}) of role ${target} at scope ${scope}, held ${holder(i.principalId)}, ${until(i.endDateTime)}`);
      return {
        ok: true,
        present: matching.length > 0,
        detail: matching.length > 0
          ? `counts as present: ${seen.join('; ')}`
          : `no active instance of role ${target} at scope ${scope} for the principal or its ${groups.ids.size} group(s) (${items.length} instance(s) listed, none matching)`,
      };
    }
    const accessId = ref.resource.target.accessId ?? 'member';
    const list = await this.graph.getAll(`${PIM_GROUP_INSTANCES}?${filter(`groupId eq ${odataString(target)}`)}`);
    if (!list.ok) return list;
    type GroupInstance = { id?: unknown; groupId?: unknown; principalId?: unknown; accessId?: unknown; endDateTime?: unknown; assignmentType?: unknown };
    const items = list.items as GroupInstance[];
    const matching = items.filter((i) => i.groupId === target && typeof i.principalId === 'string' && holders.has(i.principalId) && i.accessId === accessId && active(i.endDateTime));
    const seen = matching.map((i) => `instance ${String(i.id)} (${String(i.assignmentType ?? 'assigned')}) of ${accessId} of group ${target}, held ${holder(i.principalId)}, ${until(i.endDateTime)}`);
    return {
      ok: true,
      present: matching.length > 0,
      detail: matching.length > 0
        ? `counts as present: ${seen.join('; ')}`
        : `no active ${accessId} instance of group ${target} for the principal or its ${groups.ids.size} group(s) (${items.length} instance(s) listed, none matching)`,
    };
  }

  /** After an adminRemove answered "does not exist": one read decides whether the access is really gone. */
  private async confirmGone(ref: AssignmentRef): Promise<boolean> {
    const read = await this.readPresence(ref);
    return read.ok && !read.present;
  }

  /**
   * Reads the directory back until `consistentReads` consecutive reads agree with the expected
   * state. Reads showing the old state may come from a lagging replica, so they only decide the
   * outcome once `maxReads` are spent and the last reads still agree on it.
   */
  async verify(ref: AssignmentRef, expect: 'present' | 'absent', opts: { consistentReads?: number; maxReads?: number } = {}): Promise<VerifyOutcome> {
    const endpoint = this.endpointFor(ref);
    const needed = Math.max(1, opts.consistentReads ?? 3);
    const maxReads = Math.max(needed, opts.maxReads ?? needed * 4);
    const reads: VerificationReadResult[] = [];
    const wanted = expect === 'present';
    const refusal = this.refused(ref);
    if (refusal) {
      return { present: !wanted, endpoint, reads: [], consistentReads: 0, transitiveChecked: false, conclusive: false };
    }
    let streak = 0;
    let streakValue: boolean | undefined;
    for (let attempt = 0; attempt < maxReads; attempt++) {
      if (attempt > 0) await this.sleep(this.config.verifyReadIntervalMs);
      const read = await this.readPresence(ref);
      const at = new Date(this.now()).toISOString();
      if (!read.ok) {
        // A failed read proves nothing either way: it breaks the streak and is kept as evidence.
        reads.push({ at, present: !wanted, detail: `read failed (${read.failure.code}): ${read.failure.message}`.slice(0, 2000) });
        streak = 0;
        streakValue = undefined;
        continue;
      }
      reads.push({ at, present: read.present, detail: read.detail.slice(0, 2000) });
      if (streakValue === read.present) streak++;
      else {
        streak = 1;
        streakValue = read.present;
      }
      if (streak >= needed && streakValue === wanted) break;
    }
    const conclusive = streak >= needed && streakValue !== undefined;
    return {
      present: conclusive ? (streakValue as boolean) : !wanted,
      endpoint,
      reads: reads.slice(-64),
      consistentReads: streakValue === undefined ? 0 : streak,
      transitiveChecked: true,
      conclusive,
    };
  }

  async listAssignments(resource: AssignmentRef['resource']): Promise<Assignment[]> {
    const target = resource.target.externalId;
    if (resource.kind === 'entra_group') {
      const result = await this.graph.getAll(`/groups/${seg(target)}/members?$select=id&$top=999`);
      if (!result.ok) throw new Error(`listing members of group ${target} failed: ${result.failure.message}`);
      return (result.items as { id?: unknown; '@odata.type'?: unknown }[]).map((m) => ({
        resourceExternalId: target,
        principalId: String(m.id),
        kind: resource.kind,
        detail: typeof m['@odata.type'] === 'string' ? m['@odata.type'] : 'member',
      }));
    }
    if (resource.kind === 'entra_role') {
      const scope = resource.target.directoryScopeId ?? '/';
      const result = await this.graph.getAll(`${ROLE_INSTANCES}?${filter(`roleDefinitionId eq ${odataString(target)}`)}`);
      if (!result.ok) throw new Error(`listing holders of role ${target} failed: ${result.failure.message}`);
      return (result.items as { principalId?: unknown; directoryScopeId?: unknown; endDateTime?: unknown; assignmentType?: unknown }[])
        .filter((i) => (i.directoryScopeId ?? '/') === scope)
        .map((i) => ({ resourceExternalId: target, principalId: String(i.principalId), kind: resource.kind, detail: typeof i.endDateTime === 'string' ? `until ${i.endDateTime}` : 'permanent' }));
    }
    if (resource.kind === 'entra_pim_group') {
      const accessId = resource.target.accessId ?? 'member';
      const result = await this.graph.getAll(`${PIM_GROUP_INSTANCES}?${filter(`groupId eq ${odataString(target)}`)}`);
      if (!result.ok) throw new Error(`listing ${accessId}s of group ${target} failed: ${result.failure.message}`);
      return (result.items as { principalId?: unknown; accessId?: unknown; endDateTime?: unknown }[])
        .filter((i) => i.accessId === accessId)
        .map((i) => ({ resourceExternalId: target, principalId: String(i.principalId), kind: resource.kind, detail: typeof i.endDateTime === 'string' ? `until ${i.endDateTime}` : 'permanent' }));
    }
    throw new Error(`resource kind ${resource.kind} is not served by the Entra connector`);
  }

  /** accountEnabled and signInActivity of these users (principals.ts). */
  async describePrincipals(principalIds: readonly string[]): Promise<PrincipalReport> {
    return await describeEntraPrincipals(this.graph, principalIds);
  }

  async health(): Promise<{ ok: boolean; detail: string }> {
    const result = await this.graph.request('GET', '/groups?$top=1&$select=id');
    if (!result.ok) return { ok: false, detail: `${result.failure.code}: ${result.failure.message}` };
    if (result.response.status !== 200) {
      const error = graphError(result.response.body);
      return { ok: false, detail: `Graph answered ${result.response.status}${error ? ` ${error.code}` : ''}` };
    }
    const writes = this.writers.map((w) => `${w.clientId}: ${w.graph.writePacer.available()}`).join(', ');
    return { ok: true, detail: `signed in to tenant ${this.config.tenantId}; Graph reachable; write(s) available now per app registration: ${writes}` };
  }

  close(): void {
    for (const w of this.writers) w.graph.close();
  }
}
