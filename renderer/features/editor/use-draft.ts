import { useCallback, useEffect, useRef, useState } from 'react';
import type { SaveState } from './use-config-save.js';

/**
 * An editor's draft of one entity: made from the stored copy once the replica has it (or fresh for
 * a new one), whether it was edited, and whether the stored copy changed underneath it. A change
 * that is this person's own save, applied, becomes the new starting point; someone else's is said.
 */
export function useDraft<E extends { updatedAt: string }, D>(stored: E | undefined, isNew: boolean, fromStored: (entity: E) => D, fresh: () => D, save: SaveState) {
  const [draft, setDraftState] = useState<D | null>(() => (isNew ? fresh() : stored ? fromStored(stored) : null));
  const [dirty, setDirty] = useState(false);
  const [attempted, setAttempted] = useState(false);
  const base = useRef<string | null>(isNew ? null : (stored?.updatedAt ?? null));
  const [staleAt, setStaleAt] = useState<string | null>(null);

  useEffect(() => {
    if (!stored) return;
    if (draft === null) {
      setDraftState(fromStored(stored));
      base.current = stored.updatedAt;
      return;
    }
    if (base.current === null) {
      // A new entity, just created: what is stored from now on is the starting point.
      base.current = stored.updatedAt;
      return;
    }
    if (stored.updatedAt === base.current) return;
    if (save.kind === 'applied') {
      // Our own change, back from the server: edit on from what is stored now.
      setDraftState(fromStored(stored));
      base.current = stored.updatedAt;
      setDirty(false);
      setAttempted(false);
      setStaleAt(null);
    } else {
      setStaleAt(stored.updatedAt);
    }
    // fromStored is a plain mapping and the draft is read, not a trigger: only the stored copy and the save move this.
  }, [stored, save.kind]);

  const setDraft = useCallback((next: D) => {
    setDraftState(next);
    setDirty(true);
  }, []);
  const reload = useCallback(() => {
    if (!stored) return;
    setDraftState(fromStored(stored));
    base.current = stored.updatedAt;
    setDirty(false);
    setStaleAt(null);
  }, [stored, fromStored]);
  return { draft, setDraft, dirty, attempted, setAttempted, staleAt, reload };
}
