/**
 * The directory's groups, for the escalation picker. The replica does not open them (the console
 * keeps its collections under RxDB's limit, see session/session.tsx), so they are read through the
 * same pull endpoint replication uses and kept beside the replica for offline use.
 */
import { useEffect, useState } from 'react';
import { syncPath, type DirectoryGroup } from '../../../core/index.js';
import { requestJson } from '../../session/api-client.js';
import { readCached, writeCached } from '../../session/offline-cache.js';
import { accountPrefix } from '../../session/replica.js';
import { useSession } from '../../session/session.js';

type Page = { documents: Array<DirectoryGroup & { _deleted?: boolean }>; checkpoint: { seq: number; id: string } | null };

const MAX_PAGES = 50;

async function pullGroups(serverUrl: string, token: string): Promise<DirectoryGroup[]> {
  const out = new Map<string, DirectoryGroup>();
  let checkpoint = { seq: 0, id: '' };
  for (let page = 0; page < MAX_PAGES; page++) {
    const { body } = await requestJson(serverUrl, `${syncPath('groups', 'pull')}?seq=${checkpoint.seq}&id=${encodeURIComponent(checkpoint.id)}&batchSize=200`, { token });
    const answer = body as Page;
    for (const doc of answer.documents) {
      if (doc._deleted) out.delete(doc.id);
      else out.set(doc.id, doc);
    }
    if (answer.documents.length === 0 || !answer.checkpoint) break;
    checkpoint = answer.checkpoint;
  }
  return [...out.values()];
}

/** Groups as last read (from this device when offline); empty for roles that do not see them. */
export function useDirectoryGroups(): DirectoryGroup[] {
  const { serverUrl, token, user } = useSession();
  const prefix = accountPrefix(serverUrl, user.id);
  const [groups, setGroups] = useState<DirectoryGroup[]>(() => readCached<DirectoryGroup[]>(prefix, 'groups')?.value ?? []);
  useEffect(() => {
    let live = true;
    pullGroups(serverUrl, token).then(
      (fresh) => {
        if (!live) return;
        setGroups(fresh);
        writeCached(prefix, 'groups', fresh);
      },
      // Offline, or a role that does not read groups: the cached list (or none) stands.
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [serverUrl, token, prefix]);
  return groups;
}
