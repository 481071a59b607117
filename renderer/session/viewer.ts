/**
 * The signed-in person as the queue judges them: their roles and the directory groups they are in
 * (a step naming a group lets its members decide: core isStepApprover). Groups are not replicated
 * (RxDB's open edition caps open collections), so they come from GET /api/v1/me, kept beside the
 * replica for offline use and read again when the server says the reader's view changed (joining or
 * leaving a group named on a step changes it).
 */
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useConsoleData } from './console-data.js';
import { requestJson } from './api-client.js';
import { readCached, writeCached } from './offline-cache.js';
import type { Viewer } from './permissions.js';
import { accountPrefix } from './replica.js';
import { useSession } from './session.js';

const CACHE_NAME = 'groupIds';

export function useViewer(): Viewer & { displayName: string } {
  const { serverUrl, token, user } = useSession();
  const { status } = useConsoleData();
  const prefix = accountPrefix(serverUrl, user.id);
  const groups = useQuery({
    // The view flag in the key: a changed view reads the groups again.
    queryKey: ['my-groups', serverUrl, token, Boolean(status.viewChanged)],
    queryFn: async () => {
      const { body } = await requestJson(serverUrl, '/api/v1/me', { token });
      const ids = (body as { user?: { groupIds?: unknown } }).user?.groupIds;
      const groupIds = Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
      writeCached(prefix, CACHE_NAME, groupIds);
      return groupIds;
    },
    staleTime: 5 * 60_000,
    retry: false,
    networkMode: 'always',
  });
  const cached = useMemo(() => readCached<string[]>(prefix, CACHE_NAME)?.value, [prefix]);
  const groupIds = groups.data ?? cached;
  return useMemo(() => ({ ...user, groupIds }), [user, groupIds]);
}
