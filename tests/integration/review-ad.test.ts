/**
 * An access review over AD groups against a real Samba DC: discovery lists a standing member of a
 * group resource; a campaign over the group opens with a snapshot; the owner decides remove with a
 * reason; close applies the removal through the AD connector (a removal grant, revoked and read
 * back) and the item's receipt says the member is gone, which the DC confirms over LDAP. A second
 * group must keep at least 2 members: the lockout guard refuses the removal that would leave 1,
 * says so, and the member stays in the DC. Objects are named `rvad-...`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Attribute, Change, type Client } from 'ldapts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decideItem, ReviewCampaign, type ReviewItem } from '../../core/index.js';
import { AdConnector } from '../../sync-server/connectors/ad/index.js';
import { parseConnectorConfig, type AdConnectorConfig } from '../../sync-server/connectors/config.js';
import { ConnectorRegistry } from '../../sync-server/connectors/registry.js';
import { closeRun } from '../../sync-server/reviews/close.js';
import { getCampaign, putItem, runItems } from '../../sync-server/reviews/docs.js';
import { openRun } from '../../sync-server/reviews/open.js';
import { startScheduler, type Scheduler } from '../../sync-server/scheduler/index.js';
import { standingAccessTables } from '../../sync-server/standing-access/view.js';
import { openStore, type Store } from '../../sync-server/store/index.js';
import { addMember, adConfig, adminClient, createGroup, createUser, DC_START_TIMEOUT_MS, describeAd, membersOf, startDc, type SambaDc } from './helpers/samba.js';

let dc: SambaDc;
let admin: Client;
let dir: string;
let store: Store;
let registry: ConnectorRegistry;
let scheduler: Scheduler;
let clock = Date.now();
const iso = (ms: number) => new Date(ms).toISOString();
const noAudit = () => undefined;
const lower = (dns: string[]) => dns.map((d) => d.toLowerCase());
const enable = (dn: string) => admin.modify(dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'userAccountControl', values: [String(512 + 32)] }) }));

describeAd('an access review over AD groups', () => {
  beforeAll(async () => {
    dc = await startDc();
    admin = await adminClient(dc);
    dir = mkdtempSync(join(tmpdir(), 'review-ad-'));
    store = openStore({ dataDir: dir });
    registry = new ConnectorRegistry();
    registry.register(new AdConnector(parseConnectorConfig(adConfig(dc, { id: 'ad-rvad' })) as AdConnectorConfig, { sleep: async () => undefined, now: () => clock, warn: () => undefined }));
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

  it('removes a standing member the reviewer decided to remove, verified gone in the DC, and keeps the members a must-keep group needs', async () => {
    const servers = await createGroup(admin, 'rvad-Server-Admins');
    const guarded = await createGroup(admin, 'rvad-Domain-Guard');
    const standing = await createUser(admin, 'rvad Standing');
    const guardA = await createUser(admin, 'rvad Guard A');
    const guardB = await createUser(admin, 'rvad Guard B');
    for (const p of [standing, guardA, guardB]) await enable(p.dn);
    await addMember(admin, servers.dn, standing.dn);
    await addMember(admin, guarded.dn, guardA.dn);
    await addMember(admin, guarded.dn, guardB.dn);

    const at = iso(clock);
    store.tx(() => {
      store.put('users', { id: 'u-rvad-owner', username: 'rvad-owner', displayName: 'rvad Owner', roles: ['reviewer'], updatedAt: at });
      for (const [id, p] of [['u-rvad-standing', standing], ['u-rvad-guard-a', guardA], ['u-rvad-guard-b', guardB]] as const) {
        store.put('users', { id, username: id, displayName: id, externalIds: { ad: p.dn }, updatedAt: at });
      }
      store.put('resources', { id: 'res-rvad-srv', name: 'rvad-Server-Admins', kind: 'ad_group', connector: 'ad', connectorId: 'ad-rvad', target: { externalId: servers.dn }, ownerId: 'u-rvad-owner', sensitivity: 'critical', policyIds: ['p-rvad'], updatedAt: at });
      store.put('resources', { id: 'res-rvad-guard', name: 'rvad-Domain-Guard', kind: 'ad_group', connector: 'ad', connectorId: 'ad-rvad', target: { externalId: guarded.dn }, ownerId: 'u-rvad-owner', sensitivity: 'critical', policyIds: ['p-rvad'], keepAtLeast: 2, updatedAt: at });
      standingAccessTables(store).book('ad-rvad', clock, clock, 'u-rvad-owner');
    });
    expect(await scheduler.runDiscovery()).toMatchObject({ runs: 1, resources: 2, holders: 3, failed: 0 });

    // A campaign over both groups' standing members, reviewed by their owner.
    store.tx(() =>
      store.put('reviews', ReviewCampaign.parse({
        id: 'rc-rvad', campaignId: 'rc-rvad', kind: 'campaign', name: 'rvad AD admins', ownerId: 'u-rvad-owner',
        scope: { type: 'resources', resourceIds: ['res-rvad-srv', 'res-rvad-guard'] },
        reviewed: { standingMembers: true, jitGrants: false, eligibility: false },
        stages: [{ name: 'Owner', reviewer: { type: 'resource_owner' }, fallback: { type: 'person', userId: 'u-rvad-owner' } }],
        schedule: { type: 'once' }, durationDays: 14, status: 'scheduled',
        counts: { items: 0, decided: 0, keep: 0, remove: 0, flagged: 0, applied: 0, verified: 0, refused: 0 }, createdAt: at, updatedAt: at, revision: 0,
      }) as never),
    );
    const opened = store.tx(() => openRun(store, getCampaign(store, 'rc-rvad')!, new Date(clock), noAudit));
    expect(opened).toMatchObject({ status: 'open', run: 1, counts: { items: 3 }, reviewerIds: ['u-rvad-owner'] });
    const items = runItems(store, 'rc-rvad', 1);
    const itemOf = (userId: string) => items.find((i) => i.subject.userId === userId) as ReviewItem;
    // The snapshot: who, where, and why it is under review.
    expect(itemOf('u-rvad-standing').subject).toMatchObject({ type: 'standing', resourceId: 'res-rvad-srv', holderClass: 'standing', connectorId: 'ad-rvad' });
    expect(itemOf('u-rvad-standing').subject.principalId.toLowerCase()).toBe(standing.dn.toLowerCase());
    // A DN holds what an id may not (spaces, commas, '='): the item id carries a hash of it, one per holder.
    expect(new Set(items.map((i) => i.id)).size).toBe(3);
    for (const item of items) expect(item.id).toMatch(/^ri-rc-rvad-1-s-h[0-9a-f]{16}-res-rvad-(srv|guard)$/);
    expect(itemOf('u-rvad-standing').recommendations.map((r) => r.code)).toContain('standing_no_grant');

    // The owner decides remove, with a reason, on the standing member and on one of the two guards.
    const owner = { id: 'u-rvad-owner', displayName: 'rvad Owner' };
    store.tx(() => {
      for (const userId of ['u-rvad-standing', 'u-rvad-guard-a']) {
        const decided = decideItem(itemOf(userId), { decision: 'remove', reason: 'no longer administers these servers' }, owner, new Date(clock));
        if (!decided.ok) throw new Error(decided.message);
        putItem(store, decided.value.item);
      }
    });

    const closed = store.tx(() => closeRun(store, getCampaign(store, 'rc-rvad')!, new Date(clock), 'u-rvad-owner', noAudit));
    expect(closed.status).toBe('applying');
    const guardItem = store.get('reviews', itemOf('u-rvad-guard-a').id) as ReviewItem;
    expect(guardItem.apply).toMatchObject({ state: 'refused', message: 'rvad-Domain-Guard must keep at least 2 members; removing this one would leave 1, so it is kept' });

    // The scheduler revokes the removal grant through the AD connector, reads it back, and the review pass follows it.
    for (let i = 0; i < 30 && getCampaign(store, 'rc-rvad')!.status !== 'closed'; i++) {
      clock += 5000;
      await scheduler.runOnce();
    }
    const campaign = getCampaign(store, 'rc-rvad')!;
    expect(campaign.status).toBe('closed');
    expect(campaign.counts).toMatchObject({ items: 3, remove: 2, verified: 1, refused: 1 });
    const removed = store.get('reviews', itemOf('u-rvad-standing').id) as ReviewItem;
    expect(removed.apply.state).toBe('verified');
    expect(removed.apply.receiptIds.length).toBeGreaterThan(0);
    const receipt = store.get('verifications', removed.apply.receiptIds.at(-1)!)!;
    expect(receipt).toMatchObject({ purpose: 'revocation', result: 'gone', connector: 'ad', grantId: removed.apply.grantId });
    const grant = store.get('grants', removed.apply.grantId!)!;
    expect(grant).toMatchObject({ status: 'verified', userId: 'u-rvad-standing', resourceId: 'res-rvad-srv' });

    // Read back over LDAP: gone from the reviewed group, and both guards still in theirs.
    expect(lower(await membersOf(admin, servers.dn))).not.toContain(standing.dn.toLowerCase());
    expect(lower(await membersOf(admin, guarded.dn)).sort()).toEqual(lower([guardA.dn, guardB.dn]).sort());
  });
});
