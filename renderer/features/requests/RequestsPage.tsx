import { useVirtualizer } from '@tanstack/react-virtual';
import { useDeferredValue, useMemo, useRef, useState } from 'react';
import { map } from 'rxjs';
import type { AccessRequest, RequestStatus } from '../../../core/index.js';
import { href, navigate } from '../../app/router.js';
import { useSearch } from '../../app/search.js';
import { formatAbsolute, formatDuration } from '../../lib/time.js';
import { useObservable } from '../../lib/use-rx.js';
import { useConsoleData } from '../../session/console-data.js';
import { useSession, useSessionApi } from '../../session/session.js';
import { EmptyState, RiskBadge, StatusPill, Time } from '../../ui/ui.js';
import { RequestDetail } from './RequestDetail.js';
import { toCsv } from '../../lib/csv.js';
import { useMayExport, useRecordExport } from '../exports/record-export.js';

const ROW = 44;
const STATUS_FILTERS: Array<{ value: string; label: string; statuses: RequestStatus[] | null }> = [
  { value: 'all', label: 'All statuses', statuses: null },
  { value: 'pending', label: 'Pending', statuses: ['requested', 'eligibility_checked', 'pending_approval'] },
  { value: 'approved', label: 'Approved', statuses: ['approved'] },
  { value: 'denied', label: 'Denied', statuses: ['denied'] },
  { value: 'closed', label: 'Expired, cancelled, ineligible', statuses: ['expired', 'cancelled', 'ineligible'] },
];

export function RequestsPage({ id }: { id: string | null }) {
  if (id) return <RequestDetail id={id} />;
  return <RequestList />;
}

function RequestList() {
  const { db } = useSession();
  const { users, resources } = useConsoleData();
  const { host } = useSessionApi();
  const { query } = useSearch();
  const search = useDeferredValue(query.trim().toLowerCase());
  const [statusFilter, setStatusFilter] = useState('all');
  const requests = useObservable(() => db.requests.find({ sort: [{ createdAt: 'desc' }] }).$.pipe(map((docs) => docs.map((d) => d.toJSON() as AccessRequest))), [] as AccessRequest[], [db]);
  const rows = useMemo(() => {
    const statuses = STATUS_FILTERS.find((f) => f.value === statusFilter)?.statuses ?? null;
    return requests.data.filter((r) => {
      if (statuses && !statuses.includes(r.status)) return false;
      if (!search) return true;
      const text = `${users.get(r.requesterId)?.displayName ?? r.requesterId} ${resources.get(r.resourceId)?.name ?? r.resourceId} ${r.ticket} ${r.justification} ${r.id}`.toLowerCase();
      return search.split(/\s+/).every((t) => text.includes(t));
    });
  }, [requests.data, statusFilter, search, users, resources]);
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW, overscan: 10 });

  const mayExport = useMayExport('requests_csv');
  const recordExport = useRecordExport();
  const exportCsv = async () => {
    const header = ['id', 'requester', 'resource', 'status', 'duration_minutes', 'risk', 'ticket', 'justification', 'created_at', 'decided_at'];
    const lines = rows.map((r) => [r.id, users.get(r.requesterId)?.displayName ?? r.requesterId, resources.get(r.resourceId)?.name ?? r.resourceId, r.status, r.durationMinutes, r.riskScore, r.ticket, r.justification, r.createdAt, r.decidedAt ?? '']);
    const madeAt = new Date().toISOString();
    const fileName = `requests-${madeAt.slice(0, 10)}.csv`;
    const csv = toCsv(header, lines);
    const saved = await host.saveFile(fileName, csv, 'text/csv');
    // The filter in force, in words: the record says which rows these are.
    const filter = [`status: ${STATUS_FILTERS.find((f) => f.value === statusFilter)?.label ?? statusFilter}`, search ? `search: ${search}` : ''].filter(Boolean).join('; ');
    if (saved.saved) await recordExport({ kind: 'requests_csv', fileName, madeAt, rows: lines.length, content: csv, filter });
  };

  return (
    <div className="page">
      <header className="pane-header">
        <div className="pane-title">
          <h1>Requests</h1>
          <span className="muted">{rows.length.toLocaleString()} shown</span>
        </div>
        <div className="filters">
          <select aria-label="Status" value={statusFilter} onChange={(e) => setStatusFilter(e.target.value)}>
            {STATUS_FILTERS.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>
          {mayExport ? (
            <button type="button" className="button small" onClick={() => void exportCsv()} disabled={rows.length === 0}>
              Export CSV
            </button>
          ) : null}
        </div>
      </header>
      {rows.length === 0 ? (
        <EmptyState title={requests.loading ? 'Loading requests…' : 'No requests to show'} icon="list">
          {requests.loading ? null : 'Every access request, pending or decided, is listed here with its status. Requests arrive from the requester API and the self-service portal.'}
        </EmptyState>
      ) : (
        <div className="table" role="table" aria-label="Requests">
          <div className="table-head" role="row">
            <span role="columnheader">Requester</span>
            <span role="columnheader">Resource</span>
            <span role="columnheader">Duration</span>
            <span role="columnheader">Risk</span>
            <span role="columnheader">Status</span>
            <span role="columnheader">Requested</span>
          </div>
          <div ref={scroller} className="table-body">
            <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
              {virtualizer.getVirtualItems().map((v) => {
                const r = rows[v.index]!;
                return (
                  // A row, with the request's link in its resource cell: a link given role="row" is no longer a link to assistive technology.
                  <div key={r.id} role="row" className="table-row linked" style={{ height: ROW, transform: `translateY(${v.start}px)` }} onClick={() => navigate('requests', r.id)}>
                    <span role="cell">{users.get(r.requesterId)?.displayName ?? r.requesterId}</span>
                    <span role="cell" className="strong">
                      <a href={href('requests', r.id)}>{resources.get(r.resourceId)?.name ?? r.resourceId}</a>
                    </span>
                    <span role="cell" title={r.extendsGrantId ? 'More time on a grant held now' : undefined}>{r.extendsGrantId ? `+${formatDuration(r.durationMinutes)} more` : formatDuration(r.durationMinutes)}</span>
                    <span role="cell"><RiskBadge score={r.riskScore} compact /></span>
                    <span role="cell"><StatusPill status={r.status} /></span>
                    <span role="cell" title={formatAbsolute(r.createdAt)}><Time iso={r.createdAt} className="muted" /></span>
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
