import { canonicalJson } from '../audit/chain.js';
import { CONFIG_KINDS, CONFIG_SECTION, type ConfigEntities, type ConfigKind } from '../schema/config.js';
import { canonicalConfig } from './document.js';

/**
 * What importing a file would change, against the server's configuration: entities added, changed
 * field by field, and removed. "Removed" means left out of the file, and is never a deletion:
 * - a resource left out is archived (nobody can request it; its grants still end and are verified);
 * - an access profile left out is disabled (it makes nobody eligible);
 * both only with prune (`--prune`): without it, an import that leaves out something still in use
 * is refused, so a partial or truncated file never switches things off by accident. One already
 * archived or disabled may be left out freely (nothing changes).
 * - an access policy is never removed: requests and grants were decided under it, and one that no
 *   resource names governs nothing. A file that leaves one out is refused, prune or not.
 */

export type FieldChange = {
  /** Where in the entity: `maxDurationMinutes`, `approvalSteps[1].mode`, `target.externalId`. */
  path: string;
  /** Absent: the field (or step) is new. */
  before?: unknown;
  /** Absent: the field (or step) is gone. */
  after?: unknown;
  /** For lists of ids and names: what is new and what is gone. */
  added?: unknown[];
  removed?: unknown[];
};

export type EntityRef = { kind: ConfigKind; id: string; name: string };

export type Removal = EntityRef & {
  /** What the import does to it: archive a resource, disable a profile; null when it is refused. */
  becomes: 'archived' | 'disabled' | null;
  /** Why it cannot be removed, when it cannot. */
  refused?: string;
};

export type ConfigDiff = {
  added: EntityRef[];
  changed: (EntityRef & { fields: FieldChange[] })[];
  removed: Removal[];
  /** Entities in the file that match the server's. */
  unchanged: number;
};

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);
const scalarList = (v: unknown): v is unknown[] => Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object');

/** The fields that differ, as paths to leaves: objects by key, lists of objects by position, lists of ids as one change with what is added and removed. */
export function fieldChanges(before: unknown, after: unknown, path = ''): FieldChange[] {
  if (same(before, after)) return [];
  const at = (key: string | number) => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key);
  if (isObject(before) && isObject(after)) {
    const keys = [...Object.keys(after), ...Object.keys(before).filter((k) => !(k in after))];
    return keys.flatMap((k) => fieldChanges(before[k], after[k], at(k)));
  }
  if (scalarList(before) && scalarList(after)) {
    const added = after.filter((x) => !before.some((y) => same(x, y)));
    const removed = before.filter((x) => !after.some((y) => same(x, y)));
    return [{ path, before, after, ...(added.length ? { added } : {}), ...(removed.length ? { removed } : {}) }];
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const out: FieldChange[] = [];
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      if (i >= after.length) out.push({ path: at(i), before: before[i] });
      else if (i >= before.length) out.push({ path: at(i), after: after[i] });
      else out.push(...fieldChanges(before[i], after[i], at(i)));
    }
    return out;
  }
  return [{ path, ...(before !== undefined ? { before } : {}), ...(after !== undefined ? { after } : {}) }];
}

type AnyEntity = { id: string; name: string; archived?: boolean; enabled?: boolean };

function removal(kind: ConfigKind, entity: AnyEntity, prune: boolean): Removal | null {
  const ref = { kind, id: entity.id, name: entity.name };
  switch (kind) {
    case 'policy':
      return { ...ref, becomes: null, refused: 'access policies are not removed (requests and grants were decided under them; one no resource names governs nothing): keep it in the file' };
    case 'resource':
      if (entity.archived) return null;
      return prune ? { ...ref, becomes: 'archived' } : { ...ref, becomes: null, refused: 'left out of the file: import with --prune to archive it, or keep it in the file (archived: true archives it too)' };
    case 'profile':
      if (entity.enabled === false) return null;
      return prune ? { ...ref, becomes: 'disabled' } : { ...ref, becomes: null, refused: 'left out of the file: import with --prune to disable it, or keep it in the file (enabled: false disables it too)' };
  }
}

/** The diff of a file against the server's configuration, kinds in file order, each by id. */
export function diffConfig(current: ConfigEntities, desired: ConfigEntities, options: { prune: boolean }): ConfigDiff {
  const now = canonicalConfig(current);
  const next = canonicalConfig(desired);
  const diff: ConfigDiff = { added: [], changed: [], removed: [], unchanged: 0 };
  for (const kind of CONFIG_KINDS) {
    const section = CONFIG_SECTION[kind];
    const before = new Map<string, AnyEntity>((now[section] as AnyEntity[]).map((e) => [e.id, e]));
    const after = next[section] as AnyEntity[];
    for (const entity of after) {
      const old = before.get(entity.id);
      if (!old) diff.added.push({ kind, id: entity.id, name: entity.name });
      else {
        const fields = fieldChanges(old, entity);
        if (fields.length === 0) diff.unchanged++;
        else diff.changed.push({ kind, id: entity.id, name: entity.name, fields });
      }
    }
    const kept = new Set(after.map((e) => e.id));
    for (const entity of before.values()) {
      if (kept.has(entity.id)) continue;
      const gone = removal(kind, entity, options.prune);
      if (gone) diff.removed.push(gone);
    }
  }
  return diff;
}

/** Whether the diff changes anything. */
export const diffIsEmpty = (diff: ConfigDiff) => diff.added.length === 0 && diff.changed.length === 0 && diff.removed.length === 0;

/** Removals the file asks for that cannot be made. */
export const refusedRemovals = (diff: ConfigDiff) => diff.removed.filter((r) => r.becomes === null);
