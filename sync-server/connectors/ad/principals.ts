import { EqualityFilter, OrFilter } from 'ldapts';
import type { PrincipalFacts, PrincipalReport } from '../../../core/index.js';
import type { AdConnectorConfig } from './config.js';
import { entryKey, pagedSearch } from './directory.js';
import type { Session } from './pool.js';

/** userAccountControl's ACCOUNTDISABLE bit. */
const ACCOUNTDISABLE = 0x2;
/** Distinguished names per search: one OR filter, well under any server's filter limits. */
const CHUNK = 50;
/** 100-ns intervals between 1601-01-01 and 1970-01-01 (Windows FILETIME to Unix). */
const EPOCH_DIFF = 116_444_736_000_000_000n;

const single = (value: unknown): string | undefined => (Array.isArray(value) ? (value[0] as string | undefined) : typeof value === 'string' ? value : undefined);

/** lastLogonTimestamp (FILETIME) as an ISO time; absent or 0: never signed in. */
export function fileTimeToIso(value: string | undefined): string | null {
  if (!value || !/^\d+$/.test(value) || value === '0') return null;
  const ms = (BigInt(value) - EPOCH_DIFF) / 10_000n;
  return ms > 0n ? new Date(Number(ms)).toISOString() : null;
}

/**
 * Accounts' userAccountControl and lastLogonTimestamp, 50 DNs per paged search
 * `(|(distinguishedName=...)...)` under the base DN. lastLogonTimestamp replicates between DCs only
 * every ms-DS-Logon-Time-Sync-Interval (about 9 to 14 days), which is finer than a 90-day staleness
 * threshold needs; absent, the account never signed in. Keys are the DNs as given.
 */
export async function describeAdPrincipals(session: Session, config: Pick<AdConnectorConfig, 'baseDn' | 'pageSize'>, principalIds: readonly string[]): Promise<PrincipalReport> {
  const byKey = new Map(principalIds.map((dn) => [entryKey(dn), dn]));
  const keys = [...byKey.keys()];
  const principals = new Map<string, PrincipalFacts>();
  for (let i = 0; i < keys.length; i += CHUNK) {
    const chunk = keys.slice(i, i + CHUNK).map((k) => byKey.get(k)!);
    const filter = new OrFilter({ filters: chunk.map((dn) => new EqualityFilter({ attribute: 'distinguishedName', value: dn })) });
    const { entries } = await pagedSearch(session, config.baseDn, filter, ['objectClass', 'userAccountControl', 'lastLogonTimestamp'], config.pageSize);
    for (const entry of entries) {
      const given = byKey.get(entryKey(entry.dn));
      if (!given) continue;
      const classes = (Array.isArray(entry.objectClass) ? entry.objectClass : [entry.objectClass]).map((c) => String(c).toLowerCase());
      if (classes.includes('group')) {
        principals.set(given, { enabled: null, lastSignInAt: null, isGroup: true });
        continue;
      }
      const uac = Number(single(entry.userAccountControl));
      principals.set(given, { enabled: Number.isFinite(uac) && single(entry.userAccountControl) !== undefined ? (uac & ACCOUNTDISABLE) === 0 : null, lastSignInAt: fileTimeToIso(single(entry.lastLogonTimestamp)) });
    }
  }
  return { signInReadable: true, principals };
}
