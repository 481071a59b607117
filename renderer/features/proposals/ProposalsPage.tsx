import { flexRender, getCoreRowModel, useReactTable, type ColumnDef } from '@tanstack/react-table';
import clsx from 'clsx';
import { useDeferredValue, useEffect, useMemo } from 'react';
import type { Proposal } from '../../../core/index.js';
import { href, navigate } from '../../app/router.js';
import { isTypingTarget, useSearch } from '../../app/search.js';
import { useNow } from '../../lib/use-rx.js';
import { useConsoleData } from '../../session/console-data.js';
import { useSession } from '../../session/session.js';
import { EmptyState, Kbd, StatusPill, Time } from '../../ui/ui.js';
import { ProposalDetail } from './ProposalDetail.js';
import { KIND_LABEL, openProposals, proposalState, readableWidening, sortProposals, type ProposalState } from './proposal-model.js';
import './proposals.css';
import { TableHead } from '../../ui/table.js';

type Row = { proposal: Proposal; state: ProposalState; proposer: string; waiting: boolean; summary: string };

/**
 * Configuration changes that widen access, waiting for a second person (four eyes): policy admins
 * and admins decide them here; auditors read them.
 */
export function ProposalsPage({ id }: { id: string | null }) {
  const { proposals, users, resources, policies, waiting } = useConsoleData();
  const { user } = useSession();
  const now = useNow(30_000);
  const { query } = useSearch();
  const search = useDeferredValue(query.trim().toLowerCase());

  const all = useMemo(() => sortProposals(proposals, now), [proposals, now]);
  const rows = useMemo<Row[]>(
    () =>
      all
        .map((proposal) => ({
          proposal,
          state: proposalState(proposal, now),
          proposer: users.get(proposal.proposedBy)?.displayName ?? proposal.proposedBy,
          waiting: waiting.has(proposal.id),
          // What sets it apart from another change to the same entity: its first widening.
          summary: readableWidening(proposal.widenings[0] ?? '', { users, resources, policies }),
        }))
        .filter((row) => {
          if (!search) return true;
          const text = `${row.proposal.subjectName} ${row.proposal.kind} ${row.proposer} ${row.state} ${row.summary} ${row.proposal.widenings.join(' ')} ${row.proposal.id}`.toLowerCase();
          return search.split(/\s+/).every((t) => text.includes(t));
        }),
    [all, now, users, resources, policies, waiting, search],
  );
  const selected = rows.find((r) => r.proposal.id === id) ?? (id ? undefined : rows[0]);
  const pendingCount = openProposals(proposals, now).length;

  const columns = useMemo<ColumnDef<Row>[]>(
    () => [
      {
        id: 'change',
        header: 'Change',
        cell: ({ row }) => (
          <a href={href('proposals', row.original.proposal.id)} className="pr-change" tabIndex={-1}>
            <span className="strong">{row.original.proposal.subjectName}</span>
            <span className="muted small" title={row.original.proposal.widenings.join('; ')}>
              {KIND_LABEL[row.original.proposal.kind]} · {row.original.summary}
            </span>
          </a>
        ),
      },
      { id: 'by', header: 'Proposed by', cell: ({ row }) => row.original.proposer },
      {
        id: 'status',
        header: 'Status',
        cell: ({ row }) => (
          <>
            <StatusPill status={row.original.state} />
            {row.original.waiting ? <span className="pill tone-warning">Sent</span> : null}
          </>
        ),
      },
      { id: 'when', header: 'Proposed', cell: ({ row }) => <Time iso={row.original.proposal.proposedAt} className="muted" /> },
    ],
    [],
  );
  const table = useReactTable({ data: rows, columns, getCoreRowModel: getCoreRowModel(), getRowId: (row) => row.proposal.id });

  // j/k move through the list, as in the queue.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (isTypingTarget(event.target) || event.ctrlKey || event.metaKey || event.altKey || document.querySelector('dialog[open]')) return;
      if (event.key !== 'j' && event.key !== 'k') return;
      const index = selected ? rows.indexOf(selected) : -1;
      const next = rows[Math.max(0, Math.min(rows.length - 1, index + (event.key === 'j' ? 1 : -1)))];
      if (next) navigate('proposals', next.proposal.id);
      event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [rows, selected]);

  return (
    <div className="split">
      <section className="list-pane" aria-label="Proposals" data-testid="proposals-pane">
        <header className="pane-header">
          <div className="pane-title">
            <h1>Proposals</h1>
            <span className="muted" data-testid="proposals-count">
              {pendingCount.toLocaleString()} waiting · {proposals.length.toLocaleString()} in all
            </span>
          </div>
          <p className="muted small pr-lede">Changes that widen access apply only when a second policy admin or admin approves them; nobody approves their own.</p>
        </header>
        {rows.length === 0 ? (
          <EmptyState title={proposals.length === 0 ? 'No proposed changes' : 'No proposal matches the search'} icon="users">
            {proposals.length === 0
              ? 'When a policy admin changes a policy, profile or resource in a way that widens access, the change waits here for a second person.'
              : `${proposals.length.toLocaleString()} proposals in all; change the search to see them.`}
          </EmptyState>
        ) : (
          <div className="pr-list">
            <table className="pr-table" aria-label="Proposed changes" data-testid="proposals-table">
              <TableHead table={table} />
              <tbody>
                {table.getRowModel().rows.map((row) => {
                  const active = row.id === selected?.proposal.id;
                  return (
                    <tr
                      key={row.id}
                      data-proposal-id={row.id}
                      aria-selected={active}
                      tabIndex={0}
                      className={clsx(active && 'active', row.original.state !== 'pending' && 'pr-decided')}
                      onClick={() => navigate('proposals', row.id)}
                      onKeyDown={(e) => {
                        if (e.key === 'Enter' || e.key === ' ') {
                          e.preventDefault();
                          navigate('proposals', row.id);
                        }
                      }}
                    >
                      {row.getVisibleCells().map((cell) => (
                        <td key={cell.id}>{flexRender(cell.column.columnDef.cell, cell.getContext())}</td>
                      ))}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section className="detail-pane" aria-label="Proposal detail" data-testid="proposal-detail">
        {selected ? (
          <ProposalDetail key={selected.proposal.id} proposal={selected.proposal} now={now} viewer={user} />
        ) : id ? (
          <EmptyState title="Proposal not found" icon="alert" action={<a className="button" href={href('proposals')}>All proposals</a>}>
            This proposal is not in your local copy, or the search hides it.
          </EmptyState>
        ) : (
          <EmptyState title="Select a proposal" icon="users">
            Move with <Kbd>j</Kbd> and <Kbd>k</Kbd>, or click a change to see what it would do.
          </EmptyState>
        )}
      </section>
    </div>
  );
}
