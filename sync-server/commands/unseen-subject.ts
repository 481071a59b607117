/**
 * A command that names a request, grant or task its sender's replica may not hold is answered as
 * if that document did not exist. Otherwise the refusal ("already approved by Alice", "not your
 * grant") would tell a requester about other people's access, one guessed id at a time.
 * Visibility is the per-role replication rule itself (SyncView), so REST, CLI and console agree.
 */
import type { CollectionName, WireDoc } from '../../core/index.js';
import { syncViewOf, type SyncReader, type SyncView } from '../http/sync-view.js';
import type { Store } from '../store/types.js';

const SUBJECTS: readonly (readonly [field: string, collection: CollectionName, noun: string])[] = [
  ['requestId', 'requests', 'request'],
  ['grantId', 'grants', 'grant'],
  ['taskId', 'tasks', 'task'],
];

/** The refusal for the first subject the reader may not see (worded as the use cases word a missing one), or null. */
export function unseenSubject(store: Store, reader: SyncReader, payload: Record<string, unknown>): string | null {
  let view: SyncView | undefined;
  for (const [field, collection, noun] of SUBJECTS) {
    const id = payload[field];
    if (typeof id !== 'string') continue;
    // A missing one is left to the use case, which says so in the same words.
    const doc = store.get(collection, id);
    if (!doc) continue;
    view ??= syncViewOf(store, reader);
    if (view.whole(collection)) continue;
    if (!view.show(collection, { ...doc, _deleted: false } as WireDoc<object>)) return `${noun} ${id} does not exist`;
  }
  return null;
}
