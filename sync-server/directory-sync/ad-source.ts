import { AndFilter, Control, EqualityFilter, GreaterThanEqualsFilter, OrFilter, type Filter } from 'ldapts';
import type { AdConnector } from '../connectors/ad/index.js';
import { guidToString, pagedSearch, parseObjectRef, resolveObject } from '../connectors/ad/directory.js';
import type { DirectorySource, GroupEntry, PageResult, PersonEntry, ServiceEntry, SourceCursor } from './types.js';

/** userAccountControl's ACCOUNTDISABLE bit. */
const ACCOUNT_DISABLE = 0x2;
const USER_ATTRIBUTES = ['objectGUID', 'displayName', 'cn', 'mail', 'userPrincipalName', 'sAMAccountName', 'department', 'title', 'employeeType', 'userAccountControl', 'manager', 'uSNChanged', 'managedBy', 'objectClass'];
/** Managed service accounts: computer-like objects, not persons. */
const MANAGED_SERVICE_CLASSES = ['msDS-ManagedServiceAccount', 'msDS-GroupManagedServiceAccount'];

/** LDAP_SERVER_SHOW_DELETED_OID: a search with it also returns deleted objects (tombstones). */
export const SHOW_DELETED_OID = '1.2.840.113556.1.4.417';
/** Tombstones keep objectGUID, objectClass, sAMAccountName and uSNChanged; the rest is stripped. */
const TOMBSTONE_ATTRIBUTES = ['objectGUID', 'objectClass', 'uSNChanged'];

/**
 * The highest update sequence number the last round saw; the next round asks for uSNChanged above
 * it. `deletedUsn`: the same for deleted objects, moved on only by a round that could read them, so
 * deletions made while the account could not are caught up once it can (null: list them all).
 */
type AdCursor = { usn: number | null; deletedUsn?: number | null };

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
        const deletedSince = sameDc ? (cursor.deletedUsn === undefined ? since : cursor.deletedUsn) : null;
        const deleted = await this.deletedSince(session, deletedSince);
        people.push(...deleted.people);
        const groups = this.opts.groups ? await this.groupsOf(session, baseDn, changed) : [];
        // Only a whole listing tells that a service account is gone.
        const servicesComplete = this.opts.serviceAccounts === true && since === null;
        const warnings = deleted.warning ? [deleted.warning] : [];
        return { ok: true, page: { people, groups, services, servicesComplete, full: since === null, done: true, cursor: { usn: highest, deletedUsn: deleted.read ? highest : deletedSince, dc: session.url }, warnings } } as PageResult;
      });
    } catch (error) {
      return { ok: false, failure: { status: 'failed', retryable: true, code: 'ldap_error', message: `reading people from ${this.connectorId}: ${error instanceof Error ? error.message : String(error)}` } };
    }
  }

  /**
   * People (and service accounts) deleted in the directory: AD moves a deleted object to the
   * domain's `CN=Deleted Objects` container as a tombstone (isDeleted TRUE, objectGUID kept), which
   * only a search with the Show Deleted control returns. In a later round, the tombstones whose
   * uSNChanged is above the marker (a deletion changes the object); in a full round, every one,
   * marked `relisted` so an object already known as removed is not removed again. Matched by
   * objectGUID to the people the sync knows; tombstones of objects it never knew are ignored.
   *
   * Reading them needs List Contents and Read Property on that container, which AD gives only to
   * administrators: without them the search answers nothing (not an error), so the round says in
   * its report that deletions are not seen rather than reporting none.
   */
  private async deletedSince(session: Parameters<Parameters<AdConnector['pool']['use']>[0]>[0], since: number | null): Promise<{ people: PersonEntry[]; read: boolean; warning?: string }> {
    const domain = session.dc.defaultNamingContext || this.connector.config.baseDn;
    const container = `CN=Deleted Objects,${domain}`;
    const account = this.connector.config.bindDn;
    const unseen = `people deleted in the directory are not seen: ${account} cannot read ${container}`;
    if (session.dc.supportedControls.length > 0 && !session.dc.supportedControls.includes(SHOW_DELETED_OID)) {
      return { people: [], read: false, warning: `people deleted in the directory are not seen: ${session.dc.dnsHostName || session.url} does not support the Show Deleted control (${SHOW_DELETED_OID})` };
    }
    const showDeleted = new Control(SHOW_DELETED_OID);
    // The container's own objectGUID is readable only with Read Property on it: the check that the listing below can see anything.
    let readable: boolean;
    try {
      const probe = await session.client.search(container, { scope: 'base', filter: '(objectClass=*)', attributes: ['objectGUID'], explicitBufferAttributes: ['objectGUID'] }, showDeleted);
      readable = Buffer.isBuffer(one(probe.searchEntries[0]?.objectGUID));
    } catch (error) {
      return { people: [], read: false, warning: `${unseen} (${error instanceof Error ? error.message : String(error)})` };
    }
    if (!readable) return { people: [], read: false, warning: `${unseen}: grant it List Contents and Read Property on that container (dsacls "${container}" /takeownership, then /G <domain>\\<account>:LCRP)` };
    const kinds: Filter[] = [new EqualityFilter({ attribute: 'objectClass', value: 'user' }), ...MANAGED_SERVICE_CLASSES.map((value) => new EqualityFilter({ attribute: 'objectClass', value }))];
    const filter = new AndFilter({
      filters: [
        new EqualityFilter({ attribute: 'isDeleted', value: 'TRUE' }),
        new OrFilter({ filters: kinds }),
        ...(since !== null ? [new GreaterThanEqualsFilter({ attribute: 'uSNChanged', value: String(since + 1) })] : []),
      ],
    });
    const people: PersonEntry[] = [];
    const options = { scope: 'one' as const, filter, attributes: TOMBSTONE_ATTRIBUTES, explicitBufferAttributes: ['objectGUID'], paged: { pageSize: this.opts.pageSize } };
    for await (const page of session.client.searchPaginated(container, options, showDeleted)) {
      for (const e of page.searchEntries) {
        const guid = one(e.objectGUID);
        if (!Buffer.isBuffer(guid)) continue;
        people.push({ objectId: guidToString(guid), removed: 'deleted', ...(since === null ? { relisted: true } : {}) });
      }
    }
    return { people, read: true };
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
