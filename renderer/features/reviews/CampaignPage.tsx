import { useMemo, useState } from 'react';
import { sendCommand } from '../../db/index.js';
import { useNow } from '../../lib/use-rx.js';
import { useConsoleData } from '../../session/console-data.js';
import { maySendAs } from '../../session/permissions.js';
import { commandsWait, sentWhen } from '../../session/reach.js';
import { useSession } from '../../session/session.js';
import { useViewer } from '../../session/viewer.js';
import { useToasts } from '../../ui/toasts.js';
import { EmptyState, Time } from '../../ui/ui.js';
import { ReasonDialog } from '../ReasonDialog.js';
import { applyWords, deadlineWords, DEFAULT_DECISION_WORDS, percentDecided, progressWords, reviewerProgress, scopeWords } from './campaign-model.js';
import { ProgressBar, StatusPill } from './CampaignList.js';
import { isForViewer, toInboxRows } from './inbox-model.js';
import { reviewHref } from './review-route.js';
import { useReviewData } from './use-reviews.js';

/** One campaign: its progress as it syncs, each reviewer's, the counts after the deadline, and the owner's actions. */
export function CampaignPage({ campaignId }: { campaignId: string }) {
  const { campaignsById, items, loading } = useReviewData();
  const { users, resources, status } = useConsoleData();
  const { db } = useSession();
  const viewer = useViewer();
  const toasts = useToasts();
  const now = useNow(30_000);
  const [closing, setClosing] = useState(false);
  const campaign = campaignsById.get(campaignId);
  const progress = useMemo(() => (campaign ? reviewerProgress(items, campaign) : []), [items, campaign]);
  const mine = useMemo(() => (campaign ? toInboxRows(items, campaignsById).filter((r) => r.item.campaignId === campaign.id && isForViewer(r, viewer)).length : 0), [items, campaignsById, campaign, viewer]);
  if (!campaign) {
    return loading ? <EmptyState title="Loading the campaign…" icon="clock" /> : <EmptyState title="No such campaign on this device" icon="check-square">It may have been removed, or your roles do not replicate it.</EmptyState>;
  }
  const relation = campaign.ownerId === viewer.id ? 'own' : 'other';
  const mayOpen = maySendAs(viewer, 'review.open', relation) && (campaign.status === 'scheduled' || campaign.status === 'closed') && !campaign.system;
  const mayClose = maySendAs(viewer, 'review.close', relation) && campaign.status === 'open';
  const mayEdit = maySendAs(viewer, 'review.campaign_upsert', relation) && !campaign.system;
  const nameOf = (id: string) => users.get(id)?.displayName ?? id;
  const deadline = deadlineWords(campaign, now);
  const c = campaign.counts;
  const offline = commandsWait(status);

  const run = async (type: 'review.open' | 'review.close', reason: string) => {
    try {
      await sendCommand(db, type === 'review.open' ? { type, actorId: viewer.id, payload: { campaignId, reason } } : { type, actorId: viewer.id, payload: { campaignId, reason } });
      toasts.push({ tone: 'success', title: `${type === 'review.open' ? 'Opening' : 'Closing'} “${campaign.name}” ${offline ? 'saved' : 'sent'}`, body: offline ? `Saved on this device; it syncs ${sentWhen(status)}.` : undefined });
    } catch (error) {
      toasts.push({ tone: 'danger', title: 'Could not record it', body: error instanceof Error ? error.message : String(error) });
    }
  };

  return (
    <div className="page rv-page" data-testid="campaign-page">
      <header className="pane-header rv-head">
        <div className="pane-title">
          <a className="back" href={reviewHref({ view: 'list' })}>
            Access reviews
          </a>
          <h1>{campaign.name}</h1>
          <StatusPill campaign={campaign} />
        </div>
        <div className="actions">
          {mine > 0 ? (
            <a className="button primary" href={reviewHref({ view: 'inbox', campaignId })} data-testid="open-inbox">
              Review {mine.toLocaleString()} item{mine === 1 ? '' : 's'}
            </a>
          ) : null}
          <a className="button" href={reviewHref({ view: 'evidence', campaignId })} data-testid="open-evidence">
            Evidence
          </a>
          {mayEdit ? (
            <a className="button" href={reviewHref({ view: 'definition', campaignId })} data-testid="edit-campaign">
              Edit definition
            </a>
          ) : null}
          {mayOpen ? (
            <button type="button" className="button" onClick={() => void run('review.open', '')} data-testid="open-run">
              Open now
            </button>
          ) : null}
          {mayClose ? (
            <button type="button" className="button danger" onClick={() => setClosing(true)} data-testid="close-run">
              Close now
            </button>
          ) : null}
        </div>
      </header>
      {campaign.description ? <p className="rv-description">{campaign.description}</p> : null}
      <section className="card rv-summary" aria-label="Progress">
        <ProgressBar value={percentDecided(c)} label={progressWords(c)} testId="campaign-progress" />
        <dl className="rv-tiles">
          <div>
            <dt>Deadline</dt>
            <dd className={deadline.tone === 'danger' ? 'text-danger' : deadline.tone === 'warning' ? 'text-warning' : undefined}>{deadline.text}</dd>
          </div>
          <div>
            <dt>Kept</dt>
            <dd data-testid="count-keep">{c.keep.toLocaleString()}</dd>
          </div>
          <div>
            <dt>Removed</dt>
            <dd data-testid="count-remove">{c.remove.toLocaleString()}</dd>
          </div>
          <div>
            <dt>Flagged</dt>
            <dd>{c.flagged.toLocaleString()}</dd>
          </div>
          <div>
            <dt>Removals</dt>
            <dd>{applyWords(c)}</dd>
          </div>
        </dl>
        <p className="muted small">
          Scope: {scopeWords(campaign, (id) => resources.get(id)?.name ?? id)} · {campaign.stages.length} stage{campaign.stages.length === 1 ? '' : 's'} · no response: {DEFAULT_DECISION_WORDS[campaign.defaultDecision]} · owner {nameOf(campaign.ownerId)}
          {campaign.openedAt ? (
            <>
              {' '}
              · run {campaign.run} opened <Time iso={campaign.openedAt} />
            </>
          ) : null}
        </p>
      </section>
      <section className="card" aria-labelledby="per-reviewer">
        <h2 id="per-reviewer" className="section-label">
          Progress per reviewer
        </h2>
        {progress.length === 0 ? (
          <p className="muted">{items.some((i) => i.campaignId === campaignId) ? 'No reviewer named yet.' : 'This device holds none of the campaign’s items: per-reviewer progress shows for the campaign’s owner and for admins and auditors.'}</p>
        ) : (
          <table className="rv-table" data-testid="reviewer-progress">
            <thead className="list-table-head">
              <tr>
                <th scope="col">Reviewer</th>
                <th scope="col">Progress</th>
                <th scope="col">Decided by them</th>
              </tr>
            </thead>
            <tbody>
              {progress.map((p) => (
                <tr key={p.reviewerId} data-testid={`reviewer-${p.reviewerId}`}>
                  <td>{nameOf(p.reviewerId)}</td>
                  <td className="rv-progress-cell">
                    <ProgressBar value={percentDecided({ items: p.items, decided: p.decided })} label={progressWords({ items: p.items, decided: p.decided })} />
                  </td>
                  <td>{p.byThem.toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <ReasonDialog
        open={closing}
        title={`Close “${campaign.name}” now`}
        confirmLabel="Close the campaign"
        placeholder="Recorded in the campaign's evidence and the audit log"
        intro={<p>Undecided items take the default ({DEFAULT_DECISION_WORDS[campaign.defaultDecision].toLowerCase()}); removals are applied through the connectors and verified gone. Reviewers can no longer decide.</p>}
        onClose={() => setClosing(false)}
        onConfirm={(reason) => {
          setClosing(false);
          void run('review.close', reason);
        }}
      />
    </div>
  );
}
