import { useVirtualizer } from '@tanstack/react-virtual';
import clsx from 'clsx';
import { useEffect, useRef, type KeyboardEvent } from 'react';
import { useConsoleData } from '../../../session/console-data.js';
import type { Order } from './audit-result.js';
import { eventTone, eventTypeWords } from './event-words.js';
import type { RemoteResult } from './index-client.js';
import { useRowsArriving } from './use-index-query.js';

const ROW = 40;

/** A virtualised table over a result: only the rows in view are read from the index's worker. */
export function EventTable({ result, order, selected, onSelect, onOpen, label }: { result: RemoteResult; order: Order; selected: number | null; onSelect(seq: number): void; onOpen(seq: number): void; label: string }) {
  const { users, resources } = useConsoleData();
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: result.total, getScrollElement: () => scroller.current, estimateSize: () => ROW, overscan: 12 });
  const position = selected === null ? -1 : result.positionOf(selected, order);
  useRowsArriving(result);
  useEffect(() => {
    if (position >= 0) virtualizer.scrollToIndex(position, { align: 'auto' });
  }, [position, virtualizer]);
  const person = (id: string | null) => (id === null ? '' : id === 'system' ? 'system' : (users.get(id)?.displayName ?? id));
  const onKey = (e: KeyboardEvent) => {
    if (result.total === 0) return;
    const move = e.key === 'ArrowDown' || e.key === 'j' ? 1 : e.key === 'ArrowUp' || e.key === 'k' ? -1 : e.key === 'Home' ? -Infinity : e.key === 'End' ? Infinity : 0;
    if (move !== 0) {
      e.preventDefault();
      const next = Math.max(0, Math.min(result.total - 1, position < 0 ? 0 : position + move));
      onSelect(result.seqAt(next, order));
    } else if (e.key === 'Enter' && selected !== null) {
      e.preventDefault();
      onOpen(selected);
    }
  };
  const items = virtualizer.getVirtualItems();
  const firstShown = items[0]?.index ?? 0;
  const lastShown = items.at(-1)?.index ?? 0;
  useEffect(() => result.load(firstShown, lastShown, order), [result, firstShown, lastShown, order]);
  const padTop = items[0]?.start ?? 0;
  const padBottom = virtualizer.getTotalSize() - (items.at(-1)?.end ?? 0);
  return (
    // Focusable: arrows and j/k move the selection, Enter opens its timeline.
    <div ref={scroller} className="ax-table-wrap" tabIndex={0} onKeyDown={onKey} aria-label={`${label}: arrows move, Enter opens the timeline`} role="region">
      <table className="ax-table" data-testid="explorer-table" aria-rowcount={result.total + 1}>
        <thead className="list-table-head">
          <tr>
            <th scope="col">#</th>
            <th scope="col">When</th>
            <th scope="col">Event</th>
            <th scope="col">About</th>
            <th scope="col">Resource</th>
            <th scope="col">By</th>
            <th scope="col">Subject</th>
          </tr>
        </thead>
        <tbody>
          {padTop > 0 ? <tr aria-hidden="true" style={{ height: padTop }} /> : null}
          {items.map((item) => {
            const e = result.at(item.index, order);
            if (!e) {
              const seq = result.seqAt(item.index, order);
              return (
                // Its row is on its way from the index's worker (a page of rows at a time).
                <tr key={seq} aria-rowindex={item.index + 2} data-testid="row-arriving" style={{ height: ROW }} aria-busy="true">
                  <td className="muted mono">{seq}</td>
                  <td colSpan={6} className="muted">
                    …
                  </td>
                </tr>
              );
            }
            const iso = new Date(e.at).toISOString();
            return (
              <tr
                key={e.seq}
                className={clsx(selected === e.seq && 'selected')}
                aria-selected={selected === e.seq}
                aria-rowindex={item.index + 2}
                data-testid={`event-${e.seq}`}
                style={{ height: ROW }}
                onClick={() => onSelect(e.seq)}
                onDoubleClick={() => onOpen(e.seq)}
              >
                <td className="muted mono">{e.seq}</td>
                <td>
                  <time dateTime={iso} title={iso}>
                    {new Date(e.at).toLocaleString()}
                  </time>
                </td>
                <td>
                  <span className={`pill tone-${eventTone(e.type)}`}>{eventTypeWords(e.type)}</span>
                </td>
                <td>{person(e.personId)}</td>
                <td>{e.resourceId ? (resources.get(e.resourceId)?.name ?? e.resourceId) : ''}</td>
                <td>{person(e.actorId)}</td>
                <td className="mono muted">{e.subjectId}</td>
              </tr>
            );
          })}
          {padBottom > 0 ? <tr aria-hidden="true" style={{ height: padBottom }} /> : null}
        </tbody>
      </table>
    </div>
  );
}
