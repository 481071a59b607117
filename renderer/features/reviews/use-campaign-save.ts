/**
 * Saving a campaign definition: review.campaign_upsert written to the replica like any command
 * (pushed when it can be), and the server's answer read back from its result: applied, or refused
 * with a sentence that usually names a field.
 */
import { useCallback, useEffect, useState } from 'react';
import type { CampaignDefinition } from '../../../core/index.js';
import { sendCommand, watchCommandResult } from '../../db/index.js';
import { useSession } from '../../session/session.js';
import type { SaveState } from '../editor/use-config-save.js';

export function useCampaignSave() {
  const { db, user } = useSession();
  const [state, setState] = useState<SaveState>({ kind: 'idle' });
  const [savedId, setSavedId] = useState('');
  const commandId = state.kind === 'waiting' ? state.commandId : null;

  useEffect(() => {
    if (!commandId) return;
    const subscription = watchCommandResult(db, commandId).subscribe((result) =>
      setState(result.status === 'rejected' ? { kind: 'rejected', code: result.code, message: result.message } : { kind: 'applied', message: result.message }),
    );
    return () => subscription.unsubscribe();
  }, [db, commandId]);

  const save = useCallback(
    async (campaign: CampaignDefinition) => {
      try {
        const id = await sendCommand(db, { type: 'review.campaign_upsert', actorId: user.id, payload: { campaign } });
        setSavedId(campaign.id);
        setState({ kind: 'waiting', commandId: id });
      } catch (error) {
        setState({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
      }
    },
    [db, user.id],
  );
  const reset = useCallback(() => setState({ kind: 'idle' }), []);
  return { state, save, reset, savedId };
}
