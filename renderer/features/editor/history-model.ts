/**
 * A policy's, resource's or access profile's versions, read from the audit trail: every write of one
 * records the entity as written (`policy.changed`, `resource.changed`, `profile.changed` with `after`), who sent it and, for a
 * change a second person approved, both editors. Each version is compared field by field with the
 * one before it, in the words the Proposals screen uses.
 */
import type { AccessPolicy, AccessProfile, AuditEvent, Resource } from '../../../core/index.js';
import { diffChange, type FieldChange, type Names } from '../proposals/proposal-model.js';

export type VersionKind = 'policy' | 'resource' | 'profile';
type Entity<K extends VersionKind> = K extends 'policy' ? AccessPolicy : K extends 'profile' ? AccessProfile : Resource;

export type Version<K extends VersionKind> = {
  seq: number;
  at: string;
  /** Who changed it: the sender, or the proposer and the approver of a proposal. */
  editorIds: string[];
  created: boolean;
  proposalId: string | null;
  /** The entity as written (changedBy and updatedAt are the server's and not part of a version). */
  entity: Entity<K>;
  /** Field by field against the version before (every field for the first). */
  changes: FieldChange[];
};

const EVENT: Record<VersionKind, AuditEvent['type']> = { policy: 'policy.changed', resource: 'resource.changed', profile: 'profile.changed' };

/** Newest first. Events without the entity as written (a profile's, before they recorded it whole) are left out. */
export function versionsOf<K extends VersionKind>(kind: K, events: readonly AuditEvent[], names: Names): Version<K>[] {
  const writes = events.filter((e) => e.type === EVENT[kind] && e.data.after && typeof e.data.after === 'object').sort((a, b) => a.seq - b.seq);
  const out: Version<K>[] = [];
  let previous: Entity<K> | null = null;
  for (const e of writes) {
    const entity = { changedBy: [], updatedAt: e.at, ...(e.data.after as object) } as unknown as Entity<K>;
    const editors = Array.isArray(e.data.editors) ? (e.data.editors as unknown[]).filter((x): x is string => typeof x === 'string') : [];
    const changes = diffChange({ kind, before: previous, after: entity } as Parameters<typeof diffChange>[0], names);
    out.push({
      seq: e.seq,
      at: e.at,
      editorIds: editors.length > 0 ? editors : [e.actorId],
      created: e.data.created === true,
      proposalId: typeof e.data.proposalId === 'string' ? e.data.proposalId : null,
      entity,
      changes,
    });
    previous = entity;
  }
  return out.reverse();
}
