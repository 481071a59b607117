import { AndFilter, EqualityFilter } from 'ldapts';
import { canonicalDn } from './dn.js';
import { entryKey as keyOf, pagedSearch, readMembersRanged, type Resolved } from './directory.js';
import type { AdConnectorConfig } from './config.js';
import type { Session } from './pool.js';

const tidy = (dn: string): string => {
  try {
    return canonicalDn(dn);
  } catch {
    return dn;
  }
};

/** Nested groups are followed this deep at most (AD itself allows any depth; cycles are cut by `visited`). */
const MAX_GROUPS = 10_000;

/**
 * Every member of a group, nested ones included: each group's `member` read in ranges (so a
 * group past AD's MaxValRange is read whole), and its member groups found with a paged search
 * `(&(objectClass=group)(memberOf=<group>))`, followed in turn. An in-chain search over the base
 * DN would find the same objects, but costs seconds on a 5,000-member group; this costs reads.
 */
export async function listGroupMembers(session: Session, config: Pick<AdConnectorConfig, 'baseDn' | 'rangeSize' | 'pageSize'>, group: Resolved): Promise<{ dn: string; detail: string }[]> {
  const out: { dn: string; detail: string }[] = [];
  const seen = new Set<string>();
  const visited = new Set<string>([keyOf(group.dn)]);
  const queue: { dn: string; via: string[] }[] = [{ dn: group.dn, via: [] }];
  for (let next = queue.shift(); next; next = queue.shift()) {
    const { members, reads } = await readMembersRanged(session, next.dn, config.rangeSize);
    for (const dn of members) {
      const key = keyOf(dn);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ dn: tidy(dn), detail: next.via.length === 0 ? `direct member (member read in ${reads} range(s))` : `nested member through ${next.via.join(' > ')}` });
    }
    const filter = new AndFilter({ filters: [new EqualityFilter({ attribute: 'objectClass', value: 'group' }), new EqualityFilter({ attribute: 'memberOf', value: next.dn })] });
    const { entries } = await pagedSearch(session, config.baseDn, filter, ['1.1'], config.pageSize);
    for (const entry of entries) {
      const key = keyOf(entry.dn);
      if (visited.has(key) || visited.size >= MAX_GROUPS) continue;
      visited.add(key);
      queue.push({ dn: entry.dn, via: [...next.via, tidy(entry.dn)] });
    }
  }
  return out;
}
