import type { EntraConnector } from '../connectors/entra/index.js';
import { graphError } from '../connectors/entra/graph-http.js';
import type { GroupEntry, PageResult, PersonEntry, ServiceEntry, SourceCursor, DirectorySource } from './types.js';

const USER_SELECT = 'id,displayName,mail,userPrincipalName,department,jobTitle,employeeType,accountEnabled,manager';
const GROUP_SELECT = 'id,displayName,description,members';
const SERVICE_PRINCIPAL_SELECT = 'id,appId,displayName,accountEnabled,servicePrincipalType';

/** Where an Entra sync stands: the phase, the link to GET next, and the delta links the last round ended with. */
type EntraCursor = {
  phase: 'users' | 'groups' | 'servicePrincipals';
  /** The nextLink (within a round) or null: start the phase from its delta link, or from scratch. */
  next: string | null;
  usersDelta: string | null;
  groupsDelta: string | null;
  /** Whether this round began without a delta link (a full listing). */
  full: boolean;
};

type DirectoryObjectRef = { id?: unknown; '@removed'?: { reason?: unknown } };

function asCursor(raw: SourceCursor): EntraCursor {
  const c = raw as Partial<EntraCursor>;
  return { phase: c.phase ?? 'users', next: c.next ?? null, usersDelta: c.usersDelta ?? null, groupsDelta: c.groupsDelta ?? null, full: c.full ?? false };
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : value === null ? '' : undefined);

function personOf(item: Record<string, unknown>): PersonEntry | undefined {
  const objectId = typeof item.id === 'string' ? item.id : undefined;
  if (!objectId) return undefined;
  const removed = item['@removed'] as { reason?: unknown } | undefined;
  // "changed": deleted but restorable (Entra's deleted items, 30 days); "deleted": gone for good.
  if (removed) return { objectId, removed: removed.reason === 'changed' ? 'soft' : 'deleted' };
  let managerObjectId: string | null | undefined;
  const managerDelta = item['manager@delta'];
  if (Array.isArray(managerDelta)) {
    const current = (managerDelta as DirectoryObjectRef[]).filter((m) => !m['@removed'] && typeof m.id === 'string');
    managerObjectId = current.length > 0 ? (current[current.length - 1]?.id as string) : null;
  }
  return {
    objectId,
    fields: {
      ...(text(item.displayName) !== undefined ? { displayName: text(item.displayName) } : {}),
      ...(text(item.mail) !== undefined ? { mail: text(item.mail) } : {}),
      ...(text(item.userPrincipalName) !== undefined ? { userPrincipalName: text(item.userPrincipalName) } : {}),
      ...(text(item.department) !== undefined ? { department: text(item.department) } : {}),
      ...(text(item.jobTitle) !== undefined ? { jobTitle: text(item.jobTitle) } : {}),
      ...(text(item.employeeType) !== undefined ? { employeeType: text(item.employeeType) } : {}),
      ...(typeof item.accountEnabled === 'boolean' ? { enabled: item.accountEnabled } : {}),
    },
    ...(managerObjectId !== undefined ? { managerObjectId } : {}),
  };
}

function groupOf(item: Record<string, unknown>, full: boolean): GroupEntry | undefined {
  const objectId = typeof item.id === 'string' ? item.id : undefined;
  if (!objectId) return undefined;
  if (item['@removed']) return { objectId, removed: true };
  const entry: GroupEntry = { objectId };
  if (text(item.displayName) !== undefined) entry.displayName = text(item.displayName) as string;
  if (text(item.description) !== undefined) entry.description = text(item.description) as string;
  const membersDelta = item['members@delta'];
  if (Array.isArray(membersDelta)) {
    const added: string[] = [];
    const removed: string[] = [];
    for (const m of membersDelta as DirectoryObjectRef[]) {
      if (typeof m.id !== 'string') continue;
      (m['@removed'] ? removed : added).push(m.id);
    }
    entry.members = { added, removed, replace: full };
  }
  return entry;
}

/**
 * People and groups of an Entra tenant through Microsoft Graph delta queries (`/users/delta`,
 * `/groups/delta`): the first round lists everything, later rounds follow the stored
 * `@odata.deltaLink` and get only what changed. Every GET goes through the connector's own Graph
 * client: its read budget, retries and `Retry-After` handling.
 */
export class EntraDirectorySource implements DirectorySource {
  readonly kind = 'entra' as const;
  readonly connectorId: string;

  constructor(
    private readonly connector: EntraConnector,
    private readonly opts: { groups: boolean; servicePrincipals?: boolean; pageSize: number },
  ) {
    this.connectorId = connector.id;
  }

  async nextPage(raw: SourceCursor): Promise<PageResult> {
    const cursor = asCursor(raw);
    if (cursor.phase === 'servicePrincipals') return this.servicePrincipalPage(cursor);
    const phase = cursor.phase;
    const start = phase === 'users' ? cursor.usersDelta : cursor.groupsDelta;
    const full = cursor.next ? cursor.full : start === null;
    const url = cursor.next ?? start ?? (phase === 'users' ? `/users/delta?$select=${USER_SELECT}` : `/groups/delta?$select=${GROUP_SELECT}`);
    const result = await this.connector.graph.request('GET', url, { headers: { Prefer: `odata.maxpagesize=${this.opts.pageSize}` } });
    if (!result.ok) return result;
    const { status, body } = result.response;
    if (status !== 200) {
      const error = graphError(body);
      // An expired or refused delta link: start that phase again with a full listing.
      const restart = !cursor.next && start !== null && (status === 410 || status === 400);
      if (restart) return this.nextPage({ ...cursor, next: null, ...(phase === 'users' ? { usersDelta: null } : { groupsDelta: null }) });
      return { ok: false, failure: { status: 'failed', retryable: status >= 500, code: error?.code ?? `http_${status}`, message: `GET ${url.split('?')[0]} answered ${status}${error ? `: ${error.message}` : ''}` } };
    }
    const page = body as { value?: unknown; '@odata.nextLink'?: unknown; '@odata.deltaLink'?: unknown };
    const items = Array.isArray(page.value) ? (page.value as Record<string, unknown>[]) : [];
    const people = phase === 'users' ? items.map(personOf).filter((p): p is PersonEntry => p !== undefined) : [];
    const groups = phase === 'groups' ? items.map((i) => groupOf(i, full)).filter((g): g is GroupEntry => g !== undefined) : [];
    const nextLink = typeof page['@odata.nextLink'] === 'string' ? page['@odata.nextLink'] : null;
    const deltaLink = typeof page['@odata.deltaLink'] === 'string' ? page['@odata.deltaLink'] : null;
    if (nextLink) return { ok: true, page: { people, groups, full, done: false, cursor: { ...cursor, next: nextLink, full } } };
    if (!deltaLink) return { ok: false, failure: { status: 'failed', retryable: true, code: 'no_delta_link', message: `GET ${url.split('?')[0]}: the last page had neither a nextLink nor a deltaLink` } };
    if (phase === 'users') {
      const after: EntraCursor = { ...cursor, usersDelta: deltaLink, next: null, full };
      if (this.opts.groups) return { ok: true, page: { people, groups, full, done: false, cursor: { ...after, phase: 'groups' } } };
      if (this.opts.servicePrincipals) return { ok: true, page: { people, groups, full, done: false, cursor: { ...after, phase: 'servicePrincipals' } } };
      return { ok: true, page: { people, groups, full, done: true, cursor: after } };
    }
    const afterGroups: EntraCursor = { ...cursor, groupsDelta: deltaLink, next: null, phase: 'users', full: false };
    if (this.opts.servicePrincipals) return { ok: true, page: { people, groups, full, done: false, cursor: { ...afterGroups, phase: 'servicePrincipals', full } } };
    return { ok: true, page: { people, groups, full, done: true, cursor: afterGroups } };
  }

  /**
   * Service principals through `/servicePrincipals/delta`, each with its owners from
   * `/servicePrincipals/{id}/owners`. Owners are a navigation property the delta does not track, so
   * no delta link is kept: every round lists them all and reads each one's owners again, and a
   * removed owner stops being able to ask at the next round.
   */
  private async servicePrincipalPage(cursor: EntraCursor): Promise<PageResult> {
    const url = cursor.next ?? `/servicePrincipals/delta?$select=${SERVICE_PRINCIPAL_SELECT}`;
    const result = await this.connector.graph.request('GET', url, { headers: { Prefer: `odata.maxpagesize=${this.opts.pageSize}` } });
    if (!result.ok) return result;
    const { status, body } = result.response;
    if (status !== 200) {
      const error = graphError(body);
      return { ok: false, failure: { status: 'failed', retryable: status >= 500, code: error?.code ?? `http_${status}`, message: `GET /servicePrincipals/delta answered ${status}${error ? `: ${error.message}` : ''}` } };
    }
    const page = body as { value?: unknown; '@odata.nextLink'?: unknown };
    const services: ServiceEntry[] = [];
    for (const item of Array.isArray(page.value) ? (page.value as Record<string, unknown>[]) : []) {
      if (typeof item.id !== 'string' || item['@removed']) continue;
      const owners = await this.connector.graph.getAll(`/servicePrincipals/${encodeURIComponent(item.id)}/owners?$select=id&$top=999`);
      if (!owners.ok) return owners;
      services.push({
        objectId: item.id,
        displayName: text(item.displayName) || item.id,
        appId: text(item.appId) || item.id,
        enabled: item.accountEnabled !== false,
        ownerObjectIds: owners.items.map((o) => (o as { id?: unknown }).id).filter((id): id is string => typeof id === 'string'),
      });
    }
    const nextLink = typeof page['@odata.nextLink'] === 'string' ? page['@odata.nextLink'] : null;
    const pageOf = { people: [], groups: [], services, full: cursor.full };
    if (nextLink) return { ok: true, page: { ...pageOf, done: false, cursor: { ...cursor, next: nextLink } } };
    return { ok: true, page: { ...pageOf, done: true, servicesComplete: true, cursor: { ...cursor, next: null, phase: 'users', full: false } } };
  }
}
