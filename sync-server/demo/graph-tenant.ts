import type { Grant, Resource } from '../../core/index.js';
import type { Store } from '../store/types.js';
import { demoEntraDirectory, type EntraDirectory } from './directory.js';

/** The demo's connector ids, as its resources name them (seed.ts). */
export const DEMO_CONNECTOR_IDS = { entra: 'entra-demo', ad: 'ad-demo', manual: 'manual' } as const;

/**
 * What seeding needs from a tenant: the Graph stand-in's seeding API (tests/standins/graph), or
 * anything else with the same shape. Seeding writes are visible on every replica at once.
 */
export type EntraSeedTarget = {
  addUser(input: { id: string; displayName: string; userPrincipalName: string; department?: string }): unknown;
  addGroup(input: { id: string; displayName: string; description?: string; isAssignableToRole?: boolean }): unknown;
  addMember(groupId: string, memberId: string): void;
  addOwner(groupId: string, ownerId: string): void;
  addRoleDefinition(input: { id: string; displayName: string; description?: string }): unknown;
  addRoleAssignment(input: { principalId: string; roleDefinitionId: string; directoryScopeId?: string; endDateTime?: string | null }): unknown;
  addGroupAssignment(input: { principalId: string; groupId: string; accessId: 'member' | 'owner'; endDateTime?: string | null }): unknown;
  state: { isMember(groupId: string, memberId: string): boolean };
};

/** Creates the demo organisation's people, groups, nesting, owners and role definitions. */
export function seedEntraTenant(target: EntraSeedTarget, directory: EntraDirectory = demoEntraDirectory()): void {
  for (const user of directory.users) target.addUser(user);
  for (const group of directory.groups) target.addGroup(group);
  for (const [groupId, memberId] of directory.members) target.addMember(groupId, memberId);
  for (const [groupId, ownerId] of directory.owners) target.addOwner(groupId, ownerId);
  for (const role of directory.roleDefinitions) target.addRoleDefinition(role);
}

/** Grant states in which the access exists in the directory (or is being removed). */
const HELD: readonly Grant['status'][] = ['active', 'revoking', 'revoke_failed'];

/**
 * The stand-in keeps its directory in memory, so a restarted demo starts from the bare tenant.
 * Put back the access the store says was provisioned there, so grants, verification and drift
 * checks see the tenant as it was. Returns how many assignments were restored.
 */
export function restoreProvisionedAccess(target: EntraSeedTarget, store: Store, connectorId: string = DEMO_CONNECTOR_IDS.entra): number {
  const resources = new Map<string, Resource>(store.list('resources').filter((r) => r.connectorId === connectorId).map((r) => [r.id, r]));
  let restored = 0;
  for (const grant of store.list('grants', { status: HELD })) {
    const resource = resources.get(grant.resourceId);
    const principalId = resource ? store.get('users', grant.userId)?.externalIds.entra : undefined;
    if (!resource || !principalId) continue;
    const targetRef = resource.target;
    if (resource.kind === 'entra_group') {
      if (target.state.isMember(targetRef.externalId, principalId)) continue;
      target.addMember(targetRef.externalId, principalId);
    } else if (resource.kind === 'entra_role') {
      target.addRoleAssignment({ principalId, roleDefinitionId: targetRef.externalId, directoryScopeId: targetRef.directoryScopeId ?? '/', endDateTime: grant.expiresAt });
    } else if (resource.kind === 'entra_pim_group') {
      target.addGroupAssignment({ principalId, groupId: targetRef.externalId, accessId: targetRef.accessId === 'owner' ? 'owner' : 'member', endDateTime: grant.expiresAt });
    } else continue;
    restored++;
  }
  return restored;
}

export type DemoTenant = {
  /** Connector configs for the demo's connector ids (entra-demo points at the stand-in). */
  connectors: Record<string, unknown>[];
  origin: string;
  restored: number;
  /** The demo AD domain: its DC's URL (and memberships put back), or why AD stays manual. */
  ad?: { url: string; restored: number } | { manual: string };
  close(): Promise<void>;
};

export type DemoTenantOptions = {
  /** The store whose provisioned access is put back into the fresh tenant (a restart). */
  store?: Store;
  /** Replication lag of the stand-in's read replicas; default 200-800 ms, so verification has work to do. */
  replicationLag?: { minMs: number; maxMs: number };
  /** Serve ad-demo through a Samba DC kept under this data directory, when Samba can run here (else manual). */
  adDomain?: { dataDir: string; templateRoot?: string };
  /** Which demo connectors to configure; default all three. */
  include?: readonly (keyof typeof DEMO_CONNECTOR_IDS)[];
};

/**
 * Starts the Microsoft Graph stand-in in this process (HTTPS on a free loopback port, its own
 * test CA) as the demo organisation's Entra tenant, seeded from the same directory as the
 * server's demo seed. The stand-in lives under tests/; it is loaded only here, on demand.
 *
 * AD resources go to a Samba DC when `adDomain` is given and Samba can run here (ad-domain.ts), and
 * otherwise to a manual connector under the id `ad-demo`: their grants become tasks for the group
 * owner rather than escalations for a missing connector.
 */
export async function startDemoTenant(options: DemoTenantOptions = {}): Promise<DemoTenant> {
  const include = new Set(options.include ?? (['entra', 'ad', 'manual'] as const));
  const connectors: Record<string, unknown>[] = [];
  let origin = '';
  let restored = 0;
  let close = async () => undefined;
  if (include.has('entra')) {
    const { startGraphStandin } = await import('../../tests/standins/graph/index.js');
    const graph = await startGraphStandin({ seed: 1, replicationLag: options.replicationLag ?? { minMs: 200, maxMs: 800 } });
    try {
      seedEntraTenant(graph);
      if (options.store) restored = restoreProvisionedAccess(graph, options.store);
    } catch (error) {
      await graph.close();
      throw error;
    }
    origin = graph.origin;
    close = async () => {
      await graph.close();
    };
    connectors.push({
      id: DEMO_CONNECTOR_IDS.entra,
      kind: 'entra',
      displayName: 'Entra ID (demo tenant: Microsoft Graph stand-in)',
      tenantId: graph.credentials.tenantId,
      clientId: graph.credentials.clientId,
      clientSecret: graph.credentials.clientSecret,
      authorityHost: graph.authorityHost,
      // The connector adds the version itself.
      graphBaseUrl: graph.origin,
      disableInstanceDiscovery: true,
      tlsCaPem: graph.caPem,
      verifyReadIntervalMs: 500,
    });
  }
  let ad: DemoTenant['ad'];
  if (include.has('ad') && options.adDomain) {
    const { demoDomainMissing, startDemoDomain } = await import('./ad-domain.js');
    const { DEMO_RESOURCES } = await import('./seed.js');
    const missing = await demoDomainMissing();
    if (missing) ad = { manual: missing };
    else {
      try {
        const domain = await startDemoDomain({ dataDir: options.adDomain.dataDir, ...(options.adDomain.templateRoot ? { templateRoot: options.adDomain.templateRoot } : {}), connectorId: DEMO_CONNECTOR_IDS.ad, resources: DEMO_RESOURCES, ...(options.store ? { store: options.store } : {}) });
        connectors.push(domain.connector);
        ad = { url: domain.url, restored: domain.restored };
        const closeTenant = close;
        close = async () => {
          await closeTenant();
          await domain.close();
        };
      } catch (error) {
        ad = { manual: `the Samba DC did not start (${error instanceof Error ? error.message.split('\n')[0] : String(error)})` };
      }
    }
  }
  if (include.has('ad') && !(ad && 'url' in ad)) connectors.push({ id: DEMO_CONNECTOR_IDS.ad, kind: 'manual', displayName: 'Active Directory (by hand: no demo DC)' });
  if (include.has('manual')) connectors.push({ id: DEMO_CONNECTOR_IDS.manual, kind: 'manual', displayName: 'Application owners (by hand)' });
  return { connectors, origin, restored, close, ...(ad ? { ad } : {}) };
}
