import type { Assignment, AssignmentRef, Connector, ConnectorDiagnosis, ConnectorFact, ConnectorHealth, ConnectorOutcome, PrincipalReport, VerificationReadResult, VerifyOutcome } from '../../../core/index.js';
import { sleep as realSleep } from '../backoff.js';
import { TokenBucket } from '../rate-limiter.js';
import { DEFAULT_AD_WRITE_BUDGET, isPlainLdap, type AdConnectorConfig } from './config.js';
import { diagnoseAd } from './diagnose.js';
import { DnSyntaxError, printable } from './dn.js';
import { detectPam, directFilter, inChainFilter, modifyMembers, parseObjectRef, refKey, resolveObject, resolveObjects, type Resolved } from './directory.js';
import { failureOf, LDAP, ldapCode } from './errors.js';
import { listGroupMembers } from './listing.js';
import { LdapPool, type PoolDeps, type Session } from './pool.js';
import { readPresenceByGuid } from './presence.js';
import { describeAdPrincipals } from './principals.js';

export type AdConnectorDeps = PoolDeps & { now?: () => number; warn?: (message: string) => void };

type Op = 'add' | 'delete';
type Work = { ref: AssignmentRef; group: Resolved; member: Resolved };

/** The caveat every AD receipt carries: the directory is not the whole story while tickets live. */
export function kerberosCaveat(hours: number): string {
  return `Kerberos tickets issued before this read keep the group memberships they were issued with until they are renewed (ticket lifetime ${hours} h here): a removal verified in the directory ends existing sessions only as their tickets expire.`;
}

/**
 * Active Directory (and Samba AD) group membership over LDAPS or StartTLS, with ldapts: the
 * resource is a group, the principal a user (or group); provision adds the `member` value, revoke
 * deletes it, verification reads the membership back (direct and nested). See docs/decisions/ad-connector.md.
 */
export class AdConnector implements Connector {
  readonly kind = 'ad' as const;
  readonly id: string;
  readonly reverification: AdConnectorConfig['reverification'];
  readonly pool: LdapPool;
  /** Said once at start, in the log and on the connectors screen. */
  readonly warnings: string[] = [];
  private readonly writes: TokenBucket;
  private readonly resolved = new Map<string, Resolved>();
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  /** Whether the forest supports time-bound memberships: read on each new connection (pool onConnect), so it is known before any write. */
  private pam: { enabled: boolean; detail: string } | undefined;

  constructor(
    readonly config: AdConnectorConfig,
    deps: AdConnectorDeps = {},
  ) {
    this.id = config.id;
    this.reverification = config.reverification;
    this.pool = new LdapPool(config, { ...deps, onConnect: (session) => this.learnOnConnect(session, deps.onConnect) });
    this.writes = new TokenBucket(config.writeBudget ?? DEFAULT_AD_WRITE_BUDGET, { burstFraction: 0.5 });
    this.sleep = deps.sleep ?? realSleep;
    this.now = deps.now ?? Date.now;
    if (isPlainLdap(config)) {
      this.warnings.push(`connector ${config.id} uses plain LDAP (allowPlainLdap): the bind password and every change travel unencrypted; use ldaps:// or startTls`);
      (deps.warn ?? ((m: string) => process.emitWarning(m, 'JitConnectorWarning')))(this.warnings[0] as string);
    }
  }

  private refused(ref: AssignmentRef): ConnectorOutcome | undefined {
    if (ref.resource.kind !== 'ad_group') return { status: 'failed', retryable: false, code: 'unsupported_resource', message: `resource kind ${ref.resource.kind} is not served by the AD connector` };
    if (ref.resource.connectorId !== this.id) return { status: 'failed', retryable: false, code: 'wrong_connector', message: `resource ${ref.resource.id} belongs to connector ${ref.resource.connectorId}, not ${this.id}` };
    if (!ref.principalId) return { status: 'failed', retryable: false, code: 'no_principal', message: `grant ${ref.grantId}: the user has no AD account` };
    for (const [what, value] of [['principal', ref.principalId], ['group', ref.resource.target.externalId]] as const) {
      try {
        parseObjectRef(value);
      } catch (error) {
        return { status: 'failed', retryable: false, code: 'invalid_dn', message: `grant ${ref.grantId}: the ${what} "${printable(value.slice(0, 120))}" cannot be used: ${error instanceof Error ? error.message : String(error)}` };
      }
    }
    return undefined;
  }

  /** A DN, GUID or sAMAccountName, resolved once to the object's GUID (stable across renames and moves). */
  async resolve(session: Session, value: string): Promise<Resolved | undefined> {
    const known = this.resolved.get(value);
    if (known) return known;
    const found = await resolveObject(session, this.config.baseDn, parseObjectRef(value));
    if (found?.guid) this.resolved.set(value, found);
    return found;
  }

  /** Resolves, in a few searches, every value not resolved yet (the cache then answers resolve()). */
  private async resolveAll(session: Session, values: string[]): Promise<void> {
    const missing = [...new Set(values)].filter((v) => !this.resolved.has(v));
    if (missing.length < 2) return;
    const refs = missing.map((value) => ({ value, ref: parseObjectRef(value) }));
    const found = await resolveObjects(session, this.config.baseDn, refs.map((r) => r.ref));
    for (const { value, ref } of refs) {
      const hit = found.get(refKey(ref));
      if (hit?.guid) this.resolved.set(value, hit);
    }
  }

  /** What a new connection tells about the forest: the Privileged Access Management feature (TTL memberships). */
  private async learnOnConnect(session: Session, also?: (session: Session) => Promise<void>): Promise<void> {
    try {
      this.pam = await detectPam(session);
    } catch (error) {
      // Unreadable optional features: no TTLs (scheduled removal does the job either way), said in health.
      this.pam ??= { enabled: false, detail: `the optional features could not be read on ${session.dc.dnsHostName} (${error instanceof Error ? error.message : String(error)})` };
    }
    await also?.(session).catch(() => undefined);
  }

  /** Whether the forest supports time-bound memberships (known from the connection's onConnect). */
  private async pamSupport(session: Session): Promise<{ enabled: boolean; detail: string }> {
    this.pam ??= await detectPam(session);
    return this.pam;
  }

  /** The connectors screen's field: whether memberships carry a TTL, or end by scheduled removal alone. */
  private ttlFact(): ConnectorFact {
    const pam = this.pam;
    const value =
      this.config.ttl === 'off'
        ? 'off in this connector\'s settings — removal is scheduled'
        : !pam
          ? 'not known yet: read when the connector first connects'
          : pam.enabled
            ? 'available on this forest — each membership also carries a TTL until the grant ends, in case removal is late'
            : 'not available on this forest — removal is scheduled';
    return { key: 'timeLimitedMembership', label: 'Time-limited membership (PAM)', value };
  }

  async provision(ref: AssignmentRef): Promise<ConnectorOutcome> {
    return (await this.runMany([ref], 'add')).get(ref.grantId) as ConnectorOutcome;
  }

  async revoke(ref: AssignmentRef): Promise<ConnectorOutcome> {
    return (await this.runMany([ref], 'delete')).get(ref.grantId) as ConnectorOutcome;
  }

  async provisionMany(refs: AssignmentRef[]): Promise<Map<string, ConnectorOutcome>> {
    return await this.runMany(refs, 'add');
  }

  async revokeMany(refs: AssignmentRef[]): Promise<Map<string, ConnectorOutcome>> {
    return await this.runMany(refs, 'delete');
  }

  /** Several writes due for one group go in one modify with several values; groups run side by side. */
  private async runMany(refs: AssignmentRef[], op: Op): Promise<Map<string, ConnectorOutcome>> {
    const outcomes = new Map<string, ConnectorOutcome>();
    const byGroup = new Map<string, AssignmentRef[]>();
    for (const ref of refs) {
      if (outcomes.has(ref.grantId) || [...byGroup.values()].some((l) => l.some((r) => r.grantId === ref.grantId))) continue;
      const refusal = this.refused(ref);
      if (refusal) {
        outcomes.set(ref.grantId, refusal);
        continue;
      }
      const list = byGroup.get(ref.resource.target.externalId) ?? [];
      list.push(ref);
      byGroup.set(ref.resource.target.externalId, list);
    }
    const groups = [...byGroup.values()];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < groups.length) {
        const list = groups[next++] as AssignmentRef[];
        try {
          for (const [grantId, outcome] of await this.writeGroup(list, op)) outcomes.set(grantId, outcome);
        } catch (error) {
          const failure = failureOf(error, `${op === 'add' ? 'adding to' : 'removing from'} ${list[0]?.resource.target.externalId.slice(0, 200)}`);
          for (const ref of list) outcomes.set(ref.grantId, failure);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.config.poolSize, groups.length) }, worker));
    return outcomes;
  }

  private async writeGroup(refs: AssignmentRef[], op: Op): Promise<Map<string, ConnectorOutcome>> {
    const outcomes = new Map<string, ConnectorOutcome>();
    const groupRef = refs[0]?.resource.target.externalId as string;
    const work: Work[] = [];
    await this.pool.use(async (session) => {
      const group = await this.resolve(session, groupRef);
      await this.resolveAll(session, refs.map((r) => r.principalId));
      for (const ref of refs) {
        if (!group) {
          outcomes.set(ref.grantId, op === 'delete'
            ? { status: 'applied', alreadyInState: true, detail: `the group ${groupRef} no longer exists in the directory, so nobody is a member` }
            : { status: 'failed', retryable: false, code: 'not_found', message: `the group ${groupRef} was not found under ${this.config.baseDn}` });
          continue;
        }
        const member = await this.resolve(session, ref.principalId);
        if (!member) {
          outcomes.set(ref.grantId, op === 'delete'
            ? { status: 'applied', alreadyInState: true, detail: `the account ${ref.principalId} no longer exists in the directory, so it is in no group` }
            : { status: 'failed', retryable: false, code: 'not_found', message: `the account ${ref.principalId} was not found under ${this.config.baseDn}` });
          continue;
        }
        work.push({ ref, group, member });
      }
    });
    for (let i = 0; i < work.length; i += this.config.maxValuesPerModify) {
      const chunk = work.slice(i, i + this.config.maxValuesPerModify);
      for (const [grantId, outcome] of await this.writeChunk(chunk, op)) outcomes.set(grantId, outcome);
    }
    return outcomes;
  }

  /** The `member` value for a write: the member's GUID form, or `<TTL=s,DN>` where the forest supports TTLs. */
  private async valueFor(session: Session, w: Work, op: Op): Promise<string> {
    if (op === 'add' && this.config.ttl === 'auto' && w.ref.expiresAt && (await this.pamSupport(session)).enabled) {
      const seconds = Math.max(60, Math.ceil((Date.parse(w.ref.expiresAt) - this.now()) / 1000));
      return `<TTL=${seconds},${w.member.dn}>`;
    }
    return `<GUID=${w.member.guid}>`;
  }

  private applied(w: Work, op: Op, session: Session, together: number, already = false): ConnectorOutcome {
    const verb = op === 'add' ? (already ? 'was already a member of' : 'added to') : already ? 'was not a member of' : 'removed from';
    const batch = together > 1 ? ` (one modify of ${together} values)` : '';
    return { status: 'applied', ...(already ? { alreadyInState: true } : {}), detail: `${w.member.dn} ${verb} ${w.group.dn} on ${session.dc.dnsHostName}${batch}` };
  }

  private async writeChunk(chunk: Work[], op: Op): Promise<Map<string, ConnectorOutcome>> {
    const outcomes = new Map<string, ConnectorOutcome>();
    const target = `<GUID=${(chunk[0] as Work).group.guid}>`;
    if (chunk.length > 1) {
      try {
        await this.pool.use(async (session) => {
          const values = await Promise.all(chunk.map((w) => this.valueFor(session, w, op)));
          await this.writes.take(1);
          await modifyMembers(session, target, op, values);
          for (const w of chunk) outcomes.set(w.ref.grantId, this.applied(w, op, session, chunk.length));
        });
        return outcomes;
      } catch (error) {
        // One value already in state (or gone) fails the whole modify: write them one by one.
        const code = ldapCode(error);
        if (code !== LDAP.entryAlreadyExists && code !== LDAP.unwillingToPerform && code !== LDAP.noSuchAttribute && code !== LDAP.noSuchObject) {
          const failure = failureOf(error, `${op === 'add' ? 'adding' : 'removing'} ${chunk.length} members of ${(chunk[0] as Work).group.dn}`);
          for (const w of chunk) outcomes.set(w.ref.grantId, failure);
          return outcomes;
        }
      }
    }
    for (const w of chunk) {
      try {
        await this.pool.use(async (session) => {
          const value = await this.valueFor(session, w, op);
          await this.writes.take(1);
          try {
            await modifyMembers(session, target, op, [value]);
            outcomes.set(w.ref.grantId, this.applied(w, op, session, 1));
          } catch (error) {
            const code = ldapCode(error);
            const already = op === 'add' ? code === LDAP.entryAlreadyExists : code === LDAP.unwillingToPerform || code === LDAP.noSuchAttribute;
            if (!already) throw error;
            outcomes.set(w.ref.grantId, this.applied(w, op, session, 1, true));
          }
        });
      } catch (error) {
        if (ldapCode(error) === LDAP.noSuchObject) {
          // Deleted since it was resolved: forget it, so the next attempt looks again.
          this.resolved.delete(w.ref.principalId);
          this.resolved.delete(w.ref.resource.target.externalId);
        }
        outcomes.set(w.ref.grantId, failureOf(error, `${op === 'add' ? 'adding' : 'removing'} ${w.member.dn} ${op === 'add' ? 'to' : 'from'} ${w.group.dn}`));
      }
    }
    return outcomes;
  }

  private endpointFor(ref: AssignmentRef, dcName: string, url: string): string {
    const group = ref.resource.target.externalId;
    return [
      `LDAP ${url} (DC ${dcName})`,
      `base ${group} filter ${directFilter(ref.principalId).toString()}`,
      `base ${ref.principalId} filter ${inChainFilter(group).toString()}`,
      `base ${ref.principalId} tokenGroups`,
    ].join(' + ');
  }

  /**
   * Reads the membership back until `consistentReads` consecutive reads agree with the expected
   * state, as for Entra (several DCs replicate with lag). Each read checks the direct member
   * value, the in-chain rule and tokenGroups; nested membership counts as present.
   */
  async verify(ref: AssignmentRef, expect: 'present' | 'absent', opts: { consistentReads?: number; maxReads?: number } = {}): Promise<VerifyOutcome> {
    const needed = Math.max(1, opts.consistentReads ?? 3);
    const maxReads = Math.max(needed, opts.maxReads ?? needed * 4);
    const wanted = expect === 'present';
    const caveat = kerberosCaveat(this.config.ticketLifetimeHours);
    const base = { transitiveChecked: true, caveat };
    if (this.refused(ref)) return { ...base, present: !wanted, endpoint: `ad:${this.id}`, reads: [], consistentReads: 0, transitiveChecked: false, conclusive: false };
    const reads: VerificationReadResult[] = [];
    let endpoint = this.endpointFor(ref, this.pool.lastDc?.dnsHostName ?? 'unknown', this.pool.lastDc?.url ?? this.config.urls[0] ?? '');
    let streak = 0;
    let streakValue: boolean | undefined;
    for (let attempt = 0; attempt < maxReads; attempt++) {
      if (attempt > 0) await this.sleep(this.config.verifyReadIntervalMs);
      let read: { present: boolean; detail: string } | undefined;
      try {
        read = await this.pool.use(async (session) => {
          endpoint = this.endpointFor(ref, session.dc.dnsHostName, session.url);
          return await readPresenceByGuid((sess, value) => this.resolve(sess, value), this.config.baseDn, session, ref);
        });
      } catch (error) {
        const failure = error instanceof DnSyntaxError ? { code: 'invalid_dn', message: error.message } : failureOf(error, 'reading the membership');
        reads.push({ at: new Date(this.now()).toISOString(), present: !wanted, detail: `read failed (${failure.code}): ${failure.message}`.slice(0, 2000) });
        streak = 0;
        streakValue = undefined;
        continue;
      }
      reads.push({ at: new Date(this.now()).toISOString(), present: read.present, detail: read.detail.slice(0, 2000) });
      if (streakValue === read.present) streak++;
      else {
        streak = 1;
        streakValue = read.present;
      }
      if (streak >= needed && streakValue === wanted) break;
    }
    const conclusive = streak >= needed && streakValue !== undefined;
    return { ...base, present: conclusive ? (streakValue as boolean) : !wanted, endpoint: endpoint.slice(0, 2048), reads: reads.slice(-64), consistentReads: streakValue === undefined ? 0 : streak, conclusive };
  }

  async listAssignments(resource: AssignmentRef['resource']): Promise<Assignment[]> {
    if (resource.kind !== 'ad_group') throw new Error(`resource kind ${resource.kind} is not served by the AD connector`);
    return await this.pool.use(async (session) => {
      const group = await this.resolve(session, resource.target.externalId);
      if (!group) throw new Error(`the group ${resource.target.externalId} was not found under ${this.config.baseDn}`);
      return (await listGroupMembers(session, this.config, group)).map((m) => ({ resourceExternalId: resource.target.externalId, principalId: m.dn, kind: resource.kind, detail: m.detail }));
    });
  }

  /** userAccountControl and lastLogonTimestamp of these accounts, for standing-access discovery (principals.ts). */
  async describePrincipals(principalIds: readonly string[]): Promise<PrincipalReport> {
    return await this.pool.use(async (session) => await describeAdPrincipals(session, this.config, principalIds));
  }

  async health(): Promise<ConnectorHealth> {
    try {
      return await this.pool.use(async (session) => {
        const pam = await this.pamSupport(session);
        const parts = [
          ...this.warnings.map((w) => `WARNING: ${w}`),
          `bound as ${this.config.bindDn} to ${session.dc.dnsHostName} (${session.url}, ${session.dc.vendorName})`,
          `time-bound memberships: ${this.config.ttl === 'off' ? 'off in the config' : pam.enabled ? 'yes (PAM feature)' : 'no, scheduled removal only'} (${pam.detail})`,
          `write(s) available now: ${this.writes.available()}`,
        ];
        return { ok: true, detail: parts.join('; '), facts: [this.ttlFact()] };
      });
    } catch (error) {
      const failure = failureOf(error, 'connecting');
      return { ok: false, detail: [...this.warnings.map((w) => `WARNING: ${w}`), `${failure.code}: ${failure.message}`].join('; '), facts: [this.ttlFact()] };
    }
  }

  /** "Test connection": DNS, TCP, TLS, bind, base DN, rights on the resources' groups, TTL; on fresh connections. */
  async diagnose(resources: AssignmentRef['resource'][]): Promise<ConnectorDiagnosis> {
    const result = await diagnoseAd(this.config, resources);
    return this.warnings.length > 0 ? { ...result, steps: [...this.warnings.map((w) => ({ step: 'config' as const, ok: true, detail: `WARNING: ${w}` })), ...result.steps] } : result;
  }

  /** Whether the forest supports TTL memberships, as read at the last new connection (undefined before the first). */
  ttlSupport(): { enabled: boolean; detail: string } | undefined {
    return this.pam;
  }

  close(): void {
    this.pool.close();
  }
}
