import { useVirtualizer } from '@tanstack/react-virtual';
import clsx from 'clsx';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ReviewDecision } from '../../../core/schema/review.js';
import { isTypingTarget, useSearch } from '../../app/search.js';
import { useConsoleData } from '../../session/console-data.js';
import { commandsWait, sentWhen } from '../../session/reach.js';
import { useViewer } from '../../session/viewer.js';
import { useToasts } from '../../ui/toasts.js';
import { Dialog, EmptyState, Icon, Kbd, Time, sentence } from '../../ui/ui.js';
import { ReasonDialog } from '../ReasonDialog.js';
import { DEFAULT_INBOX_FILTERS, DECISION_LABEL, RECOMMENDATION_LABEL, filterInbox, followCursor, isForViewer, keepChecked, nextUndecided, recommendationCounts, toInboxRows, whyNotDecide, type InboxFilters, type InboxRow } from './inbox-model.js';
import { InboxFilterBar } from './InboxFilterBar.js';
import { ItemFacts } from './ItemDetail.js';
import { reviewHref } from './review-route.js';
import { useReviewDecisions } from './review-decisions.js';
import { useReviewData, useSentDecisions } from './use-reviews.js';

const ROW_HEIGHT = 58;

type Bulk = { decision: ReviewDecision; ids: string[] };

/** The reviewer's inbox: like the approval queue, a dense list and the item's detail; k keeps, r removes, x selects. */
export function InboxPage({ campaignId }: { campaignId: string | null }) {
  const { campaignsById, items, loading } = useReviewData();
  const { sent, refused } = useSentDecisions();
  const { users, status } = useConsoleData();
  const viewer = useViewer();
  const { mayDecide, decide } = useReviewDecisions();
  const toasts = useToasts();
  const { query } = useSearch();
  const [filters, setFilters] = useState<Omit<InboxFilters, 'search'>>({ ...DEFAULT_INBOX_FILTERS, campaignId: campaignId ?? '' });
  const [cursorId, setCursorId] = useState<string | null>(null);
  const lastIndex = useRef(0);
  const [checked, setChecked] = useState<Set<string>>(new Set());
  const [removing, setRemoving] = useState<InboxRow | null>(null);
  const [bulk, setBulk] = useState<Bulk | null>(null);
  const listRef = useRef<HTMLDivElement>(null);
  const offline = commandsWait(status);
  const whenSent = sentWhen(status);
  const nameOf = useCallback((id: string) => (id === viewer.id ? 'you' : (users.get(id)?.displayName ?? id)), [users, viewer.id]);

  const rows = useMemo(() => toInboxRows(items, campaignsById), [items, campaignsById]);
  const mine = useMemo(() => rows.filter((row) => isForViewer(row, viewer)), [rows, viewer]);
  const list = useMemo(() => filterInbox(rows, { ...filters, search: query }, viewer, sent), [rows, filters, query, viewer, sent]);
  const counts = useMemo(() => recommendationCounts(mine), [mine]);
  const cursor = followCursor(list, cursorId, lastIndex.current);
  lastIndex.current = cursor.index;
  const current = cursor.id ? list[cursor.index] : undefined;
  const visibleChecked = useMemo(() => keepChecked(checked, list, sent), [checked, list, sent]);
  const why = useCallback((row: InboxRow) => whyNotDecide(row.item, campaignsById.get(row.item.campaignId), viewer, mayDecide), [campaignsById, viewer, mayDecide]);
  const decidable = useCallback((row: InboxRow | undefined) => Boolean(row) && !sent.has(row!.item.id) && why(row!) === null, [sent, why]);
  const waitingCount = useMemo(() => mine.filter((row) => sent.has(row.item.id)).length, [mine, sent]);

  const virtualizer = useVirtualizer({ count: list.length, getScrollElement: () => listRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });

  const moveTo = useCallback(
    (index: number) => {
      const target = list[Math.max(0, Math.min(index, list.length - 1))];
      if (!target) return;
      setCursorId(target.item.id);
      lastIndex.current = list.indexOf(target);
      virtualizer.scrollToIndex(lastIndex.current, { align: 'auto' });
    },
    [list, virtualizer],
  );

  const sayWhyNot = useCallback(
    (row: InboxRow | undefined) => {
      if (!row) return;
      const text = sent.has(row.item.id) ? 'Your decision on this item is waiting for the server.' : why(row);
      if (text) toasts.push({ tone: 'info', title: mayDecide ? 'Not yours to decide' : 'Read-only', body: text });
    },
    [sent, why, toasts, mayDecide],
  );

  const send = useCallback(
    async (targets: InboxRow[], decision: ReviewDecision, reason: string) => {
      if (targets.length === 0) return;
      const index = cursor.index;
      try {
        await decide(targets.map((row) => ({ item: row.item, decision, reason })));
      } catch (error) {
        toasts.push({ tone: 'danger', title: 'Could not record the decision', body: error instanceof Error ? error.message : String(error) });
        return;
      }
      const what = targets.length === 1 ? `${DECISION_LABEL[decision]}: ${targets[0]!.personName} on ${targets[0]!.resourceName}` : `${targets.length} items: ${DECISION_LABEL[decision].toLowerCase()}`;
      toasts.push({ tone: 'success', title: `${what} ${offline ? 'saved' : 'sent'}`, body: offline ? `Saved on this device; it syncs ${whenSent}.` : undefined });
      // Decide and move on: the cursor goes to the next item still waiting for a decision.
      const next = nextUndecided(list, index, sent, new Set(targets.map((row) => row.item.id)));
      if (list[next]) moveTo(next);
    },
    [cursor.index, decide, toasts, offline, whenSent, list, sent, moveTo],
  );

  const keep = useCallback((row: InboxRow | undefined) => (decidable(row) ? void send([row!], 'keep', '') : sayWhyNot(row)), [decidable, send, sayWhyNot]);
  const askRemove = useCallback((row: InboxRow | undefined) => (decidable(row) ? setRemoving(row!) : sayWhyNot(row)), [decidable, sayWhyNot]);
  const toggle = useCallback((id: string) => {
    setChecked((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }, []);
  const openBulk = useCallback((decision: ReviewDecision) => visibleChecked.size > 0 && setBulk({ decision, ids: [...visibleChecked] }), [visibleChecked]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (isTypingTarget(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
      if (document.querySelector('dialog[open]')) return;
      const key = event.key;
      // k keeps (the review's own key), so moving up is ↑ or p.
      if (key === 'j' || key === 'ArrowDown') moveTo(cursor.index + 1);
      else if (key === 'p' || key === 'ArrowUp') moveTo(cursor.index - 1);
      else if (key === 'k') keep(current);
      else if (key === 'r') askRemove(current);
      else if (key === 'K') openBulk('keep');
      else if (key === 'R') openBulk('remove');
      else if (key === 'x') {
        // A read-only person is told so by the console's own x handler.
        if (!mayDecide) return;
        if (current && decidable(current)) toggle(current.item.id);
        else sayWhyNot(current);
      } else if (key === 'Home') moveTo(0);
      else if (key === 'End') moveTo(list.length - 1);
      else return;
      event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [cursor.index, current, list.length, moveTo, keep, askRemove, openBulk, toggle, decidable, sayWhyNot, mayDecide]);

  const setFilter = <K extends keyof typeof filters>(key: K, value: (typeof filters)[K]) => setFilters((f) => ({ ...f, [key]: value }));
  const campaignOptions = useMemo(() => [...campaignsById.values()].map((c) => ({ id: c.id, name: c.name })).sort((a, b) => a.name.localeCompare(b.name)), [campaignsById]);
  // Refusals of this list's items, newest first: the item may have left "to decide" (the campaign closed), so they are said above the list.
  const refusals = useMemo(() => {
    const byId = new Map(rows.map((row) => [row.item.id, row]));
    return [...refused.entries()].flatMap(([id, r]) => (byId.has(id) ? [{ row: byId.get(id)!, ...r }] : [])).sort((a, b) => (a.at < b.at ? 1 : -1)).slice(0, 3);
  }, [refused, rows]);
  const currentCampaign = current ? campaignsById.get(current.item.campaignId) : undefined;
  const offer = current ? decidable(current) : false;
  const bulkRows = bulk ? list.filter((row) => bulk.ids.includes(row.item.id)) : [];

  return (
    <div className="split rv-inbox">
      <section className="list-pane" aria-label="Review inbox" data-testid="inbox-pane" data-query={query}>
        <header className="pane-header">
          <div className="pane-title">
            <h1>Review inbox</h1>
            <span className="muted" data-testid="inbox-count" data-loading={loading ? 'true' : undefined}>
              {loading && rows.length === 0 ? 'Loading…' : `${mine.length.toLocaleString()} to decide${waitingCount > 0 ? ` · ${waitingCount.toLocaleString()} waiting to sync` : ''}${loading ? ' so far' : ''}`}
            </span>
            <a className="button small rv-back" href={reviewHref({ view: 'list' })}>
              All campaigns
            </a>
          </div>
          <InboxFilterBar filters={filters} setFilter={setFilter} campaigns={campaignOptions} counts={counts} total={mine.length} />
          {refusals.map((r) => (
            <div key={r.commandId + r.row.item.id} className="notice danger" role="alert" data-testid="decision-refused">
              <Icon name="ban" />
              <span>
                Your {r.decision} of {r.row.personName}’s {r.row.resourceName} was not applied: {sentence(r.message)}
              </span>
            </div>
          ))}
          {visibleChecked.size > 0 ? (
            <div className="bulk-bar" role="status" data-testid="bulk-bar">
              <span>{visibleChecked.size} selected</span>
              <button type="button" className="button small" onClick={() => openBulk('keep')}>
                Keep selected <span className="kbd-hint">⇧K</span>
              </button>
              <button type="button" className="button danger small" onClick={() => openBulk('remove')}>
                Remove selected <span className="kbd-hint">⇧R</span>
              </button>
              <button type="button" className="button small" onClick={() => setChecked(new Set())}>
                Clear
              </button>
            </div>
          ) : null}
        </header>
        {list.length === 0 ? (
          loading ? (
            <EmptyState title="Loading the review items…" icon="clock" />
          ) : mine.length === 0 && filters.view === 'todo' ? (
            <EmptyState title="Nothing for you to review" icon="check">
              Items appear here when a campaign opens with a stage that names you; decided ones are under “Decided”.
            </EmptyState>
          ) : (
            <EmptyState title="No item matches these filters" icon="search" action={<button type="button" className="button" onClick={() => setFilters(DEFAULT_INBOX_FILTERS)}>Clear filters</button>}>
              Change the search or the filters to see the others.
            </EmptyState>
          )
        ) : (
          <div ref={listRef} className="virtual-list" role="listbox" aria-label="Review items" aria-activedescendant={current ? `ri-${current.item.id}` : undefined} tabIndex={0} data-testid="inbox-list">
            <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
              {virtualizer.getVirtualItems().map((v) => {
                const row = list[v.index]!;
                const id = row.item.id;
                const active = id === cursor.id;
                const mark = sent.get(id);
                const canPick = mayDecide && decidable(row);
                const final = row.item.decision;
                return (
                  <div
                    key={id}
                    id={`ri-${id}`}
                    role="option"
                    aria-selected={active}
                    aria-checked={canPick ? visibleChecked.has(id) : undefined}
                    data-item-id={id}
                    data-state={mark ? 'sent' : final ?? 'open'}
                    className={clsx('queue-row', active && 'active', visibleChecked.has(id) && 'checked', mark && 'waiting')}
                    style={{ height: ROW_HEIGHT, transform: `translateY(${v.start}px)` }}
                    onClick={() => {
                      setCursorId(id);
                      lastIndex.current = v.index;
                    }}
                  >
                    {canPick ? (
                      <span className={clsx('row-check', visibleChecked.has(id) && 'on')} aria-hidden="true" title="Select (x)" onClick={(e) => (e.stopPropagation(), toggle(id))}>
                        {visibleChecked.has(id) ? <Icon name="check" size={10} /> : null}
                      </span>
                    ) : (
                      <span className="row-check-placeholder" aria-hidden="true" />
                    )}
                    <div className="row-main">
                      <div className="row-line">
                        <span className="row-who">{row.personName}</span>
                        <span className="row-what">{row.resourceName}</span>
                      </div>
                      <div className="row-line muted small">
                        {mark ? <span className="pill tone-warning">{DECISION_LABEL[mark.decision]} · {offline ? 'waiting to sync' : 'sending'}</span> : null}
                        {!mark && final ? <span className={`pill tone-${final === 'keep' ? 'success' : 'danger'}`}>{DECISION_LABEL[final]}</span> : null}
                        {row.item.flagged ? <span className="pill tone-warning">Flagged</span> : null}
                        <span className="row-just">{row.item.recommendations[0] ? RECOMMENDATION_LABEL[row.item.recommendations[0].code] + (row.codes.size > 1 ? ` +${row.codes.size - 1}` : '') : 'No recommendation'}</span>
                      </div>
                    </div>
                    <div className="row-side">
                      {row.codes.size > 0 ? <span className="badge risk-medium">Remove?</span> : <span className="badge rv-badge-plain">—</span>}
                      <span className="muted small">{row.campaignName}</span>
                    </div>
                  </div>
                );
              })}
            </div>
          </div>
        )}
        <footer className="rv-keys muted small" aria-label="Shortcuts">
          <Kbd>j</Kbd>/<Kbd>↓</Kbd> next · <Kbd>p</Kbd>/<Kbd>↑</Kbd> previous · <Kbd>k</Kbd> keep · <Kbd>r</Kbd> remove · <Kbd>x</Kbd> select · <Kbd>⇧K</Kbd>/<Kbd>⇧R</Kbd> decide selected · <Kbd>?</Kbd> all keys
        </footer>
      </section>

      <section className="detail-pane" aria-label="Review item" data-testid="item-detail">
        {current ? (
          <>
            <header className="detail-header">
              <div>
                <h2>
                  {current.personName} · {current.resourceName}
                </h2>
                <div className="muted small">
                  {currentCampaign?.name ?? current.item.campaignId} · due <Time iso={current.item.dueAt} />
                </div>
              </div>
              <div className="actions">
                {offer ? (
                  <>
                    <button type="button" className="button danger" onClick={() => askRemove(current)} data-testid="remove">
                      Remove <Kbd>r</Kbd>
                    </button>
                    <button type="button" className="button primary" onClick={() => keep(current)} data-testid="keep">
                      Keep <Kbd>k</Kbd>
                    </button>
                  </>
                ) : null}
              </div>
            </header>
            {sent.has(current.item.id) ? (
              <div className="notice warning" role="status" data-testid="decision-waiting">
                <Icon name="clock" />
                {DECISION_LABEL[sent.get(current.item.id)!.decision]}: {offline ? `saved on this device; it syncs ${whenSent}.` : 'sent; waiting for the server to apply it.'}
              </div>
            ) : !offer && why(current) ? (
              <div className="notice info" role="note" data-testid="not-yours">
                <Icon name="shield-off" />
                {why(current)}
              </div>
            ) : null}
            <ItemFacts item={current.item} campaign={currentCampaign} nameOf={nameOf} />
          </>
        ) : (
          <EmptyState title="Select an item" icon="check-square">
            Move with <Kbd>j</Kbd> and <Kbd>↑</Kbd>; keep with <Kbd>k</Kbd>, remove with <Kbd>r</Kbd> (asks for a reason).
          </EmptyState>
        )}
      </section>

      <ReasonDialog
        open={removing !== null}
        title="Remove access"
        confirmLabel="Remove"
        placeholder="Recorded in the campaign's evidence and the audit log"
        intro={removing ? <p>{removing.personName} loses {removing.resourceName} when the campaign closes: the removal is applied through the connector and verified gone.</p> : null}
        onClose={() => setRemoving(null)}
        onConfirm={(reason) => {
          const target = removing;
          setRemoving(null);
          if (target) void send([target], 'remove', reason);
        }}
      />
      {bulk?.decision === 'remove' ? (
        <ReasonDialog
          open
          title={`Remove ${bulkRows.length} item${bulkRows.length === 1 ? '' : 's'}`}
          confirmLabel={`Remove ${bulkRows.length}`}
          placeholder="One reason for them all, recorded on each"
          intro={<p>Each removal is applied through its connector when the campaign closes and verified gone.</p>}
          onClose={() => setBulk(null)}
          onConfirm={(reason) => {
            setBulk(null);
            setChecked(new Set());
            void send(bulkRows, 'remove', reason);
          }}
        />
      ) : null}
      <Dialog
        open={bulk?.decision === 'keep'}
        title={`Keep ${bulkRows.length} item${bulkRows.length === 1 ? '' : 's'}?`}
        onClose={() => setBulk(null)}
        footer={
          <>
            <button type="button" className="button" onClick={() => setBulk(null)}>
              Cancel
            </button>
            <button
              type="button"
              className="button primary"
              data-autofocus
              onClick={() => {
                setBulk(null);
                setChecked(new Set());
                void send(bulkRows, 'keep', '');
              }}
            >
              Keep {bulkRows.length}
            </button>
          </>
        }
      >
        <p>The server checks each against the campaign; if one cannot be decided (the campaign closed, another reviewer decided it) none of that campaign’s are applied and the reason comes back under Rejected.</p>
      </Dialog>
    </div>
  );
}
