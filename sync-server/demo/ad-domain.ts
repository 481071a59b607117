/**
 * The demo's Active Directory: a real Samba DC on loopback (tests/standins/samba), provisioned once
 * into a template kept in the data directory, copied and started as a child process at each start
 * and stopped with the server. It holds the demo people (their adDn) and the groups the demo's AD
 * resources name; the memberships the store says were provisioned are put back, like the Entra
 * stand-in's. Where Samba cannot run, the caller keeps the manual connector and says how to enable it.
 */
import { join } from 'node:path';
import type { Grant, Resource } from '../../core/index.js';
import { parseDn } from '../connectors/ad/dn.js';
import type { Store } from '../store/types.js';
import { DEMO_USERS } from './directory.js';

const HELD: readonly Grant['status'][] = ['active', 'revoking', 'revoke_failed'];

export type DemoDomain = { connector: Record<string, unknown>; url: string; restored: number; close(): Promise<void> };

/** Why the demo cannot run its own DC here, or null. */
export async function demoDomainMissing(): Promise<string | null> {
  const { sambaMissing } = await import('../../tests/standins/samba/dc.js');
  return sambaMissing();
}

export async function startDemoDomain(opts: { dataDir: string; templateRoot?: string; connectorId: string; store?: Store; resources: readonly Pick<Resource, 'connectorId' | 'target' | 'kind'>[] }): Promise<DemoDomain> {
  const { startSambaDc } = await import('../../tests/standins/samba/dc.js');
  const { Attribute, Change, Client } = await import('ldapts');
  const root = join(opts.dataDir, 'samba');
  const dc = await startSambaDc({ templateRoot: opts.templateRoot ?? root, dir: join(root, 'dc'), bulk: false });
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
    if (opts.store) {
      const resources = new Map(opts.store.list('resources').filter((r) => r.connectorId === opts.connectorId).map((r) => [r.id, r]));
      for (const grant of opts.store.list('grants', { status: HELD })) {
        const resource = resources.get(grant.resourceId);
        const member = resource ? opts.store.get('users', grant.userId)?.externalIds.ad : undefined;
        if (!resource || !member) continue;
        try {
          await admin.modify(resource.target.externalId, new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [member] }) }));
          restored++;
        } catch {
          // Already a member, or an object the demo does not have: nothing to put back.
        }
      }
    }
  } catch (error) {
    await admin.unbind().catch(() => undefined);
    await dc.destroy();
    throw error;
  }
  await admin.unbind().catch(() => undefined);
  return {
    url: dc.ldapsUrl,
    restored,
    connector: {
      id: opts.connectorId,
      kind: 'ad',
      displayName: 'Active Directory (demo domain JIT.TEST: a Samba DC on loopback)',
      urls: [dc.ldapsUrl],
      baseDn: dc.baseDn,
      bindDn: dc.service.jit.dn,
      bindPassword: dc.service.jit.password,
      caPem: dc.caPem,
      verifyReadIntervalMs: 500,
    },
    close: () => dc.destroy(),
  };
}
