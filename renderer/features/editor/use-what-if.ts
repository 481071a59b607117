/**
 * The editor's what-if over this device's replica: the profiles, groups, recent requests and live
 * grants it holds, fed to core's configWhatIf and changeWidenings (the rules the server decides
 * with), so it reads offline and before anything is sent.
 */
import { useDeferredValue, useMemo } from 'react';
import { map, of, type Observable } from 'rxjs';
import {
  changeWidenings,
  configWhatIf,
  widensOwnAccess,
  type AccessProfile,
  type AccessRequest,
  type ConfigWhatIf,
  type ConfigWorld,
  type Grant,
  type ProposalChange,
} from '../../../core/index.js';
import { useObservable } from '../../lib/use-rx.js';
import { useConsoleData } from '../../session/console-data.js';
import { useSession } from '../../session/session.js';
import { useDirectoryGroups } from './use-directory-groups.js';

export const WHAT_IF_DAYS = 90;

type Docs = { find(query?: { selector: Record<string, unknown> }): { $: Observable<ReadonlyArray<{ toJSON(): unknown }>> } };

/** Live documents of a collection this replica may not hold (its roles decide): empty when it does not. */
function useDocs<T>(name: string, selector: Record<string, unknown> | undefined, deps: readonly unknown[]): { docs: T[]; loading: boolean } {
  const { db } = useSession();
  const state = useObservable(
    () => {
      const collection = (db.collections as Record<string, unknown>)[name] as Docs | undefined;
      if (!collection) return of([] as T[]);
      return collection.find(selector ? { selector } : undefined).$.pipe(map((docs) => docs.map((d) => d.toJSON() as T)));
    },
    [] as T[],
    [db, name, ...deps],
  );
  return { docs: state.data, loading: state.loading };
}

/** The access profiles on this replica (policy admins, auditors and admins hold them). */
export function useProfiles(): { profiles: AccessProfile[]; loading: boolean } {
  const { docs, loading } = useDocs<AccessProfile>('profiles', undefined, []);
  return { profiles: docs, loading };
}

export type WhatIfView = {
  whatIf: ConfigWhatIf | null;
  /** Each way the change widens access (a proposal for a second person), as the server will judge it. */
  widenings: string[];
  /** The server refuses a widening that widens its proposer's own access. */
  widensOwn: boolean;
  loading: boolean;
};

/** The what-if of a change (null: the form has problems, nothing to compute). */
export function useWhatIf(change: ProposalChange | null, governedIds: readonly string[]): WhatIfView {
  const { user } = useSession();
  const { users, resources, policies } = useConsoleData();
  const profiles = useDocs<AccessProfile>('profiles', undefined, []);
  const key = [...governedIds].sort().join(',');
  // Midnight today, so the query (and its subscription) stays the same while someone edits.
  const since = useMemo(() => new Date(new Date().setHours(0, 0, 0, 0) - WHAT_IF_DAYS * 86_400_000).toISOString(), []);
  const requests = useDocs<AccessRequest>('requests', { resourceId: { $in: key ? key.split(',') : [] }, createdAt: { $gte: since } }, [key, since]);
  const grants = useDocs<Grant>('grants', { resourceId: { $in: key ? key.split(',') : [] }, status: { $in: ['provisioning', 'active'] } }, [key]);
  const deferred = useDeferredValue(change);
  // On-call conditions of auto-approval rules: the groups as this device last read them.
  const groups = useDirectoryGroups();
  const groupOf = useMemo(() => {
    const byId = new Map(groups.map((g) => [g.id, g]));
    return (id: string) => byId.get(id) ?? null;
  }, [groups]);
  const world = useMemo<ConfigWorld>(
    () => ({ users: [...users.values()], resources: [...resources.values()], policies: [...policies.values()], profiles: profiles.docs }),
    [users, resources, policies, profiles.docs],
  );
  return useMemo(() => {
    const loading = profiles.loading || requests.loading || grants.loading;
    if (!deferred) return { whatIf: null, widenings: [], widensOwn: false, loading };
    const widenings = changeWidenings(deferred, world);
    const me = users.get(user.id);
    return {
      whatIf: configWhatIf({ change: deferred, world, requests: requests.docs, grants: grants.docs, now: new Date(), editorId: user.id, windowDays: WHAT_IF_DAYS, groupOf }),
      widenings,
      widensOwn: widenings.length > 0 && me !== undefined && widensOwnAccess(me, deferred, world),
      loading,
    };
  }, [deferred, world, requests, grants, profiles.loading, users, user.id, groupOf]);
}

/** The resources a change governs, as this replica names them (for the replay's query). */
export function governedIds(change: ProposalChange, resources: ReadonlyMap<string, { id: string; policyIds: readonly string[] }>): string[] {
  switch (change.kind) {
    case 'policy':
      return [...resources.values()].filter((r) => r.policyIds.includes(change.after.id)).map((r) => r.id);
    case 'profile':
      return [...new Set([...change.after.resourceIds, ...(change.before?.resourceIds ?? [])])];
    case 'resource':
      return [change.after.id];
  }
}
