import type { Checkpoint, CollectionName, PullResponse, WireDoc } from '../../core/index.js';
import type { Store } from './types.js';

/**
 * A pull through a per-document filter that keeps the checkpoint protocol: it reads on past
 * documents the reader may not see until it has a full batch or reaches the end, and answers the
 * checkpoint of the last document read, shown or not (the same checkpoint when nothing is new).
 * RxDB stops pulling at a short batch, so a batch is only short at the end of the collection.
 */
export function filteredPull(
  store: Pick<Store, 'pull'>,
  collection: CollectionName,
  checkpoint: Checkpoint,
  batchSize: number,
  show: (doc: WireDoc<object>) => WireDoc<object> | null,
): PullResponse<object> {
  const documents: WireDoc<object>[] = [];
  let next = checkpoint;
  for (;;) {
    // Never read more than can still be answered: the checkpoint is that of the last row read.
    const remaining = batchSize - documents.length;
    const page = store.pull(collection, next, remaining);
    for (const doc of page.documents as WireDoc<object>[]) {
      const shown = show(doc);
      if (shown) documents.push(shown);
    }
    next = page.checkpoint;
    if (page.documents.length < remaining || documents.length >= batchSize) break;
  }
  return { documents, checkpoint: next };
}
