import { AndFilter, EqualityFilter, GreaterThanEqualsFilter, type Filter } from 'ldapts';
import type { AdConnector } from '../connectors/ad/index.js';
import { guidToString, pagedSearch, parseObjectRef, resolveObject } from '../connectors/ad/directory.js';
import type { DirectorySource, PageResult, PersonEntry, SourceCursor } from './types.js';

/** userAccountControl's ACCOUNTDISABLE bit. */
const ACCOUNT_DISABLE = 0x2;
const USER_ATTRIBUTES = ['objectGUID', 'displayName', 'cn', 'mail', 'userPrincipalName', 'sAMAccountName', 'department', 'title', 'employeeType', 'userAccountControl', 'manager', 'uSNChanged'];

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
    private readonly opts: { pageSize: number },
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
        if (since !== null) users.push(new GreaterThanEqualsFilter({ attribute: 'uSNChanged', value: String(since + 1) }));
        const { entries } = await pagedSearch(session, baseDn, new AndFilter({ filters: users }), USER_ATTRIBUTES, this.opts.pageSize);
        const guidOfDn = new Map<string, string>();
        for (const e of entries) {
          const guid = one(e.objectGUID);
          if (Buffer.isBuffer(guid)) guidOfDn.set(e.dn.toLowerCase(), guidToString(guid));
        }
        const people: PersonEntry[] = [];
        for (const e of entries) {
          const person = await this.personOf(e, guidOfDn, async (dn) => (await resolveObject(session, baseDn, parseObjectRef(dn)))?.guid);
          if (person) people.push(person);
        }
        return { ok: true, page: { people, groups: [], full: since === null, done: true, cursor: { usn: highest, dc: session.url } } } as PageResult;
      });
    } catch (error) {
      return { ok: false, failure: { status: 'failed', retryable: true, code: 'ldap_error', message: `reading people from ${this.connectorId}: ${error instanceof Error ? error.message : String(error)}` } };
    }
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
