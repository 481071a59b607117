/**
 * What the three editors share: the draft of one entity (fresh, or from the replica's copy), its
 * check, the problems shown (from the first edit or save on, with the server's refusal on its
 * field), the change for the what-if, and saving through the upsert command. A new entity, once
 * created, is edited as itself, its address too, without leaving the page.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { AccessPolicy, AccessProfile, ProposalChange, Resource } from '../../../core/index.js';
import { href, type Screen } from '../../app/router.js';
import { newEntityId, placeRefusal, type Problems } from './form-fields.js';
import { useConfigSave } from './use-config-save.js';
import { useDraft } from './use-draft.js';

type Kinds = { policy: AccessPolicy; profile: AccessProfile; resource: Resource };
const TYPE = { policy: 'policy.upsert', profile: 'profile.upsert', resource: 'resource.upsert' } as const;
const SCREEN: Record<keyof Kinds, Screen> = { policy: 'policies', profile: 'profiles', resource: 'resources' };
const PREFIX = { policy: 'pol', profile: 'prof', resource: 'res' } as const;

type Payload<K extends keyof Kinds> = Omit<Kinds[K], 'changedBy' | 'updatedAt'>;

export type EntityEditorOptions<K extends keyof Kinds, D extends { id: string; name: string }> = {
  kind: K;
  /** null: a new one. */
  id: string | null;
  stored: ReadonlyMap<string, Kinds[K]>;
  fromStored(entity: Kinds[K]): D;
  fresh(): D;
  check(draft: D): { payload: Payload<K> | null; problems: Problems };
  /** The fields the form shows, where a refusal can land. */
  fields: readonly string[] | ((draft: D) => readonly string[]);
};

export function useEntityEditor<K extends keyof Kinds, D extends { id: string; name: string }>(options: EntityEditorOptions<K, D>) {
  const { kind, id, stored: all } = options;
  const [createdId, setCreatedId] = useState<string | null>(null);
  const currentId = id ?? createdId;
  const isNew = currentId === null;
  const stored = currentId ? all.get(currentId) : undefined;
  const saver = useConfigSave(TYPE[kind]);
  const { draft: edited, setDraft, dirty, attempted, setAttempted, staleAt, reload } = useDraft<Kinds[K], D>(stored, id === null, options.fromStored, options.fresh, saver.state);
  // A new entity's id follows its name ("pol-night-operations"), never one in use.
  const draft = useMemo(() => (edited && isNew ? { ...edited, id: newEntityId(PREFIX[kind], edited.name || 'new', (x) => all.has(x)) } : edited), [edited, isNew, all, kind]);
  const { check: checkDraft, fields } = options;
  const checked = useMemo(() => (draft ? checkDraft(draft) : null), [draft, checkDraft]);
  const refusal = useMemo(
    () => (saver.state.kind === 'rejected' && draft ? placeRefusal(saver.state.message, kind, typeof fields === 'function' ? fields(draft) : fields) : null),
    [saver.state, draft, kind, fields],
  );
  const problems = useMemo(() => {
    const shown: Problems = dirty || attempted ? { ...(checked?.problems ?? {}) } : {};
    if (refusal?.field) shown[refusal.field] = refusal.message;
    return shown;
  }, [checked, dirty, attempted, refusal]);

  const change = useMemo(() => {
    if (!checked?.payload) return null;
    const after = { ...checked.payload, changedBy: stored?.changedBy ?? [], updatedAt: stored?.updatedAt ?? new Date().toISOString() };
    return { kind, before: stored ?? null, after } as unknown as ProposalChange;
  }, [checked, stored, kind]);

  useEffect(() => {
    if (isNew && saver.state.kind === 'applied' && all.has(saver.savedId)) {
      setCreatedId(saver.savedId);
      window.history.replaceState(null, '', href(SCREEN[kind], saver.savedId));
    }
  }, [isNew, saver.state.kind, saver.savedId, all, kind]);

  // An edit after a save starts over: the last answer was about the draft before it.
  const { reset } = saver;
  const waiting = saver.state.kind === 'waiting';
  const edit = useCallback(
    (next: D) => {
      if (!waiting) reset();
      setDraft(next);
    },
    [waiting, reset, setDraft],
  );

  const save = () => {
    setAttempted(true);
    if (!checked?.payload || waiting) {
      requestAnimationFrame(() => document.querySelector<HTMLElement>('.editor-form [aria-invalid="true"]')?.focus());
      return;
    }
    const payload = { [kind]: checked.payload } as never;
    void saver.save(checked.payload.id, payload);
  };

  return { draft, edit, problems, checked, stored, isNew, staleAt, reload, change, save, saver, refusal, screen: SCREEN[kind] };
}
