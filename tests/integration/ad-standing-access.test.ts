/**
 * Standing-access discovery against a real Samba DC: the scheduler lists an AD group's members in
 * ranged reads with nested groups expanded, reads each account's userAccountControl and
 * lastLogonTimestamp, and core's rule classifies them: a member through a live grant is explained,
 * a direct and a nested member without one are standing, a disabled account and one nobody knows are
 * orphaned, and an account that never signed in is stale.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Attribute, Change, type Client } from 'ldapts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AdConnector } from '../../sync-server/connectors/ad/index.js';
import { fileTimeToIso } from '../../sync-server/connectors/ad/principals.js';
import { parseConnectorConfig, type AdConnectorConfig } from '../../sync-server/connectors/config.js';
import { ConnectorRegistry } from '../../sync-server/connectors/registry.js';
import { startScheduler, type Scheduler } from '../../sync-server/scheduler/index.js';
import { standingAccessTables, standingAccessView } from '../../sync-server/standing-access/view.js';
import { openStore, type Store } from '../../sync-server/store/index.js';
import { addMember, adConfig, adminClient, createGroup, createUser, DC_START_TIMEOUT_MS, describeAd, startDc, type SambaDc } from './helpers/samba.js';

let dc: SambaDc;
let admin: Client;
let dir: string;
let store: Store;
let registry: ConnectorRegistry;
let scheduler: Scheduler;
const clock = Date.now();
const iso = (ms: number) => new Date(ms).toISOString();

/** NORMAL_ACCOUNT | PASSWD_NOTREQD: enabled without a password; with ACCOUNTDISABLE: disabled. */
const setAccountControl = (dn: string, value: number) => admin.modify(dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'userAccountControl', values: [String(value)] }) }));

describeAd('standing-access discovery with the AD connector', () => {
  beforeAll(async () => {
    dc = await startDc();
    admin = await adminClient(dc);
    dir = mkdtempSync(join(tmpdir(), 'ad-standing-'));
    store = openStore({ dataDir: dir });
    registry = new ConnectorRegistry();
    registry.register(new AdConnector(parseConnectorConfig(adConfig(dc, { id: 'ad-disc', rangeSize: 2 })) as AdConnectorConfig, { sleep: async () => undefined, now: () => clock, warn: () => undefined }));
    scheduler = startScheduler({ store, registry, now: () => new Date(clock), intervalMs: 0, random: () => 0.5 });
  }, DC_START_TIMEOUT_MS);
  afterAll(async () => {
    await scheduler?.stop();
    registry?.close();
    store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await admin?.unbind();
    await dc?.destroy();
  });

  it('finds direct and nested standing members, explains granted ones, and flags disabled, unknown and never-signed-in accounts', async () => {
    const domainAdmins = await createGroup(admin, 'Disc-Server-Admins');
    const nested = await createGroup(admin, 'Disc-Ops-Nested');
    const people = {
      granted: await createUser(admin, 'Disc Granted'),
      standing: await createUser(admin, 'Disc Standing'),
      viaNested: await createUser(admin, 'Disc Nested'),
      disabled: await createUser(admin, 'Disc Disabled'),
      stranger: await createUser(admin, 'Disc Stranger'),
    };
    for (const p of [people.granted, people.standing, people.viaNested, people.stranger]) await setAccountControl(p.dn, 512 + 32);
    await setAccountControl(people.disabled.dn, 512 + 32 + 2);
    for (const p of [people.granted, people.standing, people.disabled, people.stranger]) await addMember(admin, domainAdmins.dn, p.dn);
    await addMember(admin, domainAdmins.dn, nested.dn);
    await addMember(admin, nested.dn, people.viaNested.dn);

    store.put('resources', { id: 'res-srv', name: 'Disc-Server-Admins', kind: 'ad_group', connector: 'ad', connectorId: 'ad-disc', target: { externalId: domainAdmins.dn }, ownerId: 'owner-1', sensitivity: 'critical', policyIds: ['p-1'], updatedAt: iso(clock) });
    for (const [key, p] of Object.entries(people)) {
      if (key === 'stranger') continue;
      store.put('users', { id: `u-${key}`, username: key, displayName: `Disc ${key}`, externalIds: { ad: p.dn }, updatedAt: iso(clock) });
    }
    store.put('grants', { id: 'g-granted', requestId: 'r-granted', userId: 'u-granted', resourceId: 'res-srv', connector: 'ad', status: 'active', approvedAt: iso(clock), startsAt: iso(clock), expiresAt: iso(clock + 3_600_000), provisionedAt: iso(clock), maxDurationMinutes: 600, updatedAt: iso(clock), revision: 1 });

    store.tx(() => standingAccessTables(store).book('ad-disc', clock, clock, 'u-admin'));
    // Six listed: the five people and the nested group, which is expanded and not kept as a holder.
    expect(await scheduler.runDiscovery()).toMatchObject({ runs: 1, resources: 1, holders: 6, failed: 0 });

    const view = standingAccessView(store, new Date(clock));
    const holders = view.resources[0]!.holders;
    const of = (dn: string) => holders.find((h) => h.principalId.toLowerCase() === dn.toLowerCase());
    expect(of(people.granted.dn)).toMatchObject({ class: 'explained', grantId: 'g-granted' });
    expect(of(people.standing.dn)).toMatchObject({ class: 'standing', userId: 'u-standing', directoryEnabled: true });
    expect(of(people.viaNested.dn)).toMatchObject({ class: 'standing', detail: expect.stringContaining('nested member through') });
    expect(of(people.disabled.dn)).toMatchObject({ class: 'orphaned', directoryEnabled: false, reason: expect.stringContaining('disabled in the directory') });
    expect(of(people.stranger.dn)).toMatchObject({ class: 'orphaned', userId: null });
    // Nobody here has signed in: lastLogonTimestamp is absent, which AD means as never.
    expect(of(people.standing.dn)).toMatchObject({ signInReadable: true, lastSignInAt: null, stale: true });
    expect(view.resources[0]!.counts).toMatchObject({ explained: 1, standing: 2, orphaned: 2 });
    // The group itself is no holder: nested groups are expanded into their members.
    expect(of(nested.dn)).toBeUndefined();
    expect(view.runs).toEqual([expect.objectContaining({ connectorId: 'ad-disc', state: 'done' })]);
  });

  it('reads lastLogonTimestamp as Windows writes it (100-ns ticks since 1601)', () => {
    expect(fileTimeToIso('133485408000000000')).toBe('2024-01-01T00:00:00.000Z');
    expect(fileTimeToIso('0')).toBeNull();
    expect(fileTimeToIso(undefined)).toBeNull();
  });
});
