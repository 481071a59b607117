import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { AccountRole, DirectoryUser } from '../../core/index.js';
import type { Store } from '../store/types.js';
import type { MatchRule } from './config.js';
import { record, type ChangeReport, type FieldChange } from './report.js';
import type { PersonEntry, PersonFields, ServiceEntry } from './types.js';

/** A stable person id for an object first seen in a directory: the same on every run and every server. */
export function personIdFor(connectorId: string, objectId: string): string {
  return `dir-${createHash('sha256').update(`${connectorId}\u0000${objectId}`).digest('hex').slice(0, 24)}`;
}

const lower = (s: string | undefined): string => (s ?? '').toLowerCase();

/**
 * The people known to the store, by what the matching rules look up: object id per connector,
 * user name (a UPN), e-mail. Built once per run and kept in step with the writes it makes.
 */
export class PeopleIndex {
  private readonly byId = new Map<string, DirectoryUser>();
  private readonly byObject = new Map<string, string>();
  private readonly byUsername = new Map<string, string>();
  private readonly byMail = new Map<string, string>();

  constructor(
    private readonly connectorId: string,
    private readonly kind: 'entra' | 'ad',
    people: Iterable<DirectoryUser>,
  ) {
    for (const person of people) this.add(person);
  }

  /** The object this person has in this source's directory (its own key, else the kind's). */
  objectOf(person: DirectoryUser): string | undefined {
    const ids = person.externalIds as Record<string, string | undefined>;
    return ids[this.connectorId] ?? ids[this.kind];
  }

  add(person: DirectoryUser): void {
    const previous = this.byId.get(person.id);
    if (previous) this.drop(previous);
    this.byId.set(person.id, person);
    const objectId = this.objectOf(person);
    if (objectId && !this.byObject.has(objectId)) this.byObject.set(objectId, person.id);
    if (person.username && !this.byUsername.has(lower(person.username))) this.byUsername.set(lower(person.username), person.id);
    if (person.email && !this.byMail.has(lower(person.email))) this.byMail.set(lower(person.email), person.id);
  }

  private drop(person: DirectoryUser): void {
    const objectId = this.objectOf(person);
    if (objectId && this.byObject.get(objectId) === person.id) this.byObject.delete(objectId);
    if (this.byUsername.get(lower(person.username)) === person.id) this.byUsername.delete(lower(person.username));
    if (this.byMail.get(lower(person.email)) === person.id) this.byMail.delete(lower(person.email));
  }

  get(id: string): DirectoryUser | undefined {
    return this.byId.get(id);
  }

  byObjectId(objectId: string): DirectoryUser | undefined {
    const id = this.byObject.get(objectId);
    return id ? this.byId.get(id) : undefined;
  }

  /** The person an object belongs to, by the rules in order; a name or address match only takes a person with no object here yet, and never one with console roles beyond requesting. */
  match(objectId: string, fields: PersonFields, rules: readonly MatchRule[]): { person: DirectoryUser; rule: MatchRule } | undefined {
    for (const rule of rules) {
      let id: string | undefined;
      if (rule === 'objectId') id = this.byObject.get(objectId);
      else if (rule === 'userPrincipalName' && fields.userPrincipalName) id = this.byUsername.get(lower(fields.userPrincipalName));
      else if (rule === 'mail' && fields.mail) id = this.byMail.get(lower(fields.mail)) ?? this.byUsername.get(lower(fields.mail));
      const person = id ? this.byId.get(id) : undefined;
      if (!person) continue;
      if (rule !== 'objectId' && this.objectOf(person) && this.objectOf(person) !== objectId) continue;
      // A name or address can be set by whoever administers the directory (or a guest invitation);
      // a person who holds console roles beyond requesting is linked only by object id or by an admin,
      // since the link decides who signs in as them through single sign-on.
      if (rule !== 'objectId' && person.roles.some((role) => role !== 'requester')) continue;
      return { person, rule };
    }
    return undefined;
  }
}

export type ApplyContext = {
  store: Store;
  connectorId: string;
  index: PeopleIndex;
  rules: readonly MatchRule[];
  newPersonRoles: AccountRole[];
  report: ChangeReport;
  /** People this run added (their manager filled in at the end is part of being added, not a change). */
  addedIds: Set<string>;
  at: string;
  /** Offboarded and not yet enabled again by an admin: the directory's "enabled" does not clear `disabled`. */
  heldDisabled(personId: string): boolean;
  /** Sets the person's manager now if known, else marks it pending for the end of the round. */
  managerFor(managerObjectId: string | null): { managerId: string | null; pending: boolean };
};

const TRACKED: readonly (keyof DirectoryUser)[] = ['displayName', 'email', 'username', 'department', 'jobTitle', 'employeeType', 'managerId'];

function fieldChanges(before: DirectoryUser, after: DirectoryUser): Record<string, FieldChange> {
  const out: Record<string, FieldChange> = {};
  for (const field of TRACKED) {
    const from = before[field] ?? '';
    const to = after[field] ?? '';
    if (from !== to) out[field] = { from, to };
  }
  return out;
}

/** The person as this entry says it is now; fields the entry does not carry stay as they were. */
function merged(person: DirectoryUser, entry: Extract<PersonEntry, { removed?: undefined }>, ctx: ApplyContext, syncCreated: boolean): DirectoryUser {
  const f = entry.fields;
  const next: DirectoryUser = { ...person, externalIds: { ...person.externalIds, [ctx.connectorId]: entry.objectId } };
  if (f.displayName) next.displayName = f.displayName.slice(0, 256);
  if (f.mail !== undefined) next.email = f.mail.slice(0, 320);
  // A console account keeps the user name it signs in with; a person the sync created is named by the directory.
  if (syncCreated && f.userPrincipalName) next.username = f.userPrincipalName.slice(0, 256);
  if (f.department !== undefined) next.department = f.department.slice(0, 128);
  if (f.jobTitle !== undefined) next.jobTitle = f.jobTitle.slice(0, 128);
  if (f.employeeType !== undefined) next.employeeType = f.employeeType.slice(0, 64);
  if (f.enabled !== undefined) next.disabled = !f.enabled;
  return next;
}

function refOf(person: DirectoryUser, objectId: string) {
  return { personId: person.id, displayName: person.displayName, objectId };
}

const UPSERT_OBJECT = `INSERT INTO directory_objects (connector_id, object_id, person_id, manager_object_id, manager_pending, removed) VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (connector_id, object_id) DO UPDATE SET person_id = excluded.person_id, removed = excluded.removed,
    manager_object_id = CASE WHEN ? THEN excluded.manager_object_id ELSE manager_object_id END,
    manager_pending = CASE WHEN ? THEN excluded.manager_pending ELSE manager_pending END`;

/** Prepared once per database: a 100,000-person import runs the same statement 100,000 times. */
const statements = new WeakMap<object, Map<string, Database.Statement<unknown[]>>>();
export function prepared(store: Store, sql: string): Database.Statement<unknown[]> {
  let byDb = statements.get(store.db);
  if (!byDb) {
    byDb = new Map();
    statements.set(store.db, byDb);
  }
  let statement = byDb.get(sql);
  if (!statement) {
    statement = store.db.prepare<unknown[]>(sql);
    byDb.set(sql, statement);
  }
  return statement;
}

function upsertObject(ctx: ApplyContext, objectId: string, personId: string, manager: { objectId: string | null; pending: boolean } | undefined, removed: boolean): void {
  prepared(ctx.store, UPSERT_OBJECT).run(ctx.connectorId, objectId, personId, manager?.objectId ?? null, manager?.pending ? 1 : 0, removed ? 1 : 0, manager ? 1 : 0, manager ? 1 : 0);
}

/** Applies one person entry of a page: match, merge, write, report. Runs inside the page's transaction. */
export function applyPerson(entry: PersonEntry, ctx: ApplyContext): void {
  const { index, report } = ctx;
  if (entry.removed) {
    const person = index.byObjectId(entry.objectId);
    if (!person) return;
    if (entry.relisted && prepared(ctx.store, 'SELECT 1 FROM directory_objects WHERE connector_id = ? AND object_id = ? AND removed = 1').get(ctx.connectorId, entry.objectId)) return;
    const wasDisabled = person.disabled;
    // A service identity deleted in the directory: disabled, and nobody is its owner any more (as when a whole listing misses it).
    const gone = person.kind === 'service' ? { ownerIds: [] } : {};
    const next = ctx.store.put('users', { ...person, ...gone, disabled: true, updatedAt: ctx.at });
    index.add(next);
    upsertObject(ctx, entry.objectId, person.id, undefined, true);
    record(report, 'removed', { ...refOf(person, entry.objectId), reason: entry.removed });
    if (!wasDisabled) report.counts.disabled++;
    return;
  }
  const found = index.match(entry.objectId, entry.fields, ctx.rules);
  if (found && (found.person.manualLinks ?? []).includes(ctx.connectorId) && index.objectOf(found.person) !== entry.objectId) {
    // An admin set this person's link to this directory by hand (or removed it): the sync leaves it.
    record(report, 'skipped', { ...refOf(found.person, entry.objectId), reason: 'linked by hand to another object or unlinked' });
    return;
  }
  const manager = entry.managerObjectId === undefined ? undefined : { objectId: entry.managerObjectId, ...ctx.managerFor(entry.managerObjectId) };
  if (!found) {
    const id = personIdFor(ctx.connectorId, entry.objectId);
    const f = entry.fields;
    const username = f.userPrincipalName ?? f.mail ?? entry.objectId;
    const base: DirectoryUser = {
      id,
      username: username.slice(0, 256),
      displayName: (f.displayName || username).slice(0, 256),
      email: '',
      department: '',
      managerId: null,
      roles: ctx.newPersonRoles,
      externalIds: {},
      disabled: false,
      updatedAt: ctx.at,
    };
    const next = merged(base, entry, ctx, true);
    if (manager && !manager.pending) next.managerId = manager.managerId;
    const written = ctx.store.put('users', next);
    index.add(written);
    upsertObject(ctx, entry.objectId, id, manager, false);
    ctx.addedIds.add(id);
    record(report, 'added', refOf(written, entry.objectId));
    if (written.disabled) record(report, 'disabled', refOf(written, entry.objectId));
    return;
  }
  const person = found.person;
  const syncCreated = person.id === personIdFor(ctx.connectorId, entry.objectId);
  const next = merged(person, entry, ctx, syncCreated);
  if (manager && !manager.pending) next.managerId = manager.managerId;
  if (!next.disabled && person.disabled && ctx.heldDisabled(person.id)) {
    next.disabled = true;
    record(report, 'skipped', { ...refOf(person, entry.objectId), reason: 'offboarded: stays disabled until an admin enables the account, whatever the directory says' });
  }
  const fields = fieldChanges(person, next);
  const linked = index.objectOf(person) !== entry.objectId || (person.externalIds as Record<string, string>)[ctx.connectorId] !== entry.objectId;
  const disabledNow = next.disabled && !person.disabled;
  const enabledNow = !next.disabled && person.disabled;
  if (Object.keys(fields).length === 0 && !linked && !disabledNow && !enabledNow) {
    upsertObject(ctx, entry.objectId, person.id, manager, false);
    return;
  }
  const written = ctx.store.put('users', { ...next, updatedAt: ctx.at });
  index.add(written);
  upsertObject(ctx, entry.objectId, person.id, manager, false);
  if (linked) fields[`externalIds.${ctx.connectorId}`] = { from: (person.externalIds as Record<string, string>)[ctx.connectorId] ?? null, to: entry.objectId };
  if (Object.keys(fields).length > 0) record(report, 'changed', { ...refOf(written, entry.objectId), fields });
  if (disabledNow) record(report, 'disabled', refOf(written, entry.objectId));
  if (enabledNow) record(report, 'enabled', refOf(written, entry.objectId));
}

/** At the end of a round: managers that were not known yet when their report was applied. */
export function resolvePendingManagers(ctx: Omit<ApplyContext, 'managerFor'>): void {
  const rows = ctx.store.db
    .prepare('SELECT object_id, person_id, manager_object_id FROM directory_objects WHERE connector_id = ? AND manager_pending = 1')
    .all(ctx.connectorId) as { object_id: string; person_id: string; manager_object_id: string | null }[];
  const done = ctx.store.db.prepare('UPDATE directory_objects SET manager_pending = 0 WHERE connector_id = ? AND object_id = ?');
  for (const row of rows) {
    const person = ctx.index.get(row.person_id) ?? ctx.store.get('users', row.person_id) ?? undefined;
    const manager = row.manager_object_id ? ctx.index.byObjectId(row.manager_object_id) : undefined;
    const managerId = manager?.id ?? null;
    if (person && person.managerId !== managerId) {
      const written = ctx.store.put('users', { ...person, managerId, updatedAt: ctx.at });
      ctx.index.add(written);
      if (ctx.addedIds.has(person.id)) {
        done.run(ctx.connectorId, row.object_id);
        continue;
      }
      const existing = ctx.report.changed.find((c) => c.personId === person.id);
      if (existing) existing.fields.managerId = { from: existing.fields.managerId?.from ?? person.managerId ?? '', to: managerId ?? '' };
      else record(ctx.report, 'changed', { ...refOf(written, row.object_id), fields: { managerId: { from: person.managerId ?? '', to: managerId ?? '' } } });
    }
    done.run(ctx.connectorId, row.object_id);
  }
}

/**
 * A service identity as its directory lists it now: kind `service`, no console role, its owners as
 * the people the console knows (owners that are other service principals, or not synced, are left
 * out). Only owners may request access for it (core/engine/principal.ts).
 */
export function applyService(entry: ServiceEntry, ctx: ApplyContext): void {
  const id = personIdFor(ctx.connectorId, entry.objectId);
  const existing = ctx.index.get(id) ?? ctx.store.get('users', id) ?? undefined;
  const ownerIds = [...new Set(entry.ownerObjectIds.map((o) => ctx.index.byObjectId(o)).filter((p): p is DirectoryUser => p !== undefined && p.kind !== 'service').map((p) => p.id))].sort();
  const next: DirectoryUser = {
    ...(existing ?? { email: '', department: '', managerId: null, updatedAt: ctx.at }),
    id,
    username: entry.appId.slice(0, 256),
    displayName: entry.displayName.slice(0, 256),
    roles: [],
    externalIds: { ...(existing?.externalIds ?? {}), [ctx.connectorId]: entry.objectId },
    kind: 'service',
    ownerIds: ownerIds.slice(0, 64),
    disabled: !entry.enabled,
  } as DirectoryUser;
  upsertObject(ctx, entry.objectId, id, undefined, false);
  prepared(ctx.store, 'INSERT OR IGNORE INTO directory_services_seen (connector_id, object_id) VALUES (?, ?)').run(ctx.connectorId, entry.objectId);
  if (existing && JSON.stringify({ ...existing, updatedAt: '' }) === JSON.stringify({ ...next, updatedAt: '' })) return;
  const written = ctx.store.put('users', { ...next, updatedAt: ctx.at });
  ctx.index.add(written);
  ctx.report.counts.services = (ctx.report.counts.services ?? 0) + 1;
}

/** End of a whole listing: a service identity of this directory the round did not list is gone (disabled, no owners left to ask). */
export function removeUnlistedServices(ctx: ApplyContext): void {
  const seen = prepared(ctx.store, 'SELECT 1 FROM directory_services_seen WHERE connector_id = ? AND object_id = ?');
  for (const identity of ctx.store.list('users')) {
    const objectId = (identity.externalIds as Record<string, string | undefined>)[ctx.connectorId];
    if (identity.kind !== 'service' || !objectId || seen.get(ctx.connectorId, objectId)) continue;
    if (identity.disabled && (identity.ownerIds ?? []).length === 0) continue;
    const written = ctx.store.put('users', { ...identity, disabled: true, ownerIds: [], updatedAt: ctx.at });
    ctx.index.add(written);
    upsertObject(ctx, objectId, identity.id, undefined, true);
    record(ctx.report, 'removed', { ...refOf(identity, objectId), reason: 'deleted' });
  }
  ctx.store.db.prepare('DELETE FROM directory_services_seen WHERE connector_id = ?').run(ctx.connectorId);
}
