/**
 * "Shorten them": once a lower maximum is in force, the live grants the what-if finds past it can
 * be shortened to it with one audited command (grant.shorten). Offered only to those who may send
 * it, and only while the maximum the what-if reads is the one the server holds, so what is
 * offered is what the server will do; its answer (or its refusal, in its own words) shows here.
 */
import { useEffect, useState } from 'react';
import type { Subscription } from 'rxjs';
import type { ConfigWhatIf } from '../../../core/index.js';
import { sendCommand, watchCommandResult } from '../../db/index.js';
import { useConsoleData } from '../../session/console-data.js';
import { maySend } from '../../session/permissions.js';
import { commandsWait, sentWhen } from '../../session/reach.js';
import { useSession } from '../../session/session.js';
import { Icon, sentence } from '../../ui/ui.js';

type State = { kind: 'idle' } | { kind: 'waiting'; commandId: string } | { kind: 'applied'; message: string } | { kind: 'rejected'; message: string };

/** The most grant ids one grant.shorten takes (core/schema/command.ts). */
const MAX_PER_COMMAND = 200;

const grantsWord = (n: number) => `${n.toLocaleString()} active grant${n === 1 ? '' : 's'}`;

/** `inForce`: the maximum the what-if was computed with is the one saved on the server. */
export function ShortenGrants({ whatIf, inForce }: { whatIf: ConfigWhatIf | null; inForce: boolean }) {
  const { db, user } = useSession();
  const { status, users } = useConsoleData();
  const [state, setState] = useState<State>({ kind: 'idle' });
  const commandId = state.kind === 'waiting' ? state.commandId : null;

  useEffect(() => {
    if (!commandId) return;
    const subscription: Subscription = watchCommandResult(db, commandId).subscribe((result) =>
      setState(result.status === 'applied' ? { kind: 'applied', message: result.message } : { kind: 'rejected', message: result.message }),
    );
    return () => subscription.unsubscribe();
  }, [db, commandId]);

  if (state.kind === 'applied') {
    return (
      <div className="notice success" role="status" data-testid="shorten-outcome">
        <Icon name="check" />
        <span>Shortened: {sentence(state.message)}</span>
      </div>
    );
  }
  const over = whatIf?.grants.overMaximum ?? [];
  const count = whatIf?.grants.overMaximumCount ?? 0;
  if (!inForce || count === 0 || !maySend(user, 'grant.shorten')) return null;
  const sending = over.slice(0, MAX_PER_COMMAND);
  const who = [...new Set(sending.map((g) => users.get(g.userId)?.displayName ?? g.userId))];
  const shorten = async () => {
    const id = await sendCommand(db, { type: 'grant.shorten', actorId: user.id, payload: { grantIds: sending.map((g) => g.grantId), reason: '' } });
    setState({ kind: 'waiting', commandId: id });
  };
  return (
    <div className="notice warning shorten-offer" role="status" data-testid="shorten-offer">
      <Icon name="clock" />
      <div>
        <strong>{grantsWord(count)} run past the maximum now in force</strong> ({who.slice(0, 4).join(', ')}
        {who.length > 4 ? ` and ${who.length - 4} more` : ''}). Saving left them as they were; shortening ends each at its start plus the maximum, at once where that has passed, and tells its holder.
        {count > sending.length ? ` The first ${sending.length} are shortened; shorten again for the rest.` : ''}
        {state.kind === 'rejected' ? (
          <p className="text-danger" role="alert">
            Not shortened: {sentence(state.message)}
          </p>
        ) : null}
        <div className="shorten-actions">
          <button type="button" className="button small primary" disabled={state.kind === 'waiting'} onClick={() => void shorten()}>
            {state.kind === 'waiting' ? (commandsWait(status) ? `Saved; sent ${sentWhen(status)}` : 'Shortening…') : `Shorten ${count === 1 ? 'it' : 'them'}`}
          </button>
        </div>
      </div>
    </div>
  );
}
