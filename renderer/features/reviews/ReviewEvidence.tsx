import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef, useState } from 'react';
import { map, of, type Observable } from 'rxjs';
import type { Verification } from '../../../core/index.js';
import { useObservable } from '../../lib/use-rx.js';
import { useConsoleData } from '../../session/console-data.js';
import { useSession, useSessionApi } from '../../session/session.js';
import { useToasts } from '../../ui/toasts.js';
import { EmptyState, Time } from '../../ui/ui.js';
import { applyWords, DEFAULT_DECISION_WORDS, progressWords, scopeWords } from './campaign-model.js';
import { StatusPill } from './CampaignList.js';
import { APPLY_WORDS, evidenceCsv, evidenceRows, receiptLine } from './evidence-model.js';
import { DECISION_LABEL, RECOMMENDATION_LABEL, SUBJECT_LABEL } from './inbox-model.js';
import { reviewHref } from './review-route.js';
import { useReviewData } from './use-reviews.js';
import { useMayExport, useRecordExport } from '../exports/record-export.js';

type Finder = { find(): { $: Observable<ReadonlyArray<{ toJSON(): unknown }>> } };

/** The campaign's evidence on one page: the snapshot, each decision with who, when and why, what was applied and its receipts; and the same as CSV. */
export function ReviewEvidence({ campaignId }: { campaignId: string }) {
  const { campaignsById, items, loading } = useReviewData();
  const { users, resources } = useConsoleData();
  const { db } = useSession();
  const { host } = useSessionApi();
  const toasts = useToasts();
  const mayExport = useMayExport('review_evidence_csv');
  const recordExport = useRecordExport();
  const campaign = campaignsById.get(campaignId);
  const [run, setRun] = useState<number | null>(null);
  const shownRun = run ?? campaign?.run ?? 1;
  // Receipts are replicated to the roles that read verifications (approvers, auditors, admins); others see the applied state alone.
  const receiptsCollection = (db.collections as Record<string, unknown>).verifications as Finder | undefined;
  const verifications = useObservable<Verification[]>(() => (receiptsCollection ? receiptsCollection.find().$.pipe(map((d) => d.map((x) => x.toJSON() as Verification))) : of([])), [], [db]);
  const rows = useMemo(() => evidenceRows(items, campaignId, shownRun, verifications.data), [items, campaignId, shownRun, verifications.data]);
  const nameOf = (id: string) => users.get(id)?.displayName ?? id;
  const listRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => listRef.current, estimateSize: () => 76, overscan: 8 });

  if (!campaign) return loading ? <EmptyState title="Loading the evidence…" icon="clock" /> : <EmptyState title="No such campaign on this device" icon="check-square" />;
  const history = campaign.history.find((h) => h.run === shownRun);
  const counts = history?.counts ?? campaign.counts;
  const runs = [campaign.run, ...campaign.history.map((h) => h.run)].filter((r, i, all) => r > 0 && all.indexOf(r) === i);

  const exportCsv = async () => {
    const madeAt = new Date().toISOString();
    const file = `review-evidence-${campaign.id}-run-${shownRun}-${madeAt.slice(0, 10)}.csv`;
    try {
      const csv = evidenceCsv(campaign.name, rows, nameOf);
      const saved = await host.saveFile(file, csv, 'text/csv');
      if (saved.saved) await recordExport({ kind: 'review_evidence_csv', fileName: file, madeAt, rows: rows.length, content: csv, campaignId: campaign.id, run: shownRun });
    } catch (error) {
      toasts.push({ tone: 'danger', title: 'Not saved', body: error instanceof Error ? error.message : String(error) });
    }
  };

  return (
    <div className="page rv-page rv-evidence" data-testid="review-evidence">
      <header className="pane-header rv-head">
        <div className="pane-title">
          <a className="back" href={reviewHref({ view: 'campaign', campaignId })}>
            {campaign.name}
          </a>
          <h1>Evidence</h1>
          <StatusPill campaign={campaign} />
        </div>
        <div className="actions">
          {runs.length > 1 ? (
            <select aria-label="Run" value={shownRun} onChange={(e) => setRun(Number(e.target.value))}>
              {runs.map((r) => (
                <option key={r} value={r}>
                  Run {r}
                </option>
              ))}
            </select>
          ) : null}
          {mayExport ? (
            <button type="button" className="button primary" onClick={() => void exportCsv()} disabled={rows.length === 0} data-testid="export-csv">
              Export CSV
            </button>
          ) : null}
        </div>
      </header>
      <section className="card rv-snapshot" aria-label="Scope snapshot">
        <dl className="facts-grid">
          <dt>Scope</dt>
          <dd>{scopeWords(campaign, (id) => resources.get(id)?.name ?? id)}</dd>
          <dt>Snapshot</dt>
          <dd>
            {rows.length.toLocaleString()} items frozen when run {shownRun} opened {history?.openedAt || campaign.openedAt ? <Time iso={history?.openedAt ?? campaign.openedAt} /> : null}
          </dd>
          <dt>Deadline</dt>
          <dd>
            <Time iso={history?.dueAt ?? campaign.dueAt} /> · no response: {DEFAULT_DECISION_WORDS[campaign.defaultDecision]}
          </dd>
          <dt>Decisions</dt>
          <dd>
            {progressWords(counts)} · {counts.keep.toLocaleString()} kept · {counts.remove.toLocaleString()} removed · {counts.flagged.toLocaleString()} flagged
          </dd>
          <dt>Applied</dt>
          <dd data-testid="evidence-applied">{applyWords(counts)}</dd>
          <dt>Stages</dt>
          <dd>{campaign.stages.map((s, i) => `${i + 1}. ${s.name}`).join(' · ')}</dd>
        </dl>
      </section>
      {rows.length === 0 ? (
        <EmptyState title="No items in this run on this device" icon="check-square" />
      ) : (
        <div className="rv-evidence-table" role="table" aria-label="Decisions and receipts" aria-rowcount={rows.length + 1}>
          <div className="rv-ev-row rv-ev-head" role="row">
            {['Item', 'Decisions', 'Outcome', 'Applied and receipts'].map((h) => (
              <span key={h} role="columnheader">
                {h}
              </span>
            ))}
          </div>
          <div ref={listRef} className="rv-ev-body" data-testid="evidence-rows">
            <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
              {virtualizer.getVirtualItems().map((v) => {
                const { item, outcome, receipts } = rows[v.index]!;
                return (
                  <div key={item.id} ref={virtualizer.measureElement} data-index={v.index} role="row" className="rv-ev-row" data-item-id={item.id} style={{ transform: `translateY(${v.start}px)` }}>
                    <span role="cell">
                      <span className="strong">{item.subject.displayName}</span> · {item.subject.resourceName}
                      <div className="muted small">
                        {SUBJECT_LABEL[item.subject.type]}
                        {item.recommendations.length ? ` · ${item.recommendations.map((r) => RECOMMENDATION_LABEL[r.code]).join(', ')}` : ''}
                      </div>
                    </span>
                    <span role="cell" className="small">
                      {item.stageDecisions.map((s) => (
                        <div key={s.stage}>
                          Stage {s.stage}: {s.decision ? `${DECISION_LABEL[s.decision]} by ${s.decidedBy ? nameOf(s.decidedBy) : 'nobody'}` : 'undecided'} {s.decidedAt ? <Time iso={s.decidedAt} /> : null}
                          {s.reason ? <span className="muted"> · “{s.reason}”</span> : null}
                        </div>
                      ))}
                    </span>
                    <span role="cell">
                      {outcome}
                      {item.flagReason ? <div className="muted small">{item.flagReason}</div> : null}
                    </span>
                    <span role="cell" className="small" data-testid="evidence-applied-cell">
                      <span className={item.apply.state === 'verified' ? 'text-success' : item.apply.state === 'refused' || item.apply.state === 'failed' ? 'text-danger' : undefined}>{APPLY_WORDS[item.apply.state]}</span>
                      {item.apply.message ? <div className="muted">{item.apply.message}</div> : null}
                      {receipts.map((r) => (
                        <div key={r.id} className="rv-receipt mono" data-testid="evidence-receipt">
                          {receiptLine(r)}
                        </div>
                      ))}
                      {item.apply.receiptIds.length > receipts.length ? <div className="muted">{item.apply.receiptIds.length - receipts.length} receipt(s) not on this device (your roles do not replicate receipts)</div> : null}
                    </span>
                  </div>
                );
              })}
            </div>
          </div>
        </div>
      )}
    </div>
  );
}
