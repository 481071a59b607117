import { useMemo } from 'react';
import { combineLatest, map, of, type Observable } from 'rxjs';
import type { AccessRequest, Command, CommandResult, Grant, Task } from '../../../core/index.js';
import { useObservable } from '../../lib/use-rx.js';
import { useConsoleData } from '../../session/console-data.js';
import { useSession } from '../../session/session.js';
import type { Lookup } from './rejection-model.js';

type ById = { findByIds(ids: string[]): { $: Observable<Map<string, { toJSON(): unknown }>> } };

/** Names for what rejected commands were about, read from the replica (what it does not hold stays an id). */
export function useRejectionLookup(results: readonly CommandResult[], commands: ReadonlyMap<string, Command>): Lookup {
  const { db } = useSession();
  const { users, resources, proposals } = useConsoleData();
  const ids = useMemo(() => {
    const out = { requests: new Set<string>(), grants: new Set<string>(), tasks: new Set<string>() };
    for (const r of results) {
      const p = (commands.get(r.commandId)?.payload ?? {}) as { requestId?: string; grantId?: string; taskId?: string };
      if (p.requestId) out.requests.add(p.requestId);
      if (p.grantId) out.grants.add(p.grantId);
      if (p.taskId) out.tasks.add(p.taskId);
      for (const id of r.subjectIds) (r.type.startsWith('grant.') ? out.grants : out.requests).add(id);
    }
    return { requests: [...out.requests].sort(), grants: [...out.grants].sort(), tasks: [...out.tasks].sort() };
  }, [results, commands]);
  const key = `${ids.requests.join(',')}|${ids.grants.join(',')}|${ids.tasks.join(',')}`;
  const docs = useObservable(
    () => {
      // A replica opens only the collections its roles replicate.
      const find = <T,>(name: 'requests' | 'grants' | 'tasks', wanted: string[]): Observable<Map<string, T>> => {
        const collection = (db.collections as Record<string, unknown>)[name] as ById | undefined;
        if (!collection || wanted.length === 0) return of(new Map<string, T>());
        return collection.findByIds(wanted).$.pipe(map((found) => new Map([...found].map(([id, d]) => [id, d.toJSON() as T]))));
      };
      return combineLatest([find<AccessRequest>('requests', ids.requests), find<Grant>('grants', ids.grants), find<Task>('tasks', ids.tasks)]);
    },
    [new Map(), new Map(), new Map()] as [Map<string, AccessRequest>, Map<string, Grant>, Map<string, Task>],
    [db, key],
  );
  return useMemo(() => {
    const [requests, grants, tasks] = docs.data;
    const byProposal = new Map(proposals.map((p) => [p.id, p]));
    return {
      request: (id) => requests.get(id),
      grant: (id) => grants.get(id),
      task: (id) => tasks.get(id),
      proposal: (id) => byProposal.get(id),
      person: (id) => users.get(id)?.displayName ?? id,
      resource: (id) => resources.get(id)?.name ?? id,
    };
  }, [docs.data, proposals, users, resources]);
}
