import clsx from 'clsx';
import { useMemo } from 'react';
import type { ReviewCampaign } from '../../../core/schema/review.js';
import { useNow } from '../../lib/use-rx.js';
import { useConsoleData } from '../../session/console-data.js';
import { useViewer } from '../../session/viewer.js';
import { maySendAs } from '../../session/permissions.js';
import { formatAbsolute } from '../../lib/time.js';
import { EmptyState, Icon } from '../../ui/ui.js';
import { applyWords, deadlineWords, percentDecided, progressWords, scopeWords, sortCampaigns, STATUS_WORDS } from './campaign-model.js';
import { isForViewer, toInboxRows } from './inbox-model.js';
import { reviewHref } from './review-route.js';
import { useReviewData } from './use-reviews.js';

/** A progress bar with its words beside it: colour is never the only sign. */
export function ProgressBar({ value, label, testId }: { value: number; label: string; testId?: string }) {
  return (
    <div className="rv-progress" data-testid={testId}>
      <span className="rv-progress-track" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={value} aria-valuetext={label}>
        <span className={clsx('rv-progress-fill', value >= 100 && 'done')} style={{ width: `${value}%` }} />
      </span>
      <span className="rv-progress-label">{label}</span>
    </div>
  );
}

export function StatusPill({ campaign }: { campaign: Pick<ReviewCampaign, 'status'> }) {
  const words = STATUS_WORDS[campaign.status];
  return <span className={`pill tone-${words.tone}`}>{words.label}</span>;
}

/** Every campaign the replica holds: state, deadline, progress; the reviewer's own count to decide; links to the campaign, the inbox and the evidence. */
export function CampaignList() {
  const { campaigns, campaignsById, items, loading } = useReviewData();
  const { resources } = useConsoleData();
  const viewer = useViewer();
  const now = useNow(30_000);
  const resourceName = (id: string) => resources.get(id)?.name ?? id;
  const sorted = useMemo(() => sortCampaigns(campaigns), [campaigns]);
  const mineByCampaign = useMemo(() => {
    const counts = new Map<string, number>();
    for (const row of toInboxRows(items, campaignsById)) if (isForViewer(row, viewer)) counts.set(row.item.campaignId, (counts.get(row.item.campaignId) ?? 0) + 1);
    return counts;
  }, [items, campaignsById, viewer]);
  const mineTotal = [...mineByCampaign.values()].reduce((a, b) => a + b, 0);

  return (
    <div className="page rv-page">
      <header className="pane-header rv-head">
        <div className="pane-title">
          <h1>Access reviews</h1>
          <span className="muted" data-testid="campaign-count">
            {loading && campaigns.length === 0 ? 'Loading…' : `${campaigns.length.toLocaleString()} campaign${campaigns.length === 1 ? '' : 's'}`}
          </span>
        </div>
        <div className="actions">
          {maySendAs(viewer, 'review.campaign_upsert', 'own') ? (
            <a className="button" href={reviewHref({ view: 'definition', campaignId: null })} data-testid="new-campaign">
              <Icon name="plus" size={14} /> New campaign
            </a>
          ) : null}
          {mineTotal > 0 ? (
            <a className="button primary" href={reviewHref({ view: 'inbox', campaignId: null })} data-testid="open-inbox">
              Review {mineTotal.toLocaleString()} item{mineTotal === 1 ? '' : 's'}
            </a>
          ) : null}
        </div>
      </header>
      {sorted.length === 0 ? (
        loading ? (
          <EmptyState title="Loading campaigns…" icon="clock" />
        ) : (
          <EmptyState title="No review campaigns yet" icon="check-square">
            Campaigns you own or review appear here when they are created, with their progress and deadline.
          </EmptyState>
        )
      ) : (
        <table className="rv-table" data-testid="campaign-table">
          <thead className="list-table-head">
            <tr>
              <th scope="col">Campaign</th>
              <th scope="col">State</th>
              <th scope="col">Deadline</th>
              <th scope="col">Progress</th>
              <th scope="col">Yours to decide</th>
              <th scope="col">
                <span className="visually-hidden">Links</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((c) => {
              const deadline = deadlineWords(c, now);
              const mine = mineByCampaign.get(c.id) ?? 0;
              return (
                <tr key={c.id} data-campaign-id={c.id} data-testid={`campaign-${c.id}`}>
                  <td>
                    <a className="strong" href={reviewHref({ view: 'campaign', campaignId: c.id })}>
                      {c.name}
                    </a>
                    <div className="muted small">{scopeWords(c, resourceName)}</div>
                  </td>
                  <td>
                    <StatusPill campaign={c} />
                    {c.status === 'applying' ? <div className="muted small">{applyWords(c.counts)}</div> : null}
                  </td>
                  <td>
                    <span className={clsx(deadline.tone === 'danger' && 'text-danger', deadline.tone === 'warning' && 'text-warning')} title={c.dueAt ?? undefined}>
                      {deadline.text}
                    </span>
                    {c.status !== 'open' && c.enabled && c.nextOpensAt ? (
                      <div className="muted small" data-testid={`next-opening-${c.id}`}>
                        {c.status === 'scheduled' ? '' : 'Next run opens '}
                        <time dateTime={c.nextOpensAt}>{formatAbsolute(c.nextOpensAt)}</time>
                      </div>
                    ) : null}
                  </td>
                  <td className="rv-progress-cell">
                    <ProgressBar value={percentDecided(c.counts)} label={progressWords(c.counts)} testId={`progress-${c.id}`} />
                  </td>
                  <td>{mine > 0 ? <a href={reviewHref({ view: 'inbox', campaignId: c.id })}>{mine.toLocaleString()} to decide</a> : <span className="muted">—</span>}</td>
                  <td className="right">
                    <a href={reviewHref({ view: 'evidence', campaignId: c.id })}>Evidence</a>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
