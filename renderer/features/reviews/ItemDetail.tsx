import type { ReviewCampaign, ReviewItem } from '../../../core/schema/review.js';
import { Icon, Time } from '../../ui/ui.js';
import { DECISION_LABEL, RECOMMENDATION_LABEL, SUBJECT_LABEL } from './inbox-model.js';

const HOLDER_WORDS = { explained: 'Explained by a grant', standing: 'Standing (no grant explains it)', orphaned: 'Orphaned (account disabled or gone)' } as const;

/** What an item is about, as the snapshot froze it, its recommendations with their reasons, and each stage's decision so far. */
export function ItemFacts({ item, campaign, nameOf }: { item: ReviewItem; campaign: ReviewCampaign | undefined; nameOf(id: string): string }) {
  const s = item.subject;
  return (
    <div className="rv-item-facts">
      {item.recommendations.length > 0 ? (
        <section aria-label="Recommendations" className="rv-recommendations" data-testid="recommendations">
          {item.recommendations.map((r) => (
            <div key={r.code} className="notice warning rv-recommendation">
              <Icon name="alert" />
              <div>
                <strong>Recommended: remove · {RECOMMENDATION_LABEL[r.code]}</strong>
                <div>{r.reason}</div>
              </div>
            </div>
          ))}
        </section>
      ) : (
        <p className="muted rv-no-recommendation">No recommendation: nothing in the snapshot suggests removing this access.</p>
      )}
      <dl className="facts-grid rv-facts">
        <dt>What</dt>
        <dd>
          {SUBJECT_LABEL[s.type]}
          {s.detail ? <span className="muted"> · {s.detail}</span> : null}
        </dd>
        <dt>Resource</dt>
        <dd>
          {s.resourceName} <span className="muted">· {s.sensitivity} · {s.connectorId}</span>
        </dd>
        {s.holderClass ? (
          <>
            <dt>In the directory</dt>
            <dd>{HOLDER_WORDS[s.holderClass]}</dd>
          </>
        ) : null}
        {s.grantId ? (
          <>
            <dt>Grant</dt>
            <dd>
              {s.grantStatus ?? 'unknown'}
              {s.grantExpiresAt ? (
                <>
                  {' '}
                  · ends <Time iso={s.grantExpiresAt} />
                </>
              ) : null}
              {s.grantedByBreakGlass ? <span className="pill tone-danger rv-inline-pill">Break-glass</span> : null}
            </dd>
          </>
        ) : null}
        <dt>Account</dt>
        <dd>{s.accountDisabled ? <span className="text-danger">Disabled</span> : 'Enabled'}</dd>
        <dt>Last sign-in</dt>
        <dd>{s.signInReadable ? s.lastSignInAt ? <Time iso={s.lastSignInAt} /> : 'Never' : <span className="muted">The directory does not say</span>}</dd>
        <dt>Last used through JIT</dt>
        <dd>{s.lastJitUseAt ? <Time iso={s.lastJitUseAt} /> : 'Never'}</dd>
        <dt>Campaign</dt>
        <dd>
          {campaign?.name ?? item.campaignId} · run {item.run} · due <Time iso={item.dueAt} />
        </dd>
      </dl>
      <section aria-label="Stages" className="rv-stages">
        <h3 className="section-label">
          Stage {item.stage} of {item.stageCount}
        </h3>
        <ol className="rv-stage-list">
          {item.stageDecisions.map((st) => (
            <li key={st.stage} className={st.decision ? 'done' : undefined}>
              <span className="strong">Stage {st.stage}</span>{' '}
              {st.decision ? (
                <>
                  <span className={`pill tone-${st.decision === 'keep' ? 'success' : 'danger'}`}>{DECISION_LABEL[st.decision]}</span> by {st.decidedBy ? nameOf(st.decidedBy) : 'nobody'} <Time iso={st.decidedAt} />
                  {st.reason ? <span className="muted"> · “{st.reason}”</span> : null}
                </>
              ) : (
                <span className="muted">waiting for {st.reviewerIds.map(nameOf).join(', ') || 'a reviewer'}</span>
              )}
              {st.fallbackReason ? <div className="muted small">Fallback reviewer: {st.fallbackReason}</div> : null}
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}
