/** Beside the campaign form: what the definition will do, in words, with the openings the schedule books. */
import { useMemo } from 'react';
import { recurrenceInWords, scopeResources, type ReviewerRule } from '../../../core/index.js';
import { formatAbsolute } from '../../lib/time.js';
import { useNow } from '../../lib/use-rx.js';
import { useConsoleData } from '../../session/console-data.js';
import { Icon } from '../../ui/ui.js';
import { nextOpenings, validSchedule, type CampaignDraft, type ReviewerDraft } from './campaign-form.js';
import { DEFAULT_DECISION_WORDS } from './campaign-model.js';

const DAY = 86_400_000;

function reviewerWords(r: ReviewerDraft, name: (id: string) => string): string {
  const type: ReviewerRule['type'] = r.type;
  if (type === 'resource_owner') return 'the resource owner';
  if (type === 'manager') return 'the person’s manager';
  if (type === 'person') return r.userId ? name(r.userId) : 'a person not picked yet';
  return r.groupId ? `any member of ${name(r.groupId)}` : 'a group not picked yet';
}

/** "in 3 days", "in 5 weeks", "in about 4 months". */
function howFar(iso: string, now: number): string {
  const days = Math.round((Date.parse(iso) - now) / DAY);
  if (days <= 0) return 'within a day';
  if (days === 1) return 'tomorrow';
  if (days < 14) return `in ${days} days`;
  if (days < 60) return `in ${Math.round(days / 7)} weeks`;
  return `in about ${Math.round(days / 30.4)} months`;
}

/** "Mon 5 Apr 2027, 09:00" on the rule's clock. */
function onClock(iso: string, timeZone: string): string {
  try {
    return new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone }).format(new Date(iso));
  } catch {
    return formatAbsolute(iso);
  }
}

export function CampaignSummary({ draft, runsSoFar, groupNames }: { draft: CampaignDraft; runsSoFar: number; groupNames: ReadonlyMap<string, string> }) {
  const { users, resources } = useConsoleData();
  const now = useNow(60_000);
  const name = (id: string) => users.get(id)?.displayName ?? groupNames.get(id) ?? id;
  const schedule = useMemo(() => validSchedule(draft), [draft]);
  const openings = useMemo(() => (schedule ? nextOpenings(schedule, new Date(now), runsSoFar) : []), [schedule, now, runsSoFar]);
  const zone = schedule?.type === 'recurring' ? schedule.rule.timeZone : Intl.DateTimeFormat().resolvedOptions().timeZone;
  const days = /^\d+$/.test(draft.durationDays.trim()) ? Number(draft.durationDays) : null;
  const inScope = useMemo(() => {
    const scope = draft.scopeType === 'sensitivity' ? { type: 'sensitivity' as const, sensitivities: draft.sensitivities } : { type: draft.scopeType, resourceIds: draft.resourceIds };
    return scopeResources({ scope }, [...resources.values()]).length;
  }, [draft.scopeType, draft.sensitivities, draft.resourceIds, resources]);
  const reviewed =
    draft.scopeType === 'standing'
      ? ['standing and orphaned holders discovery found']
      : [draft.standingMembers && 'standing members', draft.jitGrants && `JIT grants (live, or ended within ${draft.lookBackDays || '?'} days)`, draft.eligibility && 'eligibility from access profiles'].filter((x): x is string => Boolean(x));

  return (
    <aside className="wi-panel rc-summary" aria-label="What this campaign does" data-testid="campaign-summary">
      <header className="wi-header">
        <h2>What this campaign does</h2>
      </header>
      <dl className="rc-facts">
        <dt>Scope</dt>
        <dd>
          {draft.scopeType === 'standing' && draft.resourceIds.length === 0 ? 'Standing access on every resource' : `${inScope.toLocaleString()} resource${inScope === 1 ? '' : 's'} today`}
          {draft.scopeType === 'sensitivity' && draft.sensitivities.length > 0 ? ` (${draft.sensitivities.join(', ')})` : ''}
        </dd>
        <dt>Reviewed</dt>
        <dd>{reviewed.length > 0 ? reviewed.join('; ') : <span className="text-danger">nothing yet</span>}</dd>
        <dt>Reviewers</dt>
        <dd>
          <ol className="rc-stage-words">
            {draft.stages.map((s, i) => (
              <li key={s.key}>
                <strong>{s.name || `Stage ${i + 1}`}</strong>: {reviewerWords(s.reviewer, name)}; when they cannot (missing, or the person reviewed), {reviewerWords(s.fallback, name)}
              </li>
            ))}
          </ol>
        </dd>
        <dt>Schedule</dt>
        <dd>{schedule ? (schedule.type === 'recurring' ? recurrenceInWords(schedule.rule) : schedule.opensAt ? 'Once' : 'Once, when someone presses Open now') : <span className="muted">complete the schedule to see it</span>}</dd>
        <dt>No response</dt>
        <dd className={draft.defaultDecision === 'remove' ? 'text-danger strong' : undefined}>{draft.defaultDecision === 'remove' ? 'Removed automatically' : DEFAULT_DECISION_WORDS[draft.defaultDecision]}</dd>
      </dl>
      <h3 className="rc-subhead">
        <Icon name="clock" size={13} /> Next openings
      </h3>
      {!draft.enabled ? (
        <p className="muted small">The schedule is off: nothing opens until it is on again, or someone presses Open now.</p>
      ) : openings.length === 0 ? (
        <p className="muted small">{schedule?.type === 'once' && runsSoFar > 0 ? 'It has opened once already; it opens again only with Open now.' : schedule ? 'Nothing booked: it opens when someone presses Open now.' : 'Complete the schedule to see when it opens.'}</p>
      ) : (
        <ol className="rc-openings" data-testid="next-openings">
          {openings.map((at) => (
            <li key={at}>
              <span className="strong">{onClock(at, zone)}</span>
              <span className="muted small">
                {howFar(at, now)}
                {days ? ` · due ${onClock(new Date(Date.parse(at) + days * DAY).toISOString(), zone)}` : ''}
              </span>
            </li>
          ))}
        </ol>
      )}
    </aside>
  );
}
