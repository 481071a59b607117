import type { ConnectorKind, DirectoryUser } from '../../core/index.js';
import type { Store } from '../store/types.js';

/** Entra object ids are GUIDs. */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A link refused: the HTTP status, the machine code, the sentence and the field it is about. */
export class LinkRuleError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409,
    readonly code: 'invalid_input' | 'not_found' | 'forbidden' | 'conflict',
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'LinkRuleError';
  }
}

export type DirectoryOf = (connectorId: string) => 'entra' | 'ad' | 'manual' | 'webhook' | undefined;

/** A connector id's kind: the configured connector's, else that of the resources that name it (a connector configured elsewhere, e.g. in the worker). */
export function directoryKindOf(registry: { get(id: string): { kind: ConnectorKind } | undefined } | undefined, store: Store): DirectoryOf {
  return (id) => registry?.get(id)?.kind ?? store.list('resources').find((r) => r.connectorId === id)?.connector;
}

export type LinkChange = { connectorId: string; from: string | null; to: string | null };

/**
 * Sets (or, with null, removes) a person's object in some directories by hand. Each changed link
 * is marked manual (`manualLinks`), so the directory sync leaves it as the admin set it, and is
 * audited as `account.linked` / `account.unlinked` with the reason. Keys are configured connector
 * ids, or `entra` / `ad` for any connector of that kind with no key of its own. Runs in the caller's
 * transaction.
 */
export function setDirectoryLinks(
  store: Store,
  input: { actorId: string; personId: string; links: Record<string, string | null>; reason: string; at: string },
  directoryOf: DirectoryOf,
): { person: DirectoryUser; changes: LinkChange[] } {
  const person = store.get('users', input.personId);
  if (!person) throw new LinkRuleError(404, 'not_found', `user ${input.personId} does not exist`);
  // A link decides who signs in through single sign-on and whose grants land where: never one's own.
  if (input.actorId === person.id) throw new LinkRuleError(403, 'forbidden', 'an admin does not link their own account to a directory; another admin does');
  const ids: Record<string, string> = { ...person.externalIds };
  const manual = new Set(person.manualLinks ?? []);
  const changes: LinkChange[] = [];
  for (const [key, value] of Object.entries(input.links)) {
    const kind = key === 'entra' || key === 'ad' ? key : directoryOf(key);
    const field = `externalIds.${key}`;
    if (!kind) throw new LinkRuleError(400, 'invalid_input', `${field}: no connector is configured with id ${key}`, field);
    if (kind === 'manual' || kind === 'webhook') throw new LinkRuleError(400, 'invalid_input', `${field}: ${key} is a ${kind} connector, which addresses people by their user name`, field);
    if (value !== null && kind === 'entra' && !GUID.test(value)) throw new LinkRuleError(400, 'invalid_input', `${field}: an Entra object id is a GUID such as 8d3c0e4a-1f2b-4c5d-9e6f-0a1b2c3d4e5f`, field);
    if (value !== null && (value.trim() !== value || value.length === 0 || [...value].some((ch) => (ch.codePointAt(0) as number) < 0x20))) throw new LinkRuleError(400, 'invalid_input', `${field}: must be a directory object id or distinguished name without surrounding spaces`, field);
    if (value !== null) {
      // One directory object is one person: a second holder would sign in (or be granted, or be offboarded) as the first.
      const holder = holderOf(store, kind, key, value, directoryOf, person.id);
      if (holder) throw new LinkRuleError(409, 'conflict', `${field}: ${value} is already linked to ${holder.displayName} (${holder.id}); unlink it there first`, field);
    }
    const from = ids[key] ?? null;
    if (from === value && manual.has(key)) continue;
    if (value === null) delete ids[key];
    else ids[key] = value;
    manual.add(key);
    changes.push({ connectorId: key, from, to: value });
  }
  if (changes.length === 0) return { person, changes };
  const written = store.put('users', { ...person, externalIds: ids, manualLinks: [...manual].sort(), updatedAt: input.at });
  for (const change of changes) {
    store.appendAudit({
      type: change.to === null ? 'account.unlinked' : 'account.linked',
      actorId: input.actorId,
      subjectType: 'account',
      subjectId: person.id,
      data: { connectorId: change.connectorId, from: change.from, to: change.to, manual: true, reason: input.reason },
      at: input.at,
    });
  }
  return { person: written, changes };
}

/** Another person holding this object id in the same kind of directory (ids compared without case), if any. */
function holderOf(store: Store, kind: string, key: string, value: string, directoryOf: DirectoryOf, exceptId: string): DirectoryUser | undefined {
  const wanted = value.toLowerCase();
  return store.list('users').find(
    (u) =>
      u.id !== exceptId &&
      Object.entries(u.externalIds as Record<string, string>).some(([k, v]) => (k === key || (k === 'entra' || k === 'ad' ? k : directoryOf(k)) === kind) && typeof v === 'string' && v.toLowerCase() === wanted),
  );
}

