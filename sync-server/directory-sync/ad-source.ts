import { AndFilter, EqualityFilter, GreaterThanEqualsFilter, OrFilter, type Filter } from 'ldapts';
import type { AdConnector } from '../connectors/ad/index.js';
import { guidToString, pagedSearch, parseObjectRef, resolveObject } from '../connectors/ad/directory.js';
import type { DirectorySource, GroupEntry, PageResult, PersonEntry, ServiceEntry, SourceCursor } from './types.js';

/** userAccountControl's ACCOUNTDISABLE bit. */
const ACCOUNT_DISABLE = 0x2;
const USER_ATTRIBUTES = ['objectGUID', 'displayName', 'cn', 'mail', 'userPrincipalName', 'sAMAccountName', 'department', 'title', 'employeeType', 'userAccountControl', 'manager', 'uSNChanged', 'managedBy', 'objectClass'];
/** Managed service accounts: computer-like objects, not persons. */
const MANAGED_SERVICE_CLASSES = ['msDS-ManagedServiceAccount', 'msDS-GroupManagedServiceAccount'];

/** The highest update sequence number the last round saw; the next round asks for uSNChanged above it. */
type AdCursor = { usn: number | null };

type Entry = Awaited<ReturnType<typeof pagedSearch>>['entries'][number];

const one = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);
const str = (v: unknown): string | undefined => {
  const value = one(v);
  return typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : undefined;
};

/**
 * People of an Active Directory domain through the AD connector's pool of bound connections: a
 * paged subtree search of user objects, all of them in the first round, then those whose
 * `uSNChanged` is above the `highestCommittedUSN` the root DSE gave when the last round began
 * (read before the search, so a change made during the search is read again, never lost). The
 * object id is the objectGUID (it survives renames and moves); the manager comes as a DN and is
 * resolved to its GUID. One DC's USNs are its own: the marker is kept with the DC it came from,
 * and a round on another DC starts from scratch.
 */
export class AdDirectorySource implements DirectorySource {
  readonly kind = 'ad' as const;
  readonly connectorId: string;

  constructor(
    private readonly connector: AdConnector,
    private readonly opts: { pageSize: number; groups?: boolean; serviceAccounts?: boolean; serviceAccountEmployeeType?: string },
  ) {
    this.connectorId = connector.id;
  }

  async nextPage(raw: SourceCursor): Promise<PageResult> {
    const cursor = raw as Partial<AdCursor & { dc: string }>;
    const baseDn = this.connector.config.baseDn;
    try {
      return await this.connector.pool.use(async (session) => {
        const rootDse = await session.client.search('', { scope: 'base', filter: '(objectClass=*)', attributes: ['highestCommittedUSN'] });
        const highest = Number(str(rootDse.searchEntries[0]?.highestCommittedUSN) ?? '0');
        const sameDc = cursor.dc === session.url;
        const since = sameDc && typeof cursor.usn === 'number' ? cursor.usn : null;
        const users: Filter[] = [new EqualityFilter({ attribute: 'objectCategory', value: 'person' }), new EqualityFilter({ attribute: 'objectClass', value: 'user' })];
        const changed = since !== null ? [new GreaterThanEqualsFilter({ attribute: 'uSNChanged', value: String(since + 1) })] : [];
        let filter: Filter = new AndFilter({ filters: [...users, ...changed] });
        if (this.opts.serviceAccounts) {
          const managed = MANAGED_SERVICE_CLASSES.map((value) => new EqualityFilter({ attribute: 'objectClass', value }));
          filter = new OrFilter({ filters: [filter, ...managed.map((m) => new AndFilter({ filters: [m, ...changed] }))] });
        }
        const { entries } = await pagedSearch(session, baseDn, filter, USER_ATTRIBUTES, this.opts.pageSize);
        const guidOfDn = new Map<string, string>();
        for (const e of entries) {
          const guid = one(e.objectGUID);
          if (Buffer.isBuffer(guid)) guidOfDn.set(e.dn.toLowerCase(), guidToString(guid));
        }
        const people: PersonEntry[] = [];
        const services: ServiceEntry[] = [];
        const resolve = async (dn: string) => guidOfDn.get(dn.toLowerCase()) ?? (await resolveObject(session, baseDn, parseObjectRef(dn)))?.guid;
        for (const e of entries) {
          if (this.isServiceAccount(e)) {
            const service = await this.serviceOf(e, resolve);
            if (service) services.push(service);
            continue;
          }
          const person = await this.personOf(e, guidOfDn, resolve);
          if (person) people.push(person);
        }
        const groups = this.opts.groups ? await this.groupsOf(session, baseDn, changed) : [];
        // Only a whole listing tells that a service account is gone.
        const servicesComplete = this.opts.serviceAccounts === true && since === null;
        return { ok: true, page: { people, groups, services, servicesComplete, full: since === null, done: true, cursor: { usn: highest, dc: session.url } } } as PageResult;
      });
    } catch (error) {
      return { ok: false, failure: { status: 'failed', retryable: true, code: 'ldap_error', message: `reading people from ${this.connectorId}: ${error instanceof Error ? error.message : String(error)}` } };
    }
  }

  /**
   * Groups (all of them in a full round, those whose uSNChanged moved since in later ones: a member
   * added or removed changes the group), each with its whole direct membership as objectGUIDs, read
   * by one paged search for the objects whose memberOf names it (no DN to resolve one by one).
   */
  private async groupsOf(session: Parameters<Parameters<AdConnector['pool']['use']>[0]>[0], baseDn: string, changed: Filter[]): Promise<GroupEntry[]> {
    const filter = new AndFilter({ filters: [new EqualityFilter({ attribute: 'objectClass', value: 'group' }), ...changed] });
    const { entries } = await pagedSearch(session, baseDn, filter, ['objectGUID', 'cn', 'displayName', 'description'], this.opts.pageSize);
    const groups: GroupEntry[] = [];
    for (const g of entries) {
      const guid = one(g.objectGUID);
      if (!Buffer.isBuffer(guid)) continue;
      const members = await pagedSearch(session, baseDn, new EqualityFilter({ attribute: 'memberOf', value: g.dn }), ['objectGUID'], this.opts.pageSize);
      const added = members.entries.map((m) => one(m.objectGUID)).filter((b): b is Buffer => Buffer.isBuffer(b)).map(guidToString);
      groups.push({ objectId: guidToString(guid), displayName: str(g.displayName) ?? str(g.cn) ?? g.dn, description: str(g.description) ?? '', members: { added, removed: [], replace: true } });
    }
    return groups;
  }

  private isServiceAccount(e: Entry): boolean {
    if (!this.opts.serviceAccounts) return false;
    const classes = (Array.isArray(e.objectClass) ? e.objectClass : [e.objectClass]).map((c) => String(c).toLowerCase());
    if (MANAGED_SERVICE_CLASSES.some((c) => classes.includes(c.toLowerCase()))) return true;
    return this.opts.serviceAccountEmployeeType !== undefined && str(e.employeeType) === this.opts.serviceAccountEmployeeType;
  }

  /**
   * A service account with its owner: the person `managedBy` names (managed service accounts, which
   * are computer-like and have it), else the `manager` of a user-class account marked as a service
   * account (AD's schema gives users no managedBy).
   */
  private async serviceOf(e: Entry, resolve: (dn: string) => Promise<string | undefined>): Promise<ServiceEntry | undefined> {
    const guid = one(e.objectGUID);
    if (!Buffer.isBuffer(guid)) return undefined;
    const managedBy = str(e.managedBy) ?? str(e.manager);
    const owner = managedBy ? await resolve(managedBy) : undefined;
    const sam = str(e.sAMAccountName) ?? guidToString(guid);
    return {
      objectId: guidToString(guid),
      displayName: str(e.displayName) ?? str(e.cn) ?? sam,
      appId: sam,
      enabled: (Number(str(e.userAccountControl) ?? '0') & ACCOUNT_DISABLE) === 0,
      ownerObjectIds: owner ? [owner] : [],
    };
  }

  private async personOf(e: Entry, guidOfDn: Map<string, string>, resolve: (dn: string) => Promise<string | undefined>): Promise<PersonEntry | undefined> {
    const guid = one(e.objectGUID);
    if (!Buffer.isBuffer(guid)) return undefined;
    const uac = Number(str(e.userAccountControl) ?? '0');
    const managerDn = str(e.manager);
    let managerObjectId: string | null = null;
    if (managerDn) managerObjectId = guidOfDn.get(managerDn.toLowerCase()) ?? (await resolve(managerDn)) ?? null;
    const sam = str(e.sAMAccountName);
    const upn = str(e.userPrincipalName) ?? sam;
    return {
      objectId: guidToString(guid),
      fields: {
        displayName: str(e.displayName) ?? str(e.cn) ?? sam ?? '',
        mail: str(e.mail) ?? '',
        ...(upn ? { userPrincipalName: upn } : {}),
        department: str(e.department) ?? '',
        jobTitle: str(e.title) ?? '',
        employeeType: str(e.employeeType) ?? '',
        enabled: (uac & ACCOUNT_DISABLE) === 0,
      },
      managerObjectId,
    };
  }
}
