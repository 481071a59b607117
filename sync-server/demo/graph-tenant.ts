import type { Connector, Grant, Resource } from '../../core/index.js';
import type { ConnectorDescription } from '../connectors/config.js';
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
  /** Where the target keeps users' sign-in activity (the Graph stand-in does). */
  setSignIn?(userId: string, at: string | null): void;
  /** Service principals and their owners, where the target keeps them (the Graph stand-in does). */
  addServicePrincipal?(input: { id: string; appId: string; displayName: string }): unknown;
  addServicePrincipalOwner?(servicePrincipalId: string, ownerId: string): void;
};

/** Creates the demo organisation's people, groups, nesting, owners and role definitions. */
export function seedEntraTenant(target: EntraSeedTarget, directory: EntraDirectory = demoEntraDirectory()): void {
  for (const user of directory.users) target.addUser(user);
  for (const group of directory.groups) target.addGroup(group);
  for (const [groupId, memberId] of directory.members) target.addMember(groupId, memberId);
  for (const [groupId, ownerId] of directory.owners) target.addOwner(groupId, ownerId);
  for (const role of directory.roleDefinitions) target.addRoleDefinition(role);
  const now = Date.now();
  for (const { userId, daysAgo } of directory.signIns ?? []) target.setSignIn?.(userId, daysAgo === null ? null : new Date(now - daysAgo * 86_400_000).toISOString());
  if (target.addServicePrincipal) {
    for (const sp of directory.servicePrincipals ?? []) {
      target.addServicePrincipal({ id: sp.id, appId: sp.appId, displayName: sp.displayName });
      for (const ownerId of sp.ownerIds) target.addServicePrincipalOwner?.(sp.id, ownerId);
    }
  }
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
  /** Connectors built here, registered as they are (ad-demo while its DC starts: demo/starting-connector.ts). */
  instances: { connector: Connector & { close?(): void }; description: ConnectorDescription }[];
  origin: string;
  restored: number;
  /**
   * The demo AD domain: its DC's URL and `ready`, which resolves once the DC serves the groups (with
   * the memberships put back) or with why the groups went to the manual connector; or, at once,
   * why AD stays manual.
   */
  ad?: { url: string; ready: Promise<{ restored: number } | { manual: string }> } | { manual: string };
  close(): Promise<void>;
};

export type DemoTenantOptions = {
  /** The store whose provisioned access is put back into the fresh tenant (a restart). */
  store?: Store;
  /** Replication lag of the stand-in's read replicas; default 200-800 ms, so verification has work to do. */
  replicationLag?: { minMs: number; maxMs: number };
  /**
   * Serve ad-demo through a Samba DC kept under this data directory, when Samba can run here (else
   * manual). It starts in the background; `onProgress` hears each step of it.
   */
  adDomain?: { dataDir: string; templateRoot?: string; onProgress?: (step: string) => void };
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
  const instances: DemoTenant['instances'] = [];
  if (include.has('ad') && options.adDomain) {
    try {
      const started = await startAdDomain(options.adDomain, options.store);
      if ('manual' in started) ad = started;
      else {
        instances.push(started.instance);
        ad = { url: started.url, ready: started.ready };
        const closeTenant = close;
        close = async () => {
          await closeTenant();
          await started.close();
        };
      }
    } catch (error) {
      ad = { manual: `the Samba DC did not start (${error instanceof Error ? error.message.split('\n')[0] : String(error)})` };
    }
  }
  if (include.has('ad') && !(ad && 'url' in ad)) connectors.push(MANUAL_AD);
  if (include.has('manual')) connectors.push({ id: DEMO_CONNECTOR_IDS.manual, kind: 'manual', displayName: 'Application owners (by hand)' });
  return { connectors, instances, origin, restored, close, ...(ad ? { ad } : {}) };
}

const MANUAL_AD = { id: DEMO_CONNECTOR_IDS.ad, kind: 'manual', displayName: 'Active Directory (by hand: no demo DC)' };

/**
 * ad-demo through a Samba DC started in the background: the real AD connector behind a
 * StartingConnector, which serves once the DC is up and falls back to the manual connector if
 * it does not come up. Or, when Samba cannot run here at all, why not.
 */
async function startAdDomain(
  options: NonNullable<DemoTenantOptions['adDomain']>,
  store: Store | undefined,
): Promise<{ manual: string } | { url: string; ready: Promise<{ restored: number } | { manual: string }>; instance: DemoTenant['instances'][number]; close(): Promise<void> }> {
  const { demoDomainMissing, heldMemberships, startDemoDomain } = await import('./ad-domain.js');
  const missing = await demoDomainMissing();
  if (missing) return { manual: missing };
  const [{ DEMO_RESOURCES }, { AdConnector }, { ManualConnector }, { describeConfig, parseConnectorConfig }, { StartingConnector }] = await Promise.all([
    import('./seed.js'),
    import('../connectors/ad/index.js'),
    import('../connectors/manual.js'),
    import('../connectors/config.js'),
    import('./starting-connector.js'),
  ]);
  // Progress can arrive before the connector exists (the first step is said at once).
  const seen: { connector?: InstanceType<typeof StartingConnector> } = {};
  let step = 'getting the demo domain JIT.TEST ready';
  const domain = await startDemoDomain({
    dataDir: options.dataDir,
    ...(options.templateRoot ? { templateRoot: options.templateRoot } : {}),
    connectorId: DEMO_CONNECTOR_IDS.ad,
    resources: DEMO_RESOURCES,
    held: store ? heldMemberships(store, DEMO_CONNECTOR_IDS.ad) : [],
    onProgress: (now) => {
      step = now;
      seen.connector?.setStep(now);
      options.onProgress?.(now);
    },
  });
  let config: ReturnType<typeof parseConnectorConfig>;
  let starting: InstanceType<typeof StartingConnector>;
  try {
    config = parseConnectorConfig(domain.connector);
    const manual = parseConnectorConfig(MANUAL_AD);
    if (config.kind !== 'ad' || manual.kind !== 'manual') throw new Error('the demo domain made a connector config of another kind');
    starting = new StartingConnector({ target: new AdConnector(config), ready: domain.ready, fallback: () => new ManualConnector(manual), step });
  } catch (error) {
    await domain.close();
    throw error;
  }
  seen.connector = starting;
  const ready = domain.ready.then(
    (r) => r,
    (error: unknown) => ({ manual: `the Samba DC did not start (${error instanceof Error ? error.message.split('\n')[0] : String(error)})` }),
  );
  return { url: domain.url, ready, instance: { connector: starting, description: describeConfig(config) }, close: () => domain.close() };
}
