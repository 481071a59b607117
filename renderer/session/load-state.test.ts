import { BehaviorSubject, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { CollectionName } from '../../core/index.js';
import type { LoadingState, LoadProgress } from '../db/index.js';
import { progressLabel, withLoadState, type PartialDocs } from './load-state.js';

type Doc = { toJSON(): unknown };
const doc = (id: string): Doc => ({ toJSON: () => ({ id }) });

function fakeQuery() {
  const results = new Subject<Doc[]>();
  let release: () => void = () => undefined;
  const query = {
    $: results.asObservable(),
    exec: () => new Promise<unknown>((resolve) => (release = () => resolve([]))),
  };
  return { query, results, release: () => release() };
}

const loading = (entries: [CollectionName, LoadProgress][]): LoadingState => new Map(entries);

describe('withLoadState', () => {
  it('calls the list partial while its collection loads, and complete only once the query has caught up', async () => {
    const { query, results, release } = fakeQuery();
    const loading$ = new BehaviorSubject<LoadingState>(loading([['requests', { received: 0, expected: null }]]));
    const seen: PartialDocs<{ id: string }>[] = [];
    const sub = withLoadState<{ id: string }>(query, 'requests', loading$).subscribe((value) => seen.push(value));

    results.next([doc('a')]);
    expect(seen.at(-1)).toEqual({ docs: [{ id: 'a' }], partial: true });
    loading$.next(loading([['requests', { received: 1, expected: 2 }]]));
    results.next([doc('a'), doc('b')]);
    expect(seen.at(-1)).toEqual({ docs: [{ id: 'a' }, { id: 'b' }], partial: true });

    // The load ended, but the query has not answered yet: still partial.
    loading$.next(loading([]));
    expect(seen.at(-1)?.partial).toBe(true);
    release();
    await Promise.resolve();
    await Promise.resolve();
    expect(seen.at(-1)).toEqual({ docs: [{ id: 'a' }, { id: 'b' }], partial: false });
    sub.unsubscribe();
  });

  it('another collection loading does not make the list partial', async () => {
    const { query, results, release } = fakeQuery();
    const loading$ = new BehaviorSubject<LoadingState>(loading([['audit', { received: 5, expected: 10 }]]));
    const seen: PartialDocs<{ id: string }>[] = [];
    const sub = withLoadState<{ id: string }>(query, 'requests', loading$).subscribe((value) => seen.push(value));
    release();
    await Promise.resolve();
    await Promise.resolve();
    results.next([]);
    expect(seen.at(-1)).toEqual({ docs: [], partial: false });
    sub.unsubscribe();
  });
});

describe('progressLabel', () => {
  it('says how many of how many, or how many so far when the total is not known', () => {
    expect(progressLabel({ received: 3000, expected: 10008 })).toBe('3,000 of 10,008');
    expect(progressLabel({ received: 12, expected: null })).toBe('12 so far');
    // A total that grew past what was said is never shown below what has arrived.
    expect(progressLabel({ received: 12, expected: 10 })).toBe('12 of 12');
  });
});
