/**
 * What the console knows about a collection that is still loading from scratch (a new device, a
 * replica rebuilt for new roles): its live query's documents are real but partial, and a screen
 * must say so rather than show a count or an empty state as final.
 */
import { combineLatest, concatMap, distinctUntilChanged, from, map, of, type Observable } from 'rxjs';
import type { CollectionName } from '../../core/index.js';
import type { LoadingState } from '../db/index.js';

export type PartialDocs<T> = { docs: T[]; partial: boolean };

type LiveQuery = { readonly $: Observable<ReadonlyArray<{ toJSON(): unknown }>>; exec(): Promise<unknown> };

/**
 * A live query's documents and whether they are partial: while the collection loads from scratch,
 * and after that until the query has caught up with the last page written. The query is run once
 * when the load ends, and only then is the list called complete, so a screen never shows the
 * previous page's count as the final one for a frame.
 */
export function withLoadState<T>(query: LiveQuery, collection: CollectionName, loading$: Observable<LoadingState>): Observable<PartialDocs<T>> {
  const partial$ = loading$.pipe(
    map((state) => state.has(collection)),
    distinctUntilChanged(),
    concatMap((partial) => (partial ? of(true) : from(query.exec()).pipe(map(() => false)))),
  );
  const docs$ = query.$.pipe(map((docs) => docs.map((d) => d.toJSON() as T)));
  return combineLatest([docs$, partial$]).pipe(map(([docs, partial]) => ({ docs, partial })));
}

/** Loading progress in words for a status line: "3,000 of 10,008" or "3,000 so far". */
export function progressLabel(progress: { received: number; expected: number | null }): string {
  const received = progress.received.toLocaleString('en-US');
  return progress.expected === null ? `${received} so far` : `${received} of ${Math.max(progress.expected, progress.received).toLocaleString('en-US')}`;
}
