/**
 * The AD connector's listing when the LDAP answers misbehave (against a real Samba DC, with the
 * faults injected into ldapts' client in this test process only): paged-search pages duplicated,
 * reordered, or repeating the previous page in place of their own; ranged reads answered with the
 * previous range. The listing must still be exactly the group's members, every one once.
 */
import { Client, type SearchOptions, type SearchResult } from 'ldapts';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { AdConnector } from '../../sync-server/connectors/ad/index.js';
import { parseConnectorConfig, type AdConnectorConfig } from '../../sync-server/connectors/config.js';
import { BULK_GROUP_DN, BULK_MEMBERS } from '../standins/samba/fixture.js';
import { addMember, adConfig, adminClient, createGroup, createUser, DC_START_TIMEOUT_MS, describeAd, startDc, type SambaDc } from './helpers/samba.js';

let dc: SambaDc;
let admin: Client;
const original = { search: Client.prototype.search, searchPaginated: Client.prototype.searchPaginated };
const faults = { rangesRepeated: 0, pagesDuplicated: 0, pagesReordered: 0, pagesRepeated: 0 };

/** Seeded (mulberry32), so a failure replays. */
let state = 42;
const random = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = Math.imul(state ^ (state >>> 15), state | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

function injectFaults(p: { repeatRange: number; duplicatePage: number; reorder: number; repeatPage: number }): void {
  let lastRanged: SearchResult | undefined;
  Client.prototype.search = async function (this: Client, base: Parameters<Client['search']>[0], options: SearchOptions = {}, controls?: Parameters<Client['search']>[2]) {
    const ranged = (options.attributes ?? []).some((a) => a.startsWith('member;range='));
    const roll = ranged ? random() : 1;
    if (ranged && lastRanged && roll < p.repeatRange) {
      faults.rangesRepeated++;
      return lastRanged;
    }
    const result = await original.search.call(this, base, options, controls);
    if (ranged) lastRanged = result;
    return result;
  } as Client['search'];
  Client.prototype.searchPaginated = async function* (this: Client, base: Parameters<Client['searchPaginated']>[0], options: SearchOptions = {}, controls?: Parameters<Client['searchPaginated']>[2]) {
    const pages: SearchResult[] = [];
    for await (const page of original.searchPaginated.call(this, base, options, controls)) pages.push(page);
    const out: SearchResult[] = [];
    for (const [i, page] of pages.entries()) {
      if (i > 0 && random() < p.repeatPage) {
        faults.pagesRepeated++;
        out.push(out[out.length - 1] as SearchResult);
        continue;
      }
      out.push(page);
      if (random() < p.duplicatePage) {
        faults.pagesDuplicated++;
        out.push(page);
      }
    }
    for (let i = 1; i < out.length; i++) {
      if (random() < p.reorder) {
        faults.pagesReordered++;
        [out[i - 1], out[i]] = [out[i] as SearchResult, out[i - 1] as SearchResult];
      }
    }
    yield* out;
  } as Client['searchPaginated'];
}

describeAd('AD listing when LDAP answers misbehave', () => {
  beforeAll(async () => {
    dc = await startDc();
    admin = await adminClient(dc);
  }, DC_START_TIMEOUT_MS);
  afterEach(() => {
    Client.prototype.search = original.search;
    Client.prototype.searchPaginated = original.searchPaginated;
  });
  afterAll(async () => {
    await admin?.unbind();
    await dc?.destroy();
  });

  it('lists every member exactly once through repeated ranges and duplicated, reordered and repeated pages', async () => {
    // A group with 5,000 direct members, and nine member groups each holding a user: pages of two.
    const outer = await createGroup(admin, 'Chaos-Outer');
    await addMember(admin, outer.dn, BULK_GROUP_DN);
    const nested: string[] = [];
    for (let i = 0; i < 9; i++) {
      const group = await createGroup(admin, `Chaos-Nested-${i}`);
      const user = await createUser(admin, `chaos-user-${i}`);
      await addMember(admin, group.dn, user.dn);
      await addMember(admin, BULK_GROUP_DN, group.dn);
      nested.push(group.dn, user.dn);
    }
    const ad = new AdConnector(parseConnectorConfig(adConfig(dc, { id: 'ad-chaos', rangeSize: 499, pageSize: 2 })) as AdConnectorConfig, { warn: () => undefined });
    const resource = { id: 'res-chaos', kind: 'ad_group' as const, connector: 'ad' as const, connectorId: 'ad-chaos', target: { externalId: outer.dn }, name: 'Chaos' };
    const clean = await ad.listAssignments(resource);
    expect(clean).toHaveLength(1 + BULK_MEMBERS + nested.length);

    injectFaults({ repeatRange: 0.2, duplicatePage: 0.2, reorder: 0.3, repeatPage: 0.1 });
    for (let run = 0; run < 3; run++) {
      const listed = await ad.listAssignments(resource);
      const ids = listed.map((a) => a.principalId.toLowerCase());
      expect(new Set(ids).size).toBe(ids.length);
      expect(new Set(ids)).toEqual(new Set(clean.map((a) => a.principalId.toLowerCase())));
    }
    expect(faults.rangesRepeated).toBeGreaterThan(0);
    expect(faults.pagesDuplicated + faults.pagesReordered + faults.pagesRepeated).toBeGreaterThan(0);
    ad.close();
  });
});
