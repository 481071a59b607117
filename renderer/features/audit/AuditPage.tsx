import { useQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useDeferredValue, useMemo, useRef } from 'react';
import { map } from 'rxjs';
import type { AuditEvent } from '../../../core/index.js';
import { useSearch } from '../../app/search.js';
import { api } from '../../session/api-client.js';
import { useObservable } from '../../lib/use-rx.js';
import { useConsoleData } from '../../session/console-data.js';
import { useSession } from '../../session/session.js';
import { EmptyState, Icon, Time } from '../../ui/ui.js';

const ROW = 40;

export function AuditPage() {
  const { db, serverUrl, token } = useSession();
  const { users } = useConsoleData();
  const { query } = useSearch();
  const search = useDeferredValue(query.trim().toLowerCase());
  const verify = useQuery({ queryKey: ['audit-verify', serverUrl], queryFn: () => api.verifyAudit(serverUrl, token), enabled: false, retry: false });
  const events = useObservable(
    () => db.audit.find({ sort: [{ seq: 'desc' }], limit: 5000 }).$.pipe(map((docs) => docs.map((d) => d.toJSON() as AuditEvent))),
    [] as AuditEvent[],
    [db],
  );
  const rows = useMemo(
    () => events.data.filter((e) => !search || `${e.type} ${e.subjectId} ${e.actorId} ${users.get(e.actorId)?.displayName ?? ''}`.toLowerCase().includes(search)),
    [events.data, search, users],
  );
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW, overscan: 10 });

  return (
    <div className="page">
      <header className="pane-header">
        <div className="pane-title">
          <h1>Audit</h1>
          <span className="muted">latest {rows.length.toLocaleString()} events on this device</span>
        </div>
        <div className="filters">
          <button type="button" className="button small" onClick={() => void verify.refetch()} disabled={verify.isFetching}>
            {verify.isFetching ? 'Verifying…' : 'Verify the hash chain on the server'}
          </button>
        </div>
      </header>
      {verify.data ? (
        <div className={`notice ${verify.data.ok ? 'success' : 'danger'}`} role="status">
          <Icon name={verify.data.ok ? 'check' : 'alert'} />
          {verify.data.ok
            ? `Chain intact: ${verify.data.events.toLocaleString()} events, head hash ${verify.data.headHash.slice(0, 16)}…`
            : `Chain broken: ${verify.data.message ?? 'an event was altered or removed'}`}
        </div>
      ) : null}
      {verify.isError ? (
        <div className="notice danger" role="alert">
          <Icon name="alert" />
          Verification failed: {verify.error.message}
        </div>
      ) : null}
      {rows.length === 0 ? (
        <EmptyState title={events.loading ? 'Loading…' : 'No audit events yet'} icon="scroll">
          Every request, decision, provisioning and revocation is recorded here as a hash-chained event.
        </EmptyState>
      ) : (
        <div className="table audit-table" role="table" aria-label="Audit events">
          <div className="table-head" role="row">
            <span role="columnheader">#</span>
            <span role="columnheader">Event</span>
            <span role="columnheader">Subject</span>
            <span role="columnheader">By</span>
            <span role="columnheader">When</span>
          </div>
          {/* Focusable: the rows hold no control, and a keyboard must still be able to scroll them. */}
          <div ref={scroller} className="table-body" role="rowgroup" tabIndex={0}>
            <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
              {virtualizer.getVirtualItems().map((v) => {
                const e = rows[v.index]!;
                return (
                  <div key={e.id} role="row" className="table-row" style={{ height: ROW, transform: `translateY(${v.start}px)` }}>
                    <span role="cell" className="muted mono">{e.seq}</span>
                    <span role="cell" className="mono">{e.type}</span>
                    <span role="cell" className="mono">{e.subjectId}</span>
                    <span role="cell">{e.actorId === 'system' ? 'system' : (users.get(e.actorId)?.displayName ?? e.actorId)}</span>
                    <span role="cell"><Time iso={e.at} className="muted" /></span>
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
