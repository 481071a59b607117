/**
 * The demo's Active Directory: a real Samba DC on loopback (tests/standins/samba), provisioned once
 * into a template kept in the data directory, copied and started as a child process at each start
 * and stopped with the server. It holds the demo people (their adDn) and the groups the demo's AD
 * resources name; the memberships the store says were provisioned are put back, like the Entra
 * stand-in's. Where Samba cannot run, the caller keeps the manual connector and says how to enable it.
 *
 * The DC starts in the background: its address, CA and accounts are chosen first, so ad-demo's
 * connector config is known at once and the server listens without waiting for the domain (a first
 * start provisions it, which takes seconds to a minute). `ready` settles when the DC answers and
 * holds the demo's objects; `onProgress` hears each step.
 */
import { join } from 'node:path';
import type { Grant, Resource } from '../../core/index.js';
import { parseDn } from '../connectors/ad/dn.js';
import type { Store } from '../store/types.js';
import { DEMO_USERS } from './directory.js';

const HELD: readonly Grant['status'][] = ['active', 'revoking', 'revoke_failed'];

/** A membership the store says was provisioned: the restarted demo DC gets it back. */
export type HeldMembership = { groupDn: string; memberDn: string };

export type DemoDomain = {
  connector: Record<string, unknown>;
  url: string;
  /** Resolves once the DC answers, with the demo's objects in it and the held memberships put back. */
  ready: Promise<{ restored: number }>;
  /** Stops the DC, or the provisioning or start still under way. */
  close(): Promise<void>;
};

/** Why the demo cannot run its own DC here, or null. */
export async function demoDomainMissing(): Promise<string | null> {
  const { sambaMissing } = await import('../../tests/standins/samba/dc.js');
  return sambaMissing();
}

/** Read now, while the caller's store is open; the DC is filled in later. */
export function heldMemberships(store: Store, connectorId: string): HeldMembership[] {
  const resources = new Map(store.list('resources').filter((r) => r.connectorId === connectorId).map((r) => [r.id, r]));
  const held: HeldMembership[] = [];
  for (const grant of store.list('grants', { status: HELD })) {
    const resource = resources.get(grant.resourceId);
    const member = resource ? store.get('users', grant.userId)?.externalIds.ad : undefined;
    if (resource && member) held.push({ groupDn: resource.target.externalId, memberDn: member });
  }
  return held;
}

export async function startDemoDomain(opts: {
  dataDir: string;
  templateRoot?: string;
  connectorId: string;
  held?: readonly HeldMembership[];
  resources: readonly Pick<Resource, 'connectorId' | 'target' | 'kind'>[];
  onProgress?: (step: string) => void;
}): Promise<DemoDomain> {
  const { prepareSambaDc } = await import('../../tests/standins/samba/dc.js');
  const root = join(opts.dataDir, 'samba');
  const abort = new AbortController();
  const progress = opts.onProgress ?? (() => undefined);
  const plan = await prepareSambaDc({ templateRoot: opts.templateRoot ?? root, dir: join(root, 'dc'), bulk: false, onProgress: progress, signal: abort.signal });
  let dc: Awaited<ReturnType<typeof plan.start>> | undefined;
  const ready = (async () => {
    try {
      dc = await plan.start();
      progress('creating the demo people and groups');
      return { restored: await populate(dc, opts) };
    } catch (error) {
      // Closed half-way (the server stopped, or failed to start): say that, not what the killed tool printed.
      if (abort.signal.aborted) throw new Error('stopped with the server before it was ready', { cause: error });
      throw error;
    }
  })();
  // Whoever waits on `ready` hears a failure; nobody waiting must not crash the server.
  ready.catch(() => undefined);
  return {
    url: plan.ldapsUrl,
    ready,
    connector: {
      id: opts.connectorId,
      kind: 'ad',
      displayName: 'Active Directory (demo domain JIT.TEST: a Samba DC on loopback)',
      urls: [plan.ldapsUrl],
      baseDn: plan.baseDn,
      bindDn: plan.service.jit.dn,
      bindPassword: plan.service.jit.password,
      caPem: plan.caPem,
      verifyReadIntervalMs: 500,
    },
    async close() {
      abort.abort();
      await ready.catch(() => undefined);
      await dc?.destroy();
    },
  };
}

/** The demo people, the resources' groups and the held memberships, written as the domain administrator. */
async function populate(
  dc: { ldapsUrl: string; caPem: string; baseDn: string; admin: { dn: string; password: string }; destroy(): Promise<void> },
  opts: { connectorId: string; held?: readonly HeldMembership[]; resources: readonly Pick<Resource, 'connectorId' | 'target' | 'kind'>[] },
): Promise<number> {
  const { Attribute, Change, Client } = await import('ldapts');
  const admin = new Client({ url: dc.ldapsUrl, tlsOptions: { ca: dc.caPem }, timeout: 10_000 });
  let restored = 0;
  try {
    await admin.bind(dc.admin.dn, dc.admin.password);
    const add = async (dn: string, entry: Record<string, string>) => {
      await admin.add(dn, entry).catch((error: unknown) => {
        if ((error as { code?: unknown }).code !== 68) throw error;
      });
    };
    await add(`OU=Users,${dc.baseDn}`, { objectClass: 'organizationalUnit' });
    for (const user of DEMO_USERS) await add(user.adDn, { objectClass: 'user', sAMAccountName: user.username, displayName: user.displayName });
    const groups = new Set(opts.resources.filter((r) => r.connectorId === opts.connectorId && r.kind === 'ad_group').map((r) => r.target.externalId));
    for (const dn of groups) {
      const cn = parseDn(dn)[0]?.[0]?.value ?? 'group';
      await add(dn, { objectClass: 'group', sAMAccountName: cn.slice(0, 20) });
    }
    for (const { groupDn, memberDn } of opts.held ?? []) {
      try {
        await admin.modify(groupDn, new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [memberDn] }) }));
        restored++;
      } catch {
        // Already a member, or an object the demo does not have: nothing to put back.
      }
    }
  } catch (error) {
    await admin.unbind().catch(() => undefined);
    await dc.destroy();
    throw error;
  }
  await admin.unbind().catch(() => undefined);
  return restored;
}
