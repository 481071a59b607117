/**
 * The LDAP reads and writes of the AD connector, one function each, over a bound session.
 * Every filter is an ldapts Filter object (sent as BER: a value can never become syntax), every
 * DN goes through dn.ts; the strings shown in receipts are the filters' own escaped renderings.
 */
import { AndFilter, Attribute, Change, EqualityFilter, ExtensibleFilter, OrFilter, type Filter } from 'ldapts';
import type { Session } from './pool.js';
import { canonicalDn, DnSyntaxError, dnKey, formatDn, looksLikeDn, parseDn } from './dn.js';
import { LDAP, ldapCode } from './errors.js';

/** LDAP_MATCHING_RULE_IN_CHAIN: follows `member` / `memberOf` links through every level of nesting. */
export const IN_CHAIN = '1.2.840.113556.1.4.1941';

export type Resolved = { dn: string; guid: string; sid?: string; sAMAccountName?: string };

/** AD writes objectGUID with its first three fields little-endian. */
export function guidToString(bytes: Buffer): string {
  if (bytes.length !== 16) throw new Error('an objectGUID is 16 bytes');
  const h = bytes.toString('hex');
  const le = (s: string) => s.match(/../g)?.reverse().join('') ?? '';
  return `${le(h.slice(0, 8))}-${le(h.slice(8, 12))}-${le(h.slice(12, 16))}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const GUID = /^\{?([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}?$/i;

export function guidToBytes(guid: string): Buffer {
  const m = GUID.exec(guid);
  if (!m) throw new Error(`"${guid.slice(0, 64)}" is not a GUID`);
  const le = (s: string) => s.match(/../g)?.reverse().join('') ?? '';
  return Buffer.from(`${le(m[1] as string)}${le(m[2] as string)}${le(m[3] as string)}${m[4]}${m[5]}`, 'hex');
}

/** objectSid bytes to S-1-5-21-... */
export function sidToString(bytes: Buffer): string {
  const revision = bytes[0] as number;
  const count = bytes[1] as number;
  const authority = bytes.readUIntBE(2, 6);
  const subs: number[] = [];
  for (let i = 0; i < count; i++) subs.push(bytes.readUInt32LE(8 + 4 * i));
  return `S-${revision}-${authority}${subs.map((s) => `-${s}`).join('')}`;
}

/** How a user or group is named in a resource or a user's externalIds.ad. */
export type ObjectRef = { by: 'dn'; dn: string } | { by: 'guid'; guid: string } | { by: 'sAMAccountName'; name: string };

/** Reads a reference: a DN, a GUID (`<GUID=...>` or bare), or a sAMAccountName (`DOMAIN\name` or `name`). */
export function parseObjectRef(value: string): ObjectRef {
  const trimmed = value.trim();
  const guid = /^<GUID=(.+)>$/i.exec(trimmed)?.[1] ?? (GUID.test(trimmed) ? trimmed : undefined);
  if (guid !== undefined) {
    guidToBytes(guid);
    return { by: 'guid', guid: guid.replace(/[{}]/g, '').toLowerCase() };
  }
  if (looksLikeDn(trimmed)) return { by: 'dn', dn: canonicalDn(value) };
  const name = trimmed.includes('\\') ? trimmed.slice(trimmed.indexOf('\\') + 1) : trimmed;
  // sAMAccountName may not hold these (and at most 256 characters): anything else is not a name.
  const controlCharacter = [...name].some((ch) => (ch.codePointAt(0) as number) < 0x20);
  if (name === '' || name.length > 256 || controlCharacter || /["/\\[\]:;|=,+*?<>@]/.test(name)) throw new DnSyntaxError(`"${value.slice(0, 64)}" is neither a DN, a GUID nor a sAMAccountName`);
  return { by: 'sAMAccountName', name };
}

const one = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);

function resolvedOf(entry: { dn: string; [k: string]: unknown }): Resolved {
  const guid = one(entry.objectGUID);
  const sid = one(entry.objectSid);
  const sam = one(entry.sAMAccountName);
  return {
    dn: canonicalDn(entry.dn),
    guid: Buffer.isBuffer(guid) ? guidToString(guid) : '',
    ...(Buffer.isBuffer(sid) ? { sid: sidToString(sid) } : {}),
    ...(typeof sam === 'string' ? { sAMAccountName: sam } : {}),
  };
}

const IDENTITY = { attributes: ['objectGUID', 'objectSid', 'sAMAccountName'], explicitBufferAttributes: ['objectGUID', 'objectSid'] };

/** The object a reference names, or undefined when there is none. More than one match is an error. */
export async function resolveObject(session: Session, baseDn: string, ref: ObjectRef): Promise<Resolved | undefined> {
  const { client } = session;
  if (ref.by === 'dn') {
    try {
      const { searchEntries } = await client.search(ref.dn, { scope: 'base', filter: new EqualityFilter({ attribute: 'objectClass', value: 'top' }), ...IDENTITY });
      return searchEntries[0] ? resolvedOf(searchEntries[0]) : undefined;
    } catch (error) {
      if (ldapCode(error) === LDAP.noSuchObject) return undefined;
      throw error;
    }
  }
  const filter = ref.by === 'guid' ? new EqualityFilter({ attribute: 'objectGUID', value: guidToBytes(ref.guid) }) : new EqualityFilter({ attribute: 'sAMAccountName', value: ref.name });
  const { searchEntries } = await client.search(baseDn, { scope: 'sub', filter, sizeLimit: 2, ...IDENTITY });
  if (searchEntries.length > 1) throw new Error(`${filter.toString()} matches more than one object under ${baseDn}`);
  return searchEntries[0] ? resolvedOf(searchEntries[0]) : undefined;
}

/** A key for a reference, and the same key for the entry it names (to match a batch's answers to what was asked). */
function refKey(ref: ObjectRef): string {
  return ref.by === 'dn' ? `dn:${dnKey(ref.dn)}` : ref.by === 'guid' ? `guid:${ref.guid}` : `sam:${ref.name.toLowerCase()}`;
}

/**
 * Many references in few searches: one subtree search under the base DN per 100, an OR of
 * equality filters on distinguishedName, objectGUID or sAMAccountName. What it does not find
 * (a DN outside the base DN, a deleted object) is looked up one by one, as resolveObject would.
 */
export async function resolveObjects(session: Session, baseDn: string, refs: ObjectRef[]): Promise<Map<string, Resolved | undefined>> {
  const found = new Map<string, Resolved | undefined>();
  const unique = [...new Map(refs.map((r) => [refKey(r), r])).values()];
  for (let i = 0; i < unique.length; i += 100) {
    const slice = unique.slice(i, i + 100);
    if (slice.length === 1) break;
    const filters = slice.map((r) =>
      r.by === 'dn' ? new EqualityFilter({ attribute: 'distinguishedName', value: r.dn }) : r.by === 'guid' ? new EqualityFilter({ attribute: 'objectGUID', value: guidToBytes(r.guid) }) : new EqualityFilter({ attribute: 'sAMAccountName', value: r.name }),
    );
    const { searchEntries } = await session.client.search(baseDn, { scope: 'sub', filter: new OrFilter({ filters }), attributes: [...IDENTITY.attributes, 'distinguishedName'], explicitBufferAttributes: IDENTITY.explicitBufferAttributes, sizeLimit: slice.length * 2 + 1 });
    const byKey = new Map<string, Resolved[]>();
    for (const entry of searchEntries) {
      const resolved = resolvedOf(entry);
      for (const key of [`dn:${dnKey(entry.dn)}`, `guid:${resolved.guid}`, ...(resolved.sAMAccountName ? [`sam:${resolved.sAMAccountName.toLowerCase()}`] : [])]) byKey.set(key, [...(byKey.get(key) ?? []), resolved]);
    }
    for (const r of slice) {
      const hits = byKey.get(refKey(r));
      if (hits?.length === 1) found.set(refKey(r), hits[0]);
    }
  }
  for (const r of unique) if (!found.has(refKey(r))) found.set(refKey(r), await resolveObject(session, baseDn, r));
  return found;
}

export { refKey };

/** One modify adding or deleting `member` values: all of them or none (LDAP applies a modify atomically). */
export async function modifyMembers(session: Session, groupDn: string, operation: 'add' | 'delete', memberValues: string[]): Promise<void> {
  await session.client.modify(groupDn, new Change({ operation, modification: new Attribute({ type: 'member', values: memberValues }) }));
}

export const directFilter = (memberDn: string): Filter => new EqualityFilter({ attribute: 'member', value: memberDn });
export const inChainFilter = (groupDn: string): Filter => new ExtensibleFilter({ matchType: 'memberOf', rule: IN_CHAIN, value: groupDn });

async function baseMatches(session: Session, dn: string, filter: Filter): Promise<boolean> {
  try {
    const { searchEntries } = await session.client.search(dn, { scope: 'base', filter, attributes: ['1.1'] });
    return searchEntries.length > 0;
  } catch (error) {
    if (ldapCode(error) === LDAP.noSuchObject) return false;
    throw error;
  }
}

export type Presence = { direct: boolean; inChain: boolean; tokenGroups: boolean | undefined; via: string[] };

/**
 * Whether `userDn` is in `groupDn` now: directly (a base read of the group with `(member=user)`),
 * through nesting (a base read of the user with the in-chain rule), and, when the group's SID is
 * known, in the user's tokenGroups (which also counts a primary group). `via` names the user's
 * direct groups that lead into the target, when the membership is nested.
 */
export async function readPresence(session: Session, baseDn: string, userDn: string, group: Resolved): Promise<Presence> {
  const direct = await baseMatches(session, group.dn, directFilter(userDn));
  const inChain = await baseMatches(session, userDn, inChainFilter(group.dn));
  let tokenGroups: boolean | undefined;
  if (group.sid) {
    try {
      const { searchEntries } = await session.client.search(userDn, { scope: 'base', attributes: ['tokenGroups'], explicitBufferAttributes: ['tokenGroups'] });
      const raw = searchEntries[0]?.tokenGroups;
      const sids = (Array.isArray(raw) ? raw : raw ? [raw] : []).filter(Buffer.isBuffer).map(sidToString);
      tokenGroups = searchEntries.length > 0 ? sids.includes(group.sid) : false;
    } catch (error) {
      if (ldapCode(error) !== LDAP.noSuchObject) throw error;
      tokenGroups = false;
    }
  }
  let via: string[] = [];
  if (!direct && inChain) {
    const filter = new AndFilter({ filters: [new EqualityFilter({ attribute: 'objectClass', value: 'group' }), directFilter(userDn), inChainFilter(group.dn)] });
    const { searchEntries } = await session.client.search(baseDn, { scope: 'sub', filter, attributes: ['1.1'], sizeLimit: 20 });
    via = searchEntries.map((e) => canonicalDn(e.dn));
  }
  return { direct, inChain, tokenGroups, via };
}

/** `member;range=0-1499` -> [0, 1499]; `member;range=1500-*` -> [1500, '*']. */
export function parseRange(key: string): { low: number; high: number | '*' } | undefined {
  const m = /;range=(\d+)-(\d+|\*)$/i.exec(key);
  if (!m) return undefined;
  return { low: Number(m[1]), high: m[2] === '*' ? '*' : Number(m[2]) };
}

/**
 * Every value of `member`, read in ranges (`member;range=low-high`) until the DC answers a range
 * ending in `*`. AD returns at most MaxValRange values (1,500) of an attribute in one read and says
 * which range it returned; a client that stops at the first read sees a big group as small. The
 * next range starts after the last one returned, whatever size the DC chose.
 */
export async function readMembersRanged(session: Session, groupDn: string, rangeSize: number): Promise<{ members: string[]; reads: number }> {
  const members: string[] = [];
  let low = 0;
  let again = 0;
  for (let reads = 1; reads <= 100_000; reads++) {
    const wanted = `member;range=${low}-${low + rangeSize - 1}`;
    const { searchEntries } = await session.client.search(groupDn, { scope: 'base', filter: new EqualityFilter({ attribute: 'objectClass', value: 'group' }), attributes: [wanted] });
    const entry = searchEntries[0];
    if (!entry) throw Object.assign(new Error(`${groupDn} is not a group`), { code: LDAP.noSuchObject });
    // An answer about another entry (a reply to another request) is asked for again.
    if (!groupDn.startsWith('<') && entryKey(entry.dn) !== entryKey(groupDn)) {
      if (++again > 5) throw new Error(`the DC answered about ${entry.dn} for ${groupDn}, ${again} times`);
      continue;
    }
    const key = Object.keys(entry).find((k) => k.toLowerCase().startsWith('member;range='));
    if (!key) {
      // No range in the answer: the DC sent every value at once (`member`), or there are none.
      const all = entry.member;
      if (low === 0) members.push(...(Array.isArray(all) ? all.map(String) : all ? [String(all)] : []));
      return { members, reads };
    }
    const values = entry[key];
    const list = Array.isArray(values) ? values.map(String) : values ? [String(values)] : [];
    const range = parseRange(key);
    if (!range) throw new Error(`the DC answered ${key.slice(0, 80)} for ${wanted}`);
    // An answer for another range (a stale or repeated one), or one whose count does not match its
    // label, is asked for again: taking it would drop or double members.
    if (range.low !== low || (range.high !== '*' && list.length !== 0 && list.length !== range.high - range.low + 1)) {
      if (++again > 5) throw new Error(`the DC answered ${key} with ${list.length} values for ${wanted}, ${again} times`);
      continue;
    }
    again = 0;
    members.push(...list);
    // An empty range ends it too: Samba answers an emptied group with member;range=0-<asked> and no values.
    if (range.high === '*' || list.length === 0) return { members, reads };
    low = range.high + 1;
  }
  throw new Error(`reading the members of ${groupDn} did not end`);
}

type Entry = { dn: string; [k: string]: unknown };

/** dnKey, or the lower-cased string for a DN this parser would refuse (never thrown on a server's answer). */
export function entryKey(dn: string): string {
  try {
    return dnKey(dn);
  } catch {
    return dn.toLowerCase();
  }
}

/**
 * A subtree search in pages (Simple Paged Results, RFC 2696): every entry once, `pageSize` per
 * page. Entries are kept once, by DN, whatever order the pages come in. A correct server never
 * sends an entry twice in one search; when it does, the repeated page may have stood in for one
 * never delivered, so the search is run again and the runs are united (a repeat only repeats real
 * entries): done as soon as one run had no entry twice, or when two runs in a row added nothing;
 * at most five runs.
 */
export async function pagedSearch(session: Session, baseDn: string, filter: Filter, attributes: string[], pageSize: number): Promise<{ entries: Entry[]; pages: number; runs: number }> {
  const seen = new Map<string, Entry>();
  let pages = 0;
  let unchanged = 0;
  for (let runs = 1; runs <= 5; runs++) {
    const before = seen.size;
    const thisRun = new Set<string>();
    let repeated = false;
    for await (const page of session.client.searchPaginated(baseDn, { scope: 'sub', filter, attributes, explicitBufferAttributes: attributes.filter((a) => a === 'objectGUID'), paged: { pageSize } })) {
      pages++;
      for (const e of page.searchEntries) {
        const key = entryKey(e.dn);
        // An entry twice in one run: a page came twice, and may have stood in for another.
        if (thisRun.has(key)) repeated = true;
        thisRun.add(key);
        if (!seen.has(key)) seen.set(key, e);
      }
    }
    if (!repeated) return { entries: [...seen.values()], pages, runs };
    unchanged = runs > 1 && seen.size === before ? unchanged + 1 : 0;
    if (unchanged >= 2) return { entries: [...seen.values()], pages, runs };
  }
  throw new Error(`paged searches of ${baseDn} kept repeating pages and finding new entries: the listing may be incomplete`);
}

/**
 * Whether the forest has the Privileged Access Management optional feature enabled (time-bound
 * memberships, `<TTL=...,DN>` values). Windows Server 2016 forests can; Samba has no such feature.
 */
export async function detectPam(session: Session): Promise<{ enabled: boolean; detail: string }> {
  const configNc = session.dc.configurationNamingContext;
  if (!configNc) return { enabled: false, detail: 'the DC names no configuration partition' };
  const features = formatDn([[{ type: 'CN', value: 'Optional Features' }], [{ type: 'CN', value: 'Directory Service' }], [{ type: 'CN', value: 'Windows NT' }], [{ type: 'CN', value: 'Services' }], ...parseDn(configNc)]);
  let names: string[];
  let enabled: boolean;
  try {
    const { searchEntries } = await session.client.search(features, { scope: 'one', filter: new EqualityFilter({ attribute: 'objectClass', value: 'msDS-OptionalFeature' }), attributes: ['cn', 'msDS-EnabledFeatureBL'] });
    names = searchEntries.map((e) => String(one(e.cn) ?? ''));
    const pam = searchEntries.find((e) => /^Privileged Access Management Feature$/i.test(String(one(e.cn) ?? '')));
    const links = pam?.['msDS-EnabledFeatureBL'];
    enabled = Boolean(pam) && (Array.isArray(links) ? links.length > 0 : Boolean(links));
  } catch (error) {
    if (ldapCode(error) === LDAP.noSuchObject) return { enabled: false, detail: 'the forest has no optional features container' };
    throw error;
  }
  if (enabled) return { enabled: true, detail: 'Privileged Access Management is enabled: memberships get a TTL as a safety net' };
  return {
    enabled: false,
    detail: `no Privileged Access Management feature (optional features: ${names.join(', ') || 'none'}): memberships end by scheduled removal only`,
  };
}
