import { useMutation, useQuery } from '@tanstack/react-query';
import { useId, useMemo, useState, type FormEvent } from 'react';
import { map, of, type Observable } from 'rxjs';
import type { Grant, Task } from '../../../core/index.js';
import { useObservable } from '../../lib/use-rx.js';
import { useConsoleData } from '../../session/console-data.js';
import { useSession } from '../../session/session.js';
import { Dialog, Icon, sentence } from '../../ui/ui.js';
import '../../ui/load-progress.css';
import type { AccountRow } from './accounts-model.js';
import { dutyWords, fetchOffboarding, followUpWords, liveProgress, offboardPreview, progressWords, sendOffboard } from './offboarding-model.js';

type Docs = { find(query?: { selector: Record<string, unknown> }): { $: Observable<ReadonlyArray<{ toJSON(): unknown }>> } };

/** Live documents of a collection the replica holds (an admin's holds grants and tasks); empty otherwise. */
function useReplica<T>(name: 'grants' | 'tasks', selector: Record<string, unknown> | undefined, deps: readonly unknown[]): T[] {
  const { db } = useSession();
  return useObservable(
    () => {
      const collection = (db.collections as Record<string, unknown>)[name] as Docs | undefined;
      return collection ? collection.find(selector ? { selector } : undefined).$.pipe(map((docs) => docs.map((d) => d.toJSON() as T))) : of([] as T[]);
    },
    [] as T[],
    [db, name, ...deps],
  ).data;
}

/** Offboard a person: what will happen, named before confirming; then the progress until every grant is verified gone. */
export function OffboardDialog({ account, accounts, onClose }: { account: AccountRow; accounts: readonly AccountRow[]; onClose(notice?: string): void }) {
  const { serverUrl, token } = useSession();
  const data = useConsoleData();
  const formId = useId();
  const [fallbackId, setFallbackId] = useState('');
  const [reason, setReason] = useState('');
  const [started, setStarted] = useState<string | null>(null);
  const grants = useReplica<Grant>('grants', { userId: account.id }, [account.id]);
  const tasks = useReplica<Task>('tasks', { status: 'open' }, []);
  const view = useQuery({
    queryKey: ['offboarding', serverUrl, account.id],
    queryFn: () => fetchOffboarding(serverUrl, token, account.id),
    networkMode: 'always',
    // Until every grant is verified gone; the replica's grants move the bar in between.
    refetchInterval: (query) => (query.state.data && query.state.data.state === 'in_progress' ? 2000 : false),
  });
  const fallbacks = accounts.filter((a) => a.id !== account.id && !a.disabled);
  const fallbackName = fallbacks.find((a) => a.id === fallbackId)?.displayName ?? null;
  const preview = useMemo(
    () =>
      offboardPreview({
        personId: account.id,
        personName: account.displayName,
        fallbackId: fallbackId || null,
        fallbackName,
        grants,
        requests: data.pending,
        policies: [...data.policies.values()],
        tasks,
        resources: [...data.resources.values()],
      }),
    [account, fallbackId, fallbackName, grants, data.pending, data.policies, data.resources, tasks],
  );
  const mutation = useMutation({
    mutationFn: () => sendOffboard(serverUrl, token, { personId: account.id, ...(fallbackId ? { fallbackId } : {}), reason: reason.trim() || 'offboarded from the console' }),
    onSuccess: (message) => {
      setStarted(message);
      void view.refetch();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    mutation.mutate();
  };
  const replicaGrants = useMemo(() => new Map(grants.map((g) => [g.id, g])), [grants]);
  const current = view.data && view.data.state !== 'none' ? view.data : null;
  const live = current ? liveProgress(current, replicaGrants) : null;
  const title = current ? `Offboarding ${account.displayName}` : `Offboard ${account.displayName}`;

  return (
    <Dialog
      open
      title={title}
      onClose={() => onClose(started ?? undefined)}
      footer={
        current ? (
          <button type="button" className="button" onClick={() => onClose(started ?? undefined)} data-autofocus>
            Close
          </button>
        ) : (
          <>
            <button type="button" className="button" onClick={() => onClose()}>
              Cancel
            </button>
            <button type="submit" form={formId} className="button danger" data-testid="confirm-offboard" disabled={mutation.isPending || view.isLoading}>
              {mutation.isPending ? 'Offboarding…' : `Offboard ${account.displayName}`}
            </button>
          </>
        )
      }
    >
      {current && live ? (
        <section className="acc-form" data-testid="offboarding-progress" aria-live="polite">
          {started ? <p>{sentence(started)}</p> : null}
          <div className="load-progress">
            <span className="load-progress-label">{live.progress.total === 0 ? 'They held no grant: nothing to revoke.' : live.state === 'done' ? `All ${live.progress.total} grants verified gone.` : progressWords(live.progress)}</span>
            <span className="load-progress-track" role="progressbar" aria-label="Grants verified gone" aria-valuemin={0} aria-valuemax={Math.max(1, live.progress.total)} aria-valuenow={live.progress.total === 0 ? 1 : live.progress.verified}>
              <span className="load-progress-fill" style={{ width: `${live.progress.total === 0 ? 100 : Math.round((100 * live.progress.verified) / live.progress.total)}%` }} />
            </span>
          </div>
          <dl className="facts-grid acc-change-facts">
            <dt>Grants</dt>
            <dd data-testid="offboard-grants">
              {live.progress.revoked} revoked, {live.progress.verified} verified of {live.progress.total}
            </dd>
            <dt>Requests cancelled</dt>
            <dd data-testid="offboard-requests">{current.record?.requestsCancelled.length ?? 0}</dd>
            <dt>Duties moved</dt>
            <dd data-testid="offboard-duties">{current.record?.reassigned.length ? current.record.reassigned.map(dutyWords).join('; ') : 'none'}</dd>
            <dt>Sessions left</dt>
            <dd>{current.sessions}</dd>
            <dt>Left for an admin</dt>
            <dd data-testid="offboard-follow-ups">
              {current.record?.followUps?.length ? (
                <>
                  <ul>
                    {current.record.followUps.map((f) => (
                      <li key={`${f.kind}:${f.subjectId}`}>{sentence(followUpWords(f))}</li>
                    ))}
                  </ul>
                  <span className="small muted">Each is an alert on admins&apos; My tasks.</span>
                </>
              ) : (
                'nothing'
              )}
            </dd>
          </dl>
        </section>
      ) : (
        <form id={formId} className="acc-form" onSubmit={submit} noValidate>
          <p className="acc-who">This ends {account.displayName}&apos;s access everywhere and hands their work on:</p>
          <ul data-testid="offboard-preview">
            {preview.sentences.map((s) => (
              <li key={s}>{s}</li>
            ))}
          </ul>
          <label className="field">
            <span>Who takes over their duties</span>
            <select value={fallbackId} onChange={(e) => setFallbackId(e.target.value)} data-testid="offboard-fallback" data-autofocus>
              <option value="">The server&apos;s configured fallback</option>
              {fallbacks.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.displayName} ({a.username})
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Reason (kept in the audit log)</span>
            <input value={reason} onChange={(e) => setReason(e.target.value)} />
          </label>
          {preview.problem && fallbackId ? <p className="acc-hint small">{sentence(preview.problem)}</p> : null}
          {mutation.error ? (
            <div className="notice danger" role="alert">
              <Icon name="alert" />
              <span>{sentence(mutation.error.message)}</span>
            </div>
          ) : null}
        </form>
      )}
    </Dialog>
  );
}
