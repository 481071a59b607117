import { useCallback, useState, type ReactNode } from 'react';
import { PERSON_CATEGORIES, REVOCATION_CATEGORY_WORDS, type Grant, type RevocationCategory } from '../../../core/index.js';
import { formatDuration } from '../../lib/time.js';
import { useConsoleData } from '../../session/console-data.js';
import { mayActOnGrant } from '../../../core/engine/principal.js';
import { useSession } from '../../session/session.js';
import { useToasts } from '../../ui/toasts.js';
import { Time } from '../../ui/ui.js';
import { useDecisions } from '../decisions.js';
import { ReasonDialog } from '../ReasonDialog.js';
import { moreTimeChoices } from './more-time.js';

/**
 * The two things done to a live grant, with their dialogs: give it back or revoke it now (why,
 * from the categories the sender's side may pick, and a note; then verified gone), and ask for more
 * time (an extension request through the chain).
 * Active grants and My access share them.
 */
export function useGrantActions(): { openRevoke(grant: Grant): void; openMoreTime(grant: Grant): void; dialogs: ReactNode } {
  const { user } = useSession();
  const { users, resources } = useConsoleData();
  const decisions = useDecisions();
  const toasts = useToasts();
  const [revoking, setRevoking] = useState<Grant | null>(null);
  const [category, setCategory] = useState<RevocationCategory>('admin');
  // The holder's side (the holder, an owner of the service identity) gives back; anyone else says which kind of revocation.
  const givingBack = revoking !== null && mayActOnGrant({ id: user.id, displayName: user.displayName }, revoking, users.get(revoking.userId), 'give back').ok;
  const offered: readonly RevocationCategory[] = givingBack ? PERSON_CATEGORIES.own : PERSON_CATEGORIES.other;
  const openRevoke = useCallback((grant: Grant) => {
    setCategory(PERSON_CATEGORIES.other[0]);
    setRevoking(grant);
  }, []);
  const [asking, setAsking] = useState<Grant | null>(null);
  const [askFor, setAskFor] = useState(60);
  const choices = asking ? moreTimeChoices(asking) : [];
  const resourceName = (grant: Grant) => resources.get(grant.resourceId)?.name ?? grant.resourceId;

  const openMoreTime = useCallback((grant: Grant) => {
    const offered = moreTimeChoices(grant);
    setAskFor(offered.includes(60) ? 60 : (offered[0] ?? 60));
    setAsking(grant);
  }, []);

  const dialogs = (
    <>
      <ReasonDialog
        open={revoking !== null}
        title={givingBack ? 'Give back access' : 'Revoke access now'}
        confirmLabel={givingBack ? 'Give back' : 'Revoke'}
        optional
        placeholder={givingBack ? 'Recorded in the audit log' : 'Recorded in the audit log and shown to the holder'}
        intro={
          revoking ? (
            <p>
              {revoking.userId === user.id ? 'You lose' : `${users.get(revoking.userId)?.displayName ?? revoking.userId} loses`} {resourceName(revoking)} now; the revocation is then verified in the directory.
            </p>
          ) : null
        }
        onClose={() => setRevoking(null)}
        onConfirm={(reason) => {
          const target = revoking;
          setRevoking(null);
          const why = givingBack ? 'give_back' : offered.includes(category) ? category : (offered[0] as RevocationCategory);
          if (target) void decisions.revoke(target, reason, why).then((id) => id && toasts.push({ tone: 'success', title: target.userId === user.id ? 'Access given back' : 'Revocation sent', body: [REVOCATION_CATEGORY_WORDS[why], reason].filter(Boolean).join(': ') }));
        }}
      >
        {givingBack ? null : (
          <label className="field">
            <span>Why</span>
            <select value={category} onChange={(e) => setCategory(e.target.value as RevocationCategory)} data-testid="revoke-category">
              {offered.map((c) => (
                <option key={c} value={c}>
                  {REVOCATION_CATEGORY_WORDS[c]}
                </option>
              ))}
            </select>
          </label>
        )}
      </ReasonDialog>
      <ReasonDialog
        open={asking !== null}
        title="Ask for more time"
        tone="primary"
        confirmLabel="Ask"
        placeholder="Why you need more time: the approvers read it"
        intro={
          asking ? (
            <p>
              Your request goes to the approvers of {resourceName(asking)}, like the first one. Until it is approved the grant still ends <Time iso={asking.expiresAt} />; it cannot run past the policy maximum of{' '}
              {formatDuration(asking.maxDurationMinutes)} from its start.
            </p>
          ) : null
        }
        onClose={() => setAsking(null)}
        onConfirm={(reason) => {
          const target = asking;
          setAsking(null);
          if (target) {
            void decisions
              .askForMoreTime(target, askFor, reason)
              .then((id) => id && toasts.push({ tone: 'success', title: `Request for ${formatDuration(askFor)} more sent`, body: `Decided under the access policy of ${resourceName(target)}, like the first request.` }));
          }
        }}
      >
        <label className="field">
          <span>More time</span>
          <select value={askFor} onChange={(e) => setAskFor(Number(e.target.value))}>
            {choices.map((m) => (
              <option key={m} value={m}>
                {formatDuration(m)}
              </option>
            ))}
          </select>
        </label>
      </ReasonDialog>
    </>
  );
  return { openRevoke, openMoreTime, dialogs };
}
