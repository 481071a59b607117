/**
 * Saving from an editor: the upsert is a command like any other (written to the replica, pushed
 * when it can be), and the server's answer comes back as its result: applied at once (a tightening
 * or a neutral change), proposed for a second person (a widening: the result names the proposal),
 * or rejected with a reason that usually names a field.
 */
import { useCallback, useEffect, useState } from 'react';
import type { Subscription } from 'rxjs';
import type { CommandPayloads, CommandResult } from '../../../core/index.js';
import type { z } from 'zod';
import { sendCommand, watchCommandResult } from '../../db/index.js';
import { maySend } from '../../session/permissions.js';
import { useSession } from '../../session/session.js';

export type UpsertType = 'policy.upsert' | 'profile.upsert' | 'resource.upsert';

export type SaveState =
  | { kind: 'idle' }
  /** Written to this device's replica; waiting for the server's answer (offline: until it reconnects). */
  | { kind: 'waiting'; commandId: string }
  | { kind: 'applied'; message: string }
  | { kind: 'proposed'; proposalId: string; message: string }
  | { kind: 'rejected'; code: string; message: string }
  /** It could not even be written here (the payload failed its schema): a bug, said as it is. */
  | { kind: 'failed'; message: string };

/** What a command result means for the entity saved. */
export function saveOutcome(result: Pick<CommandResult, 'status' | 'code' | 'message' | 'subjectIds'>, entityId: string): SaveState {
  if (result.status === 'rejected') return { kind: 'rejected', code: result.code, message: result.message };
  const subject = result.subjectIds[0];
  // A widening's result names the proposal it created instead of the entity.
  if (subject && subject !== entityId && subject.startsWith('prop-')) return { kind: 'proposed', proposalId: subject, message: result.message };
  return { kind: 'applied', message: result.message };
}

export function useConfigSave<T extends UpsertType>(type: T) {
  const { db, user } = useSession();
  const [state, setState] = useState<SaveState>({ kind: 'idle' });
  const [entityId, setEntityId] = useState('');
  const allowed = maySend(user, type);
  const commandId = state.kind === 'waiting' ? state.commandId : null;

  useEffect(() => {
    if (!commandId) return;
    const subscription: Subscription = watchCommandResult(db, commandId).subscribe((result) => setState(saveOutcome(result, entityId)));
    return () => subscription.unsubscribe();
  }, [db, commandId, entityId]);

  /** Sends the upsert of the entity with this id. */
  const save = useCallback(
    async (entity: string, payload: z.input<(typeof CommandPayloads)[T]>) => {
      if (!allowed) return;
      try {
        const id = await sendCommand(db, { type, actorId: user.id, payload });
        setEntityId(entity);
        setState({ kind: 'waiting', commandId: id });
      } catch (error) {
        setState({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
      }
    },
    [allowed, db, type, user.id],
  );
  const reset = useCallback(() => setState({ kind: 'idle' }), []);
  /** savedId: the entity the last save was about. */
  return { state, save, reset, allowed, savedId: entityId };
}
