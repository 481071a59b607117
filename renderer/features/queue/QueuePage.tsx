import { useVirtualizer } from '@tanstack/react-virtual';
import clsx from 'clsx';
import { useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import type { AccessRequest } from '../../../core/index.js';
import { isTypingTarget, useSearch } from '../../app/search.js';
import { formatDuration } from '../../lib/time.js';
import { useNow } from '../../lib/use-rx.js';
import { useConsoleData, type WaitingDecision } from '../../session/console-data.js';
import { isReadOnly, mayDecideRequest } from '../../session/permissions.js';
import { useViewer } from '../../session/viewer.js';
import { useToasts } from '../../ui/toasts.js';
import { LoadProgressBar } from '../../ui/load-progress.js';
import { Dialog, EmptyState, Icon, RiskBadge, Time } from '../../ui/ui.js';
import { useDecisions } from '../decisions.js';
import { ReasonDialog } from '../ReasonDialog.js';
import { DEFAULT_FILTERS, followCursor, keepChecked, matchQueue, narrows, sortQueue, toQueueItems, type QueueFilters, type QueueItem } from './queue-model.js';
import { QueueFilterBar } from './QueueFilterBar.js';
import { expectedDecider, splitByViewer, type QueueView } from './queue-views.js';
import { QueueDetail, whyNotDecide } from './QueueDetail.js';
import { useSettledWhileTyping } from './use-settled.js';
import { commandsWait, sentWhen } from '../../session/reach.js';

const ROW_HEIGHT = 58;


function WaitingTag({ waiting, offline }: { waiting: WaitingDecision | undefined; offline: boolean }) {
  if (!waiting) return null;
  const what = waiting.type === 'request.approve' ? 'Approval' : waiting.type === 'request.deny' ? 'Denial' : 'Decision';
  return <span className="pill tone-warning">{offline ? `${what} waiting to sync` : `${what} sent`}</span>;
}

export function QueuePage() {
  const { pending, pendingLoading, pendingProgress, lookupsLoading, users, resources, waiting, status } = useConsoleData();
  // The viewer with their directory groups: a step naming one of them is theirs to decide.
  const user = useViewer();
  const { query, inputRef } = useSearch();
  const decisions = useDecisions();
  const toasts = useToasts();
  const now = useNow(60_000);
  const [filters, setFilters] = useState<Omit<QueueFilters, 'search'>>(DEFAULT_FILTERS);
  // Filtering 10,000 requests takes a few milliseconds: done in the same render as the keystroke.
  const search = query;
  const [cursorId, setCursorId] = useState<string | null>(null);
  const lastIndex = useRef(0);
  const [checked, setChecked] = useState<Set<string>>(new Set());
  const [denying, setDenying] = useState<AccessRequest | null>(null);
  const [bulkConfirm, setBulkConfirm] = useState(false);
  const listRef = useRef<HTMLDivElement>(null);
  const offline = commandsWait(status);
  const whenSent = sentWhen(status);

  const [view, setView] = useState<QueueView>('mine');
  const all = useMemo(() => toQueueItems(pending, { users, resources }), [pending, users, resources]);
  // Mine by default: what the viewer may decide now; the rest waits on others, read-only.
  const split = useMemo(() => splitByViewer(all, user), [all, user]);
  const items = view === 'mine' ? split.mine : split.others;
  // Sorted once per data or order change; each keystroke only filters, and narrows the last result while the search grows.
  const sorted = useMemo(() => sortQueue(items, filters.sort), [items, filters.sort]);
  const lastMatch = useRef<{ sorted: QueueItem[]; filters: QueueFilters; now: number; list: QueueItem[] } | null>(null);
  const list = useMemo(() => {
    const next = { ...filters, search };
    const last = lastMatch.current;
    const from = last && last.sorted === sorted && last.now === now && narrows(last.filters, next) ? last.list : sorted;
    const matched = matchQueue(from, next, now);
    lastMatch.current = { sorted, filters: next, now, list: matched };
    return matched;
  }, [sorted, filters, search, now]);
  const nameOf = useCallback((id: string) => users.get(id)?.displayName ?? id, [users]);
  const cursor = followCursor(list, cursorId, lastIndex.current);
  lastIndex.current = cursor.index;
  const current = cursor.id ? list[cursor.index] : undefined;
  // The detail pane follows the cursor at a lower priority, so a keystroke's list paints first.
  // Until it has caught up, decisions by key wait (queued below): they act on the request the pane shows.
  const shown = useDeferredValue(useSettledWhileTyping(current, search, inputRef));
  const inStep = shown?.request.id === current?.request.id;
  const visibleChecked = useMemo(() => keepChecked(checked, list), [checked, list]);
  // Only requests whose current step names this person (or a role they hold) get decision controls.
  const decidable = useCallback((item: QueueItem | undefined) => Boolean(item) && mayDecideRequest(user, item!.request), [user]);
  const sayNotYours = useCallback(
    (item: QueueItem | undefined) => {
      if (item) toasts.push({ tone: 'info', title: isReadOnly(user) ? 'Read-only' : 'Not yours to decide', body: whyNotDecide(item.request, user) });
    },
    [toasts, user],
  );

  const virtualizer = useVirtualizer({ count: list.length, getScrollElement: () => listRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });

  const moveTo = useCallback(
    (index: number) => {
      const target = list[Math.max(0, Math.min(index, list.length - 1))];
      if (!target) return;
      setCursorId(target.request.id);
      lastIndex.current = list.indexOf(target);
      virtualizer.scrollToIndex(lastIndex.current, { align: 'auto' });
    },
    [list, virtualizer],
  );

  const approve = useCallback(
    async (item: QueueItem | undefined) => {
      if (!item || waiting.has(item.request.id)) return;
      if (!decidable(item)) return sayNotYours(item);
      const id = await decisions.approve(item.request);
      if (id) toasts.push({ tone: 'success', title: `${offline ? 'Approval saved' : 'Approval sent'}: ${item.resourceName} for ${item.requesterName}`, body: offline ? `Saved on this device; it syncs ${whenSent}.` : undefined });
    },
    [decisions, toasts, waiting, offline, decidable, sayNotYours],
  );

  const bulkApprove = useCallback(async () => {
    const targets = list.filter((item) => visibleChecked.has(item.request.id) && !waiting.has(item.request.id) && decidable(item));
    // One code for them all where a policy needs the approver's second factor; cancelled, nothing is sent.
    if (!(await decisions.prepareApprovals(targets.map((item) => item.request)))) return setBulkConfirm(false);
    for (const item of targets) await decisions.approve(item.request);
    setChecked(new Set());
    setBulkConfirm(false);
    toasts.push({ tone: 'success', title: `${targets.length} approval${targets.length === 1 ? '' : 's'} ${offline ? 'saved' : 'sent'}`, body: offline ? `Saved on this device; they sync ${whenSent}.` : undefined });
  }, [list, visibleChecked, waiting, decisions, toasts, decidable, offline]);

  const toggle = useCallback((id: string) => {
    setChecked((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }, []);

  // A decision key for the request under the cursor, acted on once the pane shows that request.
  const decideByKey = useCallback(
    (key: 'a' | 'd', item: QueueItem) => {
      if (key === 'a') return void approve(item);
      if (waiting.has(item.request.id)) return;
      if (mayDecideRequest(user, item.request, 'request.deny')) setDenying(item.request);
      else sayNotYours(item);
    },
    [approve, waiting, user, sayNotYours],
  );
  // Pressed while the pane was still catching up (a frame after leaving the search box): kept, not lost.
  const queuedKey = useRef<{ key: 'a' | 'd'; id: string } | null>(null);
  useEffect(() => {
    const queued = queuedKey.current;
    if (!queued || !inStep) return;
    queuedKey.current = null;
    // The cursor moved on meanwhile: the key was for a request no longer under it.
    if (current?.request.id === queued.id) decideByKey(queued.key, current);
  }, [inStep, current, decideByKey]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (isTypingTarget(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
      if (document.querySelector('dialog[open]')) return;
      const key = event.key;
      if (key === 'j' || key === 'ArrowDown') moveTo(cursor.index + 1);
      else if (key === 'k' || key === 'ArrowUp') moveTo(cursor.index - 1);
      else if (key === 'a' || key === 'd') {
        if (current && inStep) decideByKey(key, current);
        else if (current) queuedKey.current = { key, id: current.request.id };
      } else if (key === 'A') {
        if (visibleChecked.size > 0) setBulkConfirm(true);
      } else if (key === 'x') {
        if (current) {
          if (decidable(current)) toggle(current.request.id);
          else sayNotYours(current);
        }
      } else if (key === 'v') setView((v) => (v === 'mine' ? 'others' : 'mine'));
      else if (key === 'Home') moveTo(0);
      else if (key === 'End') moveTo(list.length - 1);
      else return;
      event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [cursor.index, current, inStep, list.length, moveTo, decideByKey, toggle, visibleChecked.size, decidable, sayNotYours]);

  const setFilter = <K extends keyof typeof filters>(key: K, value: (typeof filters)[K]) => setFilters((f) => ({ ...f, [key]: value }));
  const resourceOptions = useMemo(() => [...resources.values()].sort((a, b) => a.name.localeCompare(b.name)), [resources]);
  const requesterOptions = useMemo(() => {
    const ids = new Set(pending.map((r) => r.requesterId));
    return [...ids].map((id) => ({ id, name: users.get(id)?.displayName ?? id })).sort((a, b) => a.name.localeCompare(b.name));
  }, [pending, users]);
  const filtered = list.length !== items.length;
  // Rows only once names can be shown; while requests still arrive, counts say "so far" and a bar says how far.
  const showRows = list.length > 0 && !lookupsLoading;
  const soFar = pendingLoading ? ' so far' : '';

  return (
    <div className="split">
      {/* data-query: the search the list currently shows (it lags typing by design); tests and benchmarks wait on it. */}
      <section className="list-pane" aria-label="Approval queue" data-query={search} data-testid="queue-pane">
        <header className="pane-header">
          <div className="pane-title">
            <h1>Queue</h1>
            <span className="muted" data-testid="queue-count" data-loading={pendingLoading ? 'true' : undefined}>
              {pendingLoading && all.length === 0
                ? 'Loading…'
                : `${filtered ? `${list.length.toLocaleString()} of ${items.length.toLocaleString()}` : items.length.toLocaleString()} ${view === 'mine' ? 'yours to decide' : 'waiting on others'}${soFar}`}
            </span>
          </div>
          <fieldset className="segmented queue-views" data-testid="queue-views">
            <legend className="visually-hidden">Which requests (v switches)</legend>
            {(['mine', 'others'] as const).map((v) => (
              <label key={v} className={v === view ? 'selected' : undefined}>
                <input type="radio" name="queue-view" value={v} checked={v === view} onChange={() => setView(v)} />
                {/* While requests still arrive the counts are "at least": 997+. */}
                {v === 'mine' ? `Mine (${split.mine.length.toLocaleString()}${pendingLoading ? '+' : ''})` : `Waiting on others (${split.others.length.toLocaleString()}${pendingLoading ? '+' : ''})`}
              </label>
            ))}
          </fieldset>
          <QueueFilterBar filters={filters} setFilter={setFilter} resources={resourceOptions} requesters={requesterOptions} />
          {visibleChecked.size > 0 ? (
            <div className="bulk-bar" role="status">
              <span>{visibleChecked.size} selected</span>
              <button type="button" className="button primary small" onClick={() => setBulkConfirm(true)}>
                Approve selected <span className="kbd-hint">⇧A</span>
              </button>
              <button type="button" className="button small" onClick={() => setChecked(new Set())}>
                Clear
              </button>
            </div>
          ) : null}
          {/* From the first frame of the first sync: without a total yet the bar runs without a value, then counts. */}
          {pendingLoading ? <LoadProgressBar what="requests" progress={pendingProgress} /> : null}
        </header>
        {!showRows ? (
          lookupsLoading || (pendingLoading && items.length === 0) ? (
            <EmptyState title="Loading the queue…" icon="clock">
              {items.length > 0 ? `${items.length.toLocaleString()} pending requests have arrived so far.` : null}
            </EmptyState>
          ) : items.length === 0 && view === 'mine' ? (
            <EmptyState
              title="Nothing for you to decide"
              icon="check"
              action={split.others.length > 0 ? <button type="button" className="button" onClick={() => setView('others')}>See the {split.others.length.toLocaleString()} waiting on others</button> : undefined}
            >
              Requests whose current step names you or your role appear here the moment they are submitted, without reloading.
            </EmptyState>
          ) : items.length === 0 ? (
            <EmptyState title="Nothing waiting on others" icon="check">
              Every pending request you can see is yours to decide.
            </EmptyState>
          ) : (
            <EmptyState title="No request matches these filters" icon="search" action={<button type="button" className="button" onClick={() => setFilters(DEFAULT_FILTERS)}>Clear filters</button>}>
              {items.length.toLocaleString()} requests {view === 'mine' ? 'are yours to decide' : 'wait on others'}{soFar}; change the search or filters to see them.
            </EmptyState>
          )
        ) : (
          <div ref={listRef} className="virtual-list" role="listbox" aria-label="Pending requests" aria-activedescendant={current ? `q-${current.request.id}` : undefined} tabIndex={0} data-testid="queue-list">
            <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
              {virtualizer.getVirtualItems().map((row) => {
                const item = list[row.index]!;
                const id = item.request.id;
                const active = id === cursor.id;
                return (
                  <div
                    key={id}
                    id={`q-${id}`}
                    role="option"
                    aria-selected={active}
                    aria-checked={decidable(item) ? visibleChecked.has(id) : undefined}
                    data-request-id={id}
                    className={clsx('queue-row', active && 'active', visibleChecked.has(id) && 'checked', waiting.has(id) && 'waiting')}
                    style={{ height: ROW_HEIGHT, transform: `translateY(${row.start}px)` }}
                    onClick={() => {
                      setCursorId(id);
                      lastIndex.current = row.index;
                    }}
                  >
                    {decidable(item) ? (
                      // A drawn mark, not an <input>: an option may hold no control of its own, so the row says aria-checked.
                      <span
                        className={clsx('row-check', visibleChecked.has(id) && 'on')}
                        aria-hidden="true"
                        title="Select (x)"
                        onClick={(e) => {
                          e.stopPropagation();
                          toggle(id);
                        }}
                      >
                        {visibleChecked.has(id) ? <Icon name="check" size={10} /> : null}
                      </span>
                    ) : (
                      <span className="row-check-placeholder" aria-hidden="true" />
                    )}
                    <div className="row-main">
                      <div className="row-line">
                        <span className="row-who">{item.requesterName}</span>
                        <span className="row-what">{item.resourceName}</span>
                      </div>
                      <div className="row-line muted small">
                        <WaitingTag waiting={waiting.get(id)} offline={offline} />
                        {item.escalated ? (
                          <span className="pill tone-danger" title="Not decided in time: the step escalated and more approvers were added">
                            Escalated
                          </span>
                        ) : null}
                        {item.extension ? (
                          <span className="pill more-time" title="An extension request: more time on a grant this person holds now, not new access">
                            More time +{formatDuration(item.request.durationMinutes)}
                          </span>
                        ) : (
                          <span>{formatDuration(item.request.durationMinutes)}</span>
                        )}
                        {view === 'others' ? (
                          <span className="row-just">Waiting for {expectedDecider(item.request, nameOf)}</span>
                        ) : (
                          <span className="row-just">{item.request.justification || 'No justification'}</span>
                        )}
                      </div>
                    </div>
                    <div className="row-side">
                      <RiskBadge score={item.request.riskScore} compact />
                      <Time iso={item.request.createdAt} className="muted small" />
                    </div>
                  </div>
                );
              })}
            </div>
          </div>
        )}
      </section>

      <QueueDetail
        item={shown}
        catchingUp={!inStep}
        user={user}
        waiting={shown ? waiting.has(shown.request.id) : false}
        offline={offline}
        whenSent={whenSent}
        onApprove={approve}
        onDeny={setDenying}
      />

      <ReasonDialog
        open={denying !== null}
        title="Deny request"
        confirmLabel="Deny"
        intro={denying ? <p>The requester sees this reason. It is recorded in the audit log.</p> : null}
        onClose={() => setDenying(null)}
        onConfirm={(reason) => {
          const target = denying;
          setDenying(null);
          if (target) void decisions.deny(target, reason).then((id) => id && toasts.push({ tone: 'success', title: offline ? 'Denial saved' : 'Denial sent', body: offline ? `Saved on this device; it syncs ${whenSent}.` : reason }));
        }}
      />
      <Dialog
        open={bulkConfirm}
        title={`Approve ${visibleChecked.size} request${visibleChecked.size === 1 ? '' : 's'}?`}
        onClose={() => setBulkConfirm(false)}
        footer={
          <>
            <button type="button" className="button" onClick={() => setBulkConfirm(false)}>
              Cancel
            </button>
            <button type="button" className="button primary" data-autofocus onClick={() => void bulkApprove()}>
              Approve {visibleChecked.size}
            </button>
          </>
        }
      >
        <p>Each approval is checked by the server against its policy; any that cannot be applied come back under Rejected with the reason.</p>
      </Dialog>
    </div>
  );
}
