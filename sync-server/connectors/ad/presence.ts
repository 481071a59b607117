import type { AssignmentRef } from '../../../core/index.js';
import { IN_CHAIN, readPresence, type Resolved } from './directory.js';
import { LDAP, ldapCode } from './errors.js';
import type { Session } from './pool.js';

type Resolve = (session: Session, value: string) => Promise<Resolved | undefined>;

/** The object's DN now, read by its GUID (it may have been renamed or moved since it was resolved). */
async function currentDn(session: Session, guid: string): Promise<string | undefined> {
  try {
    const { searchEntries } = await session.client.search(`<GUID=${guid}>`, { scope: 'base', attributes: ['1.1'] });
    return searchEntries[0]?.dn;
  } catch (error) {
    if (ldapCode(error) === LDAP.noSuchObject) return undefined;
    throw error;
  }
}

const yes = (v: boolean | undefined) => (v === undefined ? 'not read' : v ? 'yes' : 'no');

/**
 * One verification read: whether the principal is in the group now, directly or through nesting,
 * with the evidence in words: which checks said what, and the path when it is nested.
 */
export async function readPresenceByGuid(resolve: Resolve, baseDn: string, session: Session, ref: AssignmentRef): Promise<{ present: boolean; detail: string }> {
  const group = await resolve(session, ref.resource.target.externalId);
  if (!group) return { present: false, detail: `the group ${ref.resource.target.externalId} does not exist under ${baseDn}` };
  const member = await resolve(session, ref.principalId);
  if (!member) return { present: false, detail: `the account ${ref.principalId} does not exist under ${baseDn}` };
  const groupDn = await currentDn(session, group.guid);
  if (!groupDn) return { present: false, detail: `the group ${group.dn} (GUID ${group.guid}) has been deleted` };
  const memberDn = await currentDn(session, member.guid);
  if (!memberDn) return { present: false, detail: `the account ${member.dn} (GUID ${member.guid}) has been deleted` };
  const p = await readPresence(session, baseDn, memberDn, { ...group, dn: groupDn });
  const present = p.direct || p.inChain || p.tokenGroups === true;
  const path = p.direct ? 'a direct member' : p.inChain ? `a nested member through ${p.via.length > 0 ? p.via.join(' | ') : 'a group outside the base DN'}` : p.tokenGroups ? 'a member through its primary group' : 'not a member';
  return {
    present,
    detail: `on ${session.dc.dnsHostName}: ${memberDn} is ${path} of ${groupDn} (direct member value: ${yes(p.direct)}; in chain ${IN_CHAIN}: ${yes(p.inChain)}; tokenGroups: ${yes(p.tokenGroups)})`,
  };
}
